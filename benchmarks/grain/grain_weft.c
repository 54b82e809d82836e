/* grain_weft: the sweep's loop as weft_parallel_reduce_range (chunks sized
 * by the runtime, each summed into a local first).
 * Usage: grain N STEPS   (workers: WEFT_NUM_THREADS) */
#include <weft.h>

#include "grain.h"

static void zero(void *acc, void *ctx) { (void)ctx; *(uint64_t *)acc = 0; }
static void add(void *into, const void *from, void *ctx)
{
    (void)ctx;
    *(uint64_t *)into += *(const uint64_t *)from;
}
static const weft_reducer sum_red = {sizeof(uint64_t), zero, add};

static void chunk(int64_t lo, int64_t hi, int64_t stride, void *acc, void *ctx)
{
    (void)stride;
    int64_t steps = *(const int64_t *)ctx;
    uint64_t s = 0;
    for (int64_t i = lo; i < hi; i++)
        s += grain_spin(i, steps, s);
    *(uint64_t *)acc += s;
}

int main(int argc, char **argv)
{
    char args[64];
    grain_params p = grain_args(argc, argv, "grain");
    if (weft_init(NULL) != 0) {
        fprintf(stderr, "grain: weft_init: %s\n", weft_last_error());
        return 1;
    }
    int threads = weft_num_workers();
    uint64_t s;
    double t0 = bench_now();
    weft_parallel_reduce_range(0, p.n, 1, chunk, &p.steps, &sum_red, &s);
    double t = bench_now() - t0;
    weft_exit();
    bench_report("grain", "weft", threads, bench_args(argc, argv, args, sizeof args), t, s,
                 (unsigned long long)p.n);
    return 0;
}
