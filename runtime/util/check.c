#include "runtime/util/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

void weft__check_failed(const char *expr, const char *file, int line, const char *func,
                        int has_values, const char *a_text, unsigned long long a,
                        const char *b_text, unsigned long long b)
{
    /* One fprintf per line, so that lines from two failing threads do not
     * interleave mid-line. */
    if (has_values)
        fprintf(stderr, "weft: worker %d: check failed at %s:%d (%s): %s  (%s = %llu, %s = %llu)\n",
                weft_worker_id(), file, line, func, expr, a_text, a, b_text, b);
    else
        fprintf(stderr, "weft: worker %d: check failed at %s:%d (%s): %s\n", weft_worker_id(), file,
                line, func, expr);
    abort();
}
