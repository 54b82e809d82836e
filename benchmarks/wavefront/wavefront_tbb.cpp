/* wavefront_tbb: the wavefront as a oneTBB flow graph: a continue_node per
 * block, edges from its upper and left neighbours, the first block started
 * with try_put, then wait_for_all. The graph is built inside the timed
 * region, as the other versions create their tasks there.
 * Usage: wavefront_tbb B US */
#include <tbb/flow_graph.h>
#include <tbb/global_control.h>
#include <tbb/task_group.h>
#include <memory>
#include <vector>

#include "wavefront.h"

typedef tbb::flow::continue_node<tbb::flow::continue_msg> node_t;

int main(int argc, char **argv)
{
    char args[64];
    wavefront_params p = wavefront_args(argc, argv, "wavefront_tbb");
    int b = p.b;
    double us = p.us;
    std::vector<uint64_t> v((size_t)(b + 1) * (size_t)(b + 1), 0);
    int threads = bench_threads();
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
    {
        tbb::task_group warm; /* start the workers before the clock */
        for (int i = 0; i < 4 * threads; i++) warm.run([] {});
        warm.wait();
    }
    double t0 = bench_now();
    tbb::flow::graph g;
    std::vector<std::unique_ptr<node_t>> nodes((size_t)b * b);
    uint64_t *vp = v.data();
    for (int i = 0; i < b; i++)
        for (int j = 0; j < b; j++) {
            nodes[(size_t)i * b + j].reset(new node_t(g, [vp, b, i, j, us](const tbb::flow::continue_msg &) {
                wavefront_block(vp, b, i, j, us);
            }));
            if (i > 0) tbb::flow::make_edge(*nodes[(size_t)(i - 1) * b + j], *nodes[(size_t)i * b + j]);
            if (j > 0) tbb::flow::make_edge(*nodes[(size_t)i * b + j - 1], *nodes[(size_t)i * b + j]);
        }
    nodes[0]->try_put(tbb::flow::continue_msg());
    g.wait_for_all();
    double t = bench_now() - t0;
    bench_report("wavefront", "tbb", threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)v[wavefront_at(b, b - 1, b - 1)], (unsigned long long)b * b);
    return 0;
}
