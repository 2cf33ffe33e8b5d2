/*
 * The FMA units' own F32 peak of one x86-64 core with AVX2 + FMA: ten independent chains of 8-wide fused
 * multiply-adds (enough to hide the FMA latency on two pipes), 16 FLOPs each, timed by the thread's CPU clock
 * (so other processes on a shared machine do not count). BENCHMARKS.md sets the convolution rates beside this
 * and beside PeakBenchmark (OpenBLAS sgemm, the practical peak).
 *
 *   gcc -O2 -mavx2 -mfma benchmarks/src/main/c/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define STEP(x) x = _mm256_fmadd_ps(x, b, c)

int main(void) {
    __m256 b = _mm256_set1_ps(0.5f), c = _mm256_set1_ps(0.25f);
    __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3),
           a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7),
           a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9);
    const long n = 200000000;
    for (int rep = 0; rep < 5; rep++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (long i = 0; i < n; i++) {
            STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5); STEP(a6); STEP(a7); STEP(a8); STEP(a9);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
        __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)), _mm256_add_ps(a8, a9)));
        float keep[8];
        _mm256_storeu_ps(keep, sum); /* the chains' results are used, so no chain is optimised away */
        printf("%.1f GFLOP/s on one core (thread CPU time; checksum %g)\n", n * 10 * 16 / s / 1e9, keep[0]);
    }
    return 0;
}
