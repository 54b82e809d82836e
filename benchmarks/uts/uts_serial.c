/* uts_serial: the serial twin of uts_weft.c: depth-first recursion over
 * the tree. Usage: uts_serial [UTS flags]  (see uts.h; T1 and T3 there) */
#include "../common/bench.h"
#include "uts.h"

/* Nodes in the subtree of nd, nd included. */
static uint64_t uts_visit(uts_node nd)
{
    int nc = uts_num_children(&nd);
    uint64_t count = 1;
    for (int i = 0; i < nc; i++) {
        uts_node c;
        uts_child(&nd, i, &c);
        count += uts_visit(c);
    }
    return count;
}

int main(int argc, char **argv)
{
    char args[128];
    uts_args(argc, argv, "uts_serial");
    uts_node root;
    uts_root(&root);
    double t0 = bench_now();
    uint64_t r = uts_visit(root);
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "serial_clang";
#else
    const char *impl = "serial";
#endif
    bench_report("uts", impl, 1, bench_args(argc, argv, args, sizeof args), t, r, r - 1);
    return 0;
}
