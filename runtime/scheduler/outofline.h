/* Out-of-line task arguments: a task whose arguments do not fit a frame
 * (more than WEFT_ARGS_MAX bytes, at most WEFT_ARGS_LARGE_MAX) gets them in
 * a heap block; its frame holds a weft__boxed (the task's own function and
 * the block) and runs through a trampoline that calls the function on the
 * block, copies the block's first WEFT_ARGS_MAX bytes (the function's
 * result, written where its arguments were, as into a frame) back into the
 * frame's buffer, and frees the block.
 *
 * Who frees: whoever runs the frame, once, since every frame runs exactly
 * once: the owner's inline sync (weft_sync), weft__sync_slow or
 * weft__run_top on the owner, or the thief it was shipped to (the block
 * travels inside the frame's bytes; malloc's free may run on any thread).
 * A typed result of more than WEFT_ARGS_MAX bytes is boxed the same way by
 * the task's run wrapper (weft__result_box) and freed by its sync
 * (weft__result_unbox).
 */
#ifndef WEFT_RUNTIME_OUTOFLINE_H
#define WEFT_RUNTIME_OUTOFLINE_H

#include <stddef.h>
#include <weft.h>

/* The frame bytes of a task with out-of-line arguments. */
typedef struct weft__boxed {
    weft_task_fn fn;      /* the task's own function */
    unsigned char *block; /* max(size, WEFT_ARGS_MAX) bytes: the arguments */
} weft__boxed;

/* Any thread. Copies size (WEFT_ARGS_MAX < size) bytes of *args into a new
 * heap block and rewrites *fn, *args and *size to push instead: the
 * trampoline, *box (filled in here) and sizeof *box. Dies with the size
 * when size > WEFT_ARGS_LARGE_MAX, or when out of memory. */
void weft__args_box(weft_task_fn *fn, const void **args, size_t *size, weft__boxed *box);

#endif
