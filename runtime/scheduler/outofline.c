/* Out-of-line task arguments and typed results (the design is in
 * outofline.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/scheduler/outofline.h"

WEFT__STATIC_ASSERT(sizeof(weft__boxed) <= WEFT_ARGS_MAX, "a boxed frame fits a frame");

static void *block_new(size_t size, const char *what)
{
    void *b = malloc(size < WEFT_ARGS_MAX ? WEFT_ARGS_MAX : size);
    if (b == NULL) {
        fprintf(stderr, "weft: out of memory for %zu bytes of %s\n", size, what);
        abort();
    }
    return b;
}

/* The frame function of a boxed task: see outofline.h. */
static void run_boxed(void *buf)
{
    weft__boxed b;
    memcpy(&b, buf, sizeof b);
    b.fn(b.block);
    memcpy(buf, b.block, WEFT_ARGS_MAX);
    free(b.block);
}

void weft__args_box(weft_task_fn *fn, const void **args, size_t *size, weft__boxed *box)
{
    if (*size > WEFT_ARGS_LARGE_MAX) {
        fprintf(stderr, "weft: task arguments of %zu bytes exceed WEFT_ARGS_LARGE_MAX (%d bytes)\n", *size,
                WEFT_ARGS_LARGE_MAX);
        abort();
    }
    box->fn = *fn;
    box->block = block_new(*size, "task arguments");
    memcpy(box->block, *args, *size);
    *fn = run_boxed;
    *args = box;
    *size = sizeof *box;
}

void weft__result_box(void *buf, const void *r, size_t size)
{
    void *b = block_new(size, "a task result");
    memcpy(b, r, size);
    memcpy(buf, &b, sizeof b);
}

void weft__result_unbox(void *out, const void *buf, size_t size)
{
    void *b;
    memcpy(&b, buf, sizeof b);
    memcpy(out, b, size);
    free(b);
}
