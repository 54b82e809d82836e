/* spc_tbb: single task producer with oneTBB: the main thread runs N tasks
 * into one task_group and waits. Usage: spc_tbb N US */
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "spc.h"

int main(int argc, char **argv)
{
    char args[64];
    spc_params p = spc_args(argc, argv, "spc_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    tbb::task_group g;
    for (int i = 0; i < 4 * threads; i++) /* start the workers before the clock */
        g.run([] {});
    g.wait();
    double us = p.us;
    double t0 = bench_now();
    for (int i = 0; i < p.n; i++)
        g.run([us] { tally_add(tbb::this_task_arena::current_thread_index(), bench_busy_us(us)); });
    g.wait();
    double t = bench_now() - t0;
    bench_report("spc", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 (unsigned long long)p.n);
    return 0;
}
