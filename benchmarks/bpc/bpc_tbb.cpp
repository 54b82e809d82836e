/* bpc_tbb: bouncing producer-consumer on one oneTBB task_group that every
 * task adds to; the main thread's wait ends the run.
 * Usage: bpc_tbb DEPTH N US   (workers: WEFT_NUM_THREADS) */
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../common/bench.h"
#include "bpc.h"

static bpc_params P;
static tbb::task_group *group;

/* A consumer: spins for P.us microseconds. */
static void consume(void)
{
    tally_add(tbb::this_task_arena::current_thread_index(), bench_busy_us(P.us));
}

/* A producer of depth d: the next producer as a task, then P.n consumer tasks. */
static void produce(int d)
{
    if (d <= 0)
        return;
    tally_add(tbb::this_task_arena::current_thread_index(), 0);
    group->run([d] { produce(d - 1); });
    for (int i = 0; i < P.n; i++)
        group->run([] { consume(); });
}

int main(int argc, char **argv)
{
    char args[64];
    P = bpc_args(argc, argv, "bpc_tbb");
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    tbb::task_group g;
    group = &g;
    for (int i = 0; i < 4 * threads; i++) /* start the workers before the clock */
        g.run([] {});
    g.wait();
    double t0 = bench_now();
    g.run([] { produce(P.depth); });
    g.wait();
    double t = bench_now() - t0;
    bench_report("bpc", "tbb", threads, bench_args(argc, argv, args, sizeof args), t, tally_sum(),
                 bpc_tasks(P));
    return 0;
}
