// The machine's FMA peak, for "of peak" figures (docs/CPU-BACKEND.md): each thread runs 16 independent chains of
// 512-bit fused multiply-adds held in registers (enough to cover 4-cycle latency on two FMA units), and the program
// prints GFLOP/s (2 flops per lane per FMA) against the wall clock and per second of CPU time (which leaves out the
// time other processes on a shared machine take from it).
//
//   gcc -O2 -march=native -pthread bench/peak/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak 1 && /tmp/fma_peak 2
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 16
static long iterations = 300000000;

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *run(void *out) {
    __m512 a[CHAINS], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_ps((float) i);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 16
        for (int i = 0; i < CHAINS; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    }
    __m512 s = a[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, a[i]);
    *(float *) out = _mm512_reduce_add_ps(s); // keeps the chains live
    return 0;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (argc > 2) iterations = atol(argv[2]);
    if (threads < 1 || threads > 64) return 2;
    pthread_t t[64];
    float sink[64];
    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, run, &sink[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    double flops = (double) threads * iterations * CHAINS * 16 * 2;
    printf("%d thread(s): %.1f GFLOP/s wall, %.1f GFLOP/s per core per CPU second (%.2f s; %g)\n",
           threads, flops / wall / 1e9, flops / cpu / 1e9, wall, sink[0]);
    return 0;
}
