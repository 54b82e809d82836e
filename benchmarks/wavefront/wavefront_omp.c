/* wavefront_omp: the wavefront with OpenMP tasks and depend clauses: one
 * thread creates every block's task inside `single`, in row-major order,
 * with depend(in) on its upper and left values and depend(out) on its own
 * (the zero border stands in for missing neighbours); the region's closing
 * barrier waits for them. Usage: wavefront_omp_* B US */
#include <omp.h>

#include "wavefront.h"

int main(int argc, char **argv)
{
    char args[64];
    wavefront_params p = wavefront_args(argc, argv, "wavefront_omp");
    int b = p.b;
    double us = p.us;
    uint64_t *v = calloc((size_t)(b + 1) * (size_t)(b + 1), sizeof *v);
    if (!v) return 1;
    int threads = bench_threads();
    omp_set_num_threads(threads);
#pragma omp parallel
    { /* start the team before the clock */
    }
    double t0 = bench_now();
#pragma omp parallel
#pragma omp single
    for (int i = 0; i < b; i++)
        for (int j = 0; j < b; j++) {
#pragma omp task firstprivate(i, j) depend(in : v[wavefront_at(b, i - 1, j)], v[wavefront_at(b, i, j - 1)]) \
    depend(out : v[wavefront_at(b, i, j)])
            wavefront_block(v, b, i, j, us);
        }
    double t = bench_now() - t0;
#ifdef __clang__
    const char *impl = "omp_clang";
#else
    const char *impl = "omp_gcc";
#endif
    bench_report("wavefront", impl, threads, bench_args(argc, argv, args, sizeof args), t,
                 (unsigned long long)v[wavefront_at(b, b - 1, b - 1)], (unsigned long long)b * b);
    free(v);
    return 0;
}
