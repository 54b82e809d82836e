/* treesum_serial: the serial twin of treesum_weft.c (plain recursion, same
 * compiler and flags). Usage: treesum_serial NODES [REPS] */
#include "../common/bench.h"
#include "treesum.h"

/* The sum of the subtree rooted at nd: the left subtree, then the right
 * one, in the order a parallel version visits them when nothing is stolen. */
static uint64_t ts_sum(const ts_node *nd)
{
    BENCH_OPAQUE();
    if (!nd->right)
        return nd->left ? nd->value + ts_sum(nd->left) : nd->value;
    uint64_t r = nd->value + ts_sum(nd->left);
    return r + ts_sum(nd->right);
}

int main(int argc, char **argv)
{
    uint64_t n;
    long reps;
    ts_args(argc, argv, "treesum_serial", &n, &reps);
    ts_tree t = ts_build(n);
    uint64_t total = 0;
    double t0 = bench_now();
    for (long i = 0; i < reps; i++)
        total += ts_sum(t.nodes);
    double s = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    ts_report(impl, 1, argc, argv, s, total, &t, reps);
    return 0;
}
