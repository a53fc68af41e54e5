/* A STREAM-style triad written the obvious way: a[i] = b[i] + s*c[i] over arrays of doubles
 * far larger than the caches, OpenMP over all threads, best of 10, bytes counted as STREAM
 * does (24 per element). flopmeter's DRAM triad is checked against it.
 * With "huge" the arrays are 2 MiB aligned and advised for transparent huge pages, as
 * flopmeter's buffers are (core/aligned_buffer.hpp): with 4 KiB pages the TLB misses cost
 * about 13% of DRAM triad bandwidth on the machine this was written on.
 * Build: cc -O3 -march=native -fopenmp triad.c -o triad ; usage: triad ELEMENTS [huge] */
#define _GNU_SOURCE
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    const int huge = argc > 2 && strcmp(argv[2], "huge") == 0;
    double* arr[3];
    for (int i = 0; i < 3; i++) {
        if (huge) {
            const size_t align = 2u << 20, bytes = (n * sizeof(double) + align - 1) / align * align;
            if (posix_memalign((void**)&arr[i], align, bytes) != 0) return 1;
            madvise(arr[i], bytes, MADV_HUGEPAGE);
        } else {
            arr[i] = malloc(n * sizeof(double));
            if (!arr[i]) return 1;
        }
    }
    double *a = arr[0], *b = arr[1], *c = arr[2];
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
    printf("triad_ref%s_gbs %.2f\nelements %ld\nthreads %d\ncheck %g\n", huge ? "_huge" : "", best / 1e9, n, omp_get_max_threads(), a[n / 2]);
    return 0;
}
