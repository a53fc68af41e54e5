/* The plain hand-written FMA peak loop flopmeter's fp32 probe is checked against
 * (scripts/measure-figures.sh): N independent AVX-512 (or AVX2) FMA chains, best of several
 * chain counts and trials, on 1 thread and on all threads (OpenMP). Prints GFLOP/s. The chain
 * loop is unrolled so the accumulators live in registers (at -O2 GCC otherwise keeps a[] in
 * memory and the loop runs at half the FMA rate).
 * Build: cc -O2 -march=native -fopenmp fma_loop.c -o fma_loop */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
static float first(vec v) { return _mm512_cvtss_f32(v); }
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float first(vec v) { return _mm256_cvtss_f32(v); }
#endif

#define CHAINS_LOOP(N)                                                \
    static double run##N(long iters) {                                \
        vec a[N];                                                     \
        for (int i = 0; i < N; i++) a[i] = SET1(0.5f + i);            \
        vec m = SET1(0.999999f), c = SET1(1e-7f);                     \
        for (long it = 0; it < iters; it++) {                         \
            _Pragma("GCC unroll 16")                                  \
            for (int i = 0; i < N; i++) a[i] = FMA(a[i], m, c);       \
        }                                                             \
        float s = 0;                                                  \
        for (int i = 0; i < N; i++) s += first(a[i]);                 \
        volatile float sink = s;                                      \
        (void)sink;                                                   \
        return (double)iters * N * LANES * 2;                         \
    }
CHAINS_LOOP(8)
CHAINS_LOOP(10)
CHAINS_LOOP(12)

static double best(int threads, double (*fn)(long)) {
    const long iters = 20000000;
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {
        double flops = 0, t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : flops)
        flops += fn(iters);
        double r = flops / (now() - t0);
        if (r > best) best = r;
    }
    return best;
}

int main(void) {
    int all = omp_get_max_threads();
    double (*fns[])(long) = {run8, run10, run12};
    double one = 0, many = 0;
    for (int f = 0; f < 3; f++) {
        double a = best(1, fns[f]), b = best(all, fns[f]);
        if (a > one) one = a;
        if (b > many) many = b;
    }
    printf("fma_ref_1thread_gflops %.2f\nfma_ref_allthreads_gflops %.2f\nthreads %d\n", one / 1e9, many / 1e9, all);
    return 0;
}
