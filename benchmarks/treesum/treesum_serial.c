/* treesum_serial: the serial twin of treesum_weft.c (plain recursion, same
 * compiler and flags). Usage: treesum_serial NODES [REPS] */
#include "../common/bench.h"
#include "treesum.h"

/* The sum of the subtree rooted at nd: the left subtree, then the right
 * one, in the order a parallel version visits them when nothing is stolen. */
static uint64_t ts_sum(const ts_node *nd)
{
    BENCH_OPAQUE();
    uint64_t r = nd->value;
    if (nd->left)
        r += ts_sum(nd->left);
    if (nd->right)
        r += ts_sum(nd->right);
    return r;
}

int main(int argc, char **argv)
{
    char args[64];
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum_serial", &n, &reps);
    ts_tree t = ts_build(n);
    uint64_t total = 0;
    double t0 = bench_now();
    for (long i = 0; i < reps; i++)
        total += ts_sum(t.nodes);
    double s = bench_now() - t0;
    ts_check("treesum_serial", total, n, reps);
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("treesum", impl, 1, bench_args(argc, argv, args, sizeof args), s, total,
                 t.forks * (uint64_t)reps);
    free(t.nodes);
    return 0;
}
