/* quarantine/head.c: see head.h. */
#include "quarantine/head.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "quarantine/chain.h"

int q_head_read(q_head *h, int fd, const char *path, char *err, size_t errlen)
{
    h->len = 0;
    while (h->len < Q_HEAD_BYTES) {
        ssize_t n = read(fd, h->bytes + h->len, Q_HEAD_BYTES - h->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (n == 0) break;
        h->len += (size_t)n;
    }
    return 0;
}

uint32_t q_head_validators(const uint8_t *b, size_t len)
{
    /* u32 len = 20 | u8 kind 0 | u8 flags 0 | u16 peer | u64 t_ms | "WQ01" | u32 N */
    if (len < 24 || q_get_le32(b) != 20 || b[4] != Q_KIND_HELLO || b[5] != 0 || memcmp(b + 16, "WQ01", 4) != 0)
        return 0;
    return q_get_le32(b + 20);
}

int q_head_feed(const q_head *h, q_reader *r)
{
    return h->len ? q_decoder_feed(&r->dec, h->bytes, h->len) : 0;
}
