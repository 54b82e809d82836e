# Benchmarks: see benchmarks/README.md. Filled in by the benchmark suite.
BENCH_BIN :=
