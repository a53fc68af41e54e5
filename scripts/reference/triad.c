/* A STREAM-style triad written the obvious way: a[i] = b[i] + s*c[i] over arrays of doubles
 * far larger than the caches, OpenMP over all threads, best of 10, bytes counted as STREAM
 * does (24 per element). flopmeter's DRAM triad is checked against it.
 * Build: cc -O3 -march=native -fopenmp triad.c -o triad ; usage: triad ELEMENTS */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
    if (!a || !b || !c) return 1;
#pragma omp parallel for
    for (long i = 0; i < n; i++) {
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.5;
    }
    double best = 0, s = 3.0;
    for (int k = 0; k < 10; k++) {
        double t0 = now();
#pragma omp parallel for
        for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        double t = now() - t0;
        double r = 24.0 * n / t;
        if (r > best) best = r;
    }
    printf("triad_ref_gbs %.2f\nelements %ld\nthreads %d\ncheck %g\n", best / 1e9, n, omp_get_max_threads(), a[n / 2]);
    return 0;
}
