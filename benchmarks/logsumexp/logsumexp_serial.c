/* logsumexp_serial: the serial twin: the max, then the sum of exponentials,
 * plain loops. Usage: logsumexp_serial N REPS */
#include "logsumexp.h"

int main(int argc, char **argv)
{
    char args[64];
    lse_params p = lse_args(argc, argv, "logsumexp_serial");
    double *x = lse_input(p, "logsumexp_serial");
    double lse = 0;
    uint64_t res = 0;
    double t = 0;
    for (int64_t r = 0; r < p.reps; r++) {
        double t0 = bench_now();
        double m = -INFINITY;
        for (int64_t i = 0; i < p.n; i++)
            m = x[i] > m ? x[i] : m;
        double s = 0;
        for (int64_t i = 0; i < p.n; i++)
            s += exp(x[i] - m);
        lse = m + log(s);
        t += bench_now() - t0;
        res += lse_check(p, lse, "logsumexp_serial");
    }
    bench_report("logsumexp", BENCH_SERIAL_IMPL, 1, bench_args(argc, argv, args, sizeof args), t, res,
                 (unsigned long long)(2 * p.n * p.reps));
    free(x);
    return 0;
}
