// gan4j's native CPU convolution kernels: the implicit GEMM described in gan4j_cpu.h, with an AVX2 + FMA
// micro-kernel (16 rows x 6 columns of accumulators in 12 ymm registers), selected at run time by
// gan4j_cpu_supported(). Built with g++ by build.sh beside this file; no OpenMP: the Java side splits the items
// over its own thread pool.
#include "gan4j_cpu.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr int P = GAN4J_CPU_PANEL;
constexpr int T = GAN4J_CPU_TILE;

#if defined(__x86_64__)
/**
 * Stores (or with accumulate adds) the 8 rows x 6 columns c0..c5 (column j's 8 rows in cj) to rows o + l * stride,
 * 6 consecutive floats each, for rows l < nl: an 8 x 8 transpose (columns 6 and 7 zero), then per row one 4-float and
 * one 2-float store, instead of 48 scalar stores through a table of offsets.
 */
__attribute__((target("avx2,fma"))) inline void storeRows6(__m256 c0, __m256 c1, __m256 c2, __m256 c3, __m256 c4,
                                                           __m256 c5, float* o, long stride, int nl, int accumulate) {
    const __m256 z = _mm256_setzero_ps();
    const __m256 t0 = _mm256_unpacklo_ps(c0, c1), t1 = _mm256_unpackhi_ps(c0, c1);
    const __m256 t2 = _mm256_unpacklo_ps(c2, c3), t3 = _mm256_unpackhi_ps(c2, c3);
    const __m256 t4 = _mm256_unpacklo_ps(c4, c5), t5 = _mm256_unpackhi_ps(c4, c5);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, z, 0x44), u5 = _mm256_shuffle_ps(t4, z, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, z, 0x44), u7 = _mm256_shuffle_ps(t5, z, 0xEE);
    __m256 rows[8];
    rows[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    rows[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    rows[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    rows[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    rows[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    rows[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    rows[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    rows[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
    for (int l = 0; l < nl && l < 8; l++) {
        float* d = o + l * stride;
        __m128 lo = _mm256_castps256_ps128(rows[l]);
        __m128 hi = _mm256_extractf128_ps(rows[l], 1);
        if (accumulate) {
            lo = _mm_add_ps(_mm_loadu_ps(d), lo);
            hi = _mm_add_ps(_mm_loadl_pi(_mm_setzero_ps(), reinterpret_cast<const __m64*>(d + 4)), hi);
        }
        _mm_storeu_ps(d, lo);
        _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), hi);
    }
}

/**
 * res[j][l] = sum over r < R of a[r * 16 + l] * in[b[j] + roff[r]], for the 16 rows l and 6 columns j of one tile.
 * Per r: two vector loads of A, six broadcasts of the input, twelve FMAs; unrolled by two.
 */
__attribute__((target("avx2,fma"))) void tileAvx2(const float* a, const float* in, const int* roff, int R,
                                                   const int* b, float* res, float* direct, long stride, int nl,
                                                   int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    const float* i0 = in + b[0];
    const float* i1 = in + b[1];
    const float* i2 = in + b[2];
    const float* i3 = in + b[3];
    const float* i4 = in + b[4];
    const float* i5 = in + b[5];
    // Opaque to the optimiser, so each broadcast addresses [pointer + offset * 4] (one instruction) instead of
    // re-forming in + (b[j] + offset) * 4 every time.
    __asm__("" : "+r"(i0), "+r"(i1), "+r"(i2), "+r"(i3), "+r"(i4), "+r"(i5));
#define GAN4J_STEP(rr)                                        \
    {                                                         \
        const __m256 a0 = _mm256_loadu_ps(a + (rr) * P);      \
        const __m256 a1 = _mm256_loadu_ps(a + (rr) * P + 8);  \
        const long o = roff[rr];                              \
        __m256 x = _mm256_broadcast_ss(i0 + o);               \
        c00 = _mm256_fmadd_ps(a0, x, c00);                    \
        c01 = _mm256_fmadd_ps(a1, x, c01);                    \
        x = _mm256_broadcast_ss(i1 + o);                      \
        c10 = _mm256_fmadd_ps(a0, x, c10);                    \
        c11 = _mm256_fmadd_ps(a1, x, c11);                    \
        x = _mm256_broadcast_ss(i2 + o);                      \
        c20 = _mm256_fmadd_ps(a0, x, c20);                    \
        c21 = _mm256_fmadd_ps(a1, x, c21);                    \
        x = _mm256_broadcast_ss(i3 + o);                      \
        c30 = _mm256_fmadd_ps(a0, x, c30);                    \
        c31 = _mm256_fmadd_ps(a1, x, c31);                    \
        x = _mm256_broadcast_ss(i4 + o);                      \
        c40 = _mm256_fmadd_ps(a0, x, c40);                    \
        c41 = _mm256_fmadd_ps(a1, x, c41);                    \
        x = _mm256_broadcast_ss(i5 + o);                      \
        c50 = _mm256_fmadd_ps(a0, x, c50);                    \
        c51 = _mm256_fmadd_ps(a1, x, c51);                    \
    }
    int r = 0;
    for (; r + 2 <= R; r += 2) {
        GAN4J_STEP(r)
        GAN4J_STEP(r + 1)
    }
    for (; r < R; r++) {
        GAN4J_STEP(r)
    }
#undef GAN4J_STEP
    if (direct != nullptr) {  // the tile's 6 columns are consecutive in every output row
        storeRows6(c00, c10, c20, c30, c40, c50, direct, stride, nl, accumulate);
        storeRows6(c01, c11, c21, c31, c41, c51, direct + 8 * stride, stride, nl - 8, accumulate);
        return;
    }
    _mm256_storeu_ps(res + 0 * P, c00);
    _mm256_storeu_ps(res + 0 * P + 8, c01);
    _mm256_storeu_ps(res + 1 * P, c10);
    _mm256_storeu_ps(res + 1 * P + 8, c11);
    _mm256_storeu_ps(res + 2 * P, c20);
    _mm256_storeu_ps(res + 2 * P + 8, c21);
    _mm256_storeu_ps(res + 3 * P, c30);
    _mm256_storeu_ps(res + 3 * P + 8, c31);
    _mm256_storeu_ps(res + 4 * P, c40);
    _mm256_storeu_ps(res + 4 * P + 8, c41);
    _mm256_storeu_ps(res + 5 * P, c50);
    _mm256_storeu_ps(res + 5 * P + 8, c51);
}
#endif

}  // namespace

extern "C" int gan4j_cpu_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
    return 0;
#endif
}

extern "C" void gan4j_cpu_pad(const float* src, float* dst, int h, int w, int hp, int wp, int top, int left,
                              long from, long to) {
    const int right = wp - left - w;
    for (long plane = from; plane < to; plane++) {
        const float* s = src + plane * h * w;
        float* d = dst + plane * hp * wp;
        std::memset(d, 0, sizeof(float) * top * wp);
        for (int y = 0; y < h; y++) {
            float* row = d + (long)(top + y) * wp;
            std::memset(row, 0, sizeof(float) * left);
            std::memcpy(row + left, s + (long)y * w, sizeof(float) * w);
            std::memset(row + left + w, 0, sizeof(float) * right);
        }
        std::memset(d + (long)(top + h) * wp, 0, sizeof(float) * (hp - top - h) * wp);
    }
}

extern "C" void gan4j_cpu_pack(const float* src, long ldl, int rows, const int* srcOff, int R, float* dst, long from,
                               long to) {
    for (long panel = from; panel < to; panel++) {
        const int nl = std::min<long>(P, rows - panel * P);
        const float* sp = src + panel * P * ldl;
        float* d = dst + panel * R * P;
        for (int r = 0; r < R; r++) {
            const float* col = sp + srcOff[r];
            for (int l = 0; l < P; l++) {
                d[r * P + l] = l < nl ? col[l * ldl] : 0.0f;
            }
        }
    }
}

extern "C" void gan4j_cpu_igemm(const float* a, const float* in, const int* roff, int R, const int* base, int J,
                                float* out, long outRowStride, const int* outOff, int rows, int accumulate,
                                int blockTiles, long itemFrom, long itemTo) {
#if defined(__x86_64__)
    const long panels = (rows + P - 1) / P;
    const long tiles = (J + T - 1) / T;
    for (long item = itemFrom; item < itemTo; item++) {
        const long block = item / (panels * blockTiles);
        const long inBlock = std::min<long>(blockTiles, tiles - block * blockTiles);
        const long rem = item - block * panels * blockTiles;
        const int panel = (int)(rem / inBlock);
        const int j0 = (int)((block * blockTiles + rem % inBlock) * T);
        const int nj = std::min(T, J - j0);
        int b[T];
        for (int j = 0; j < T; j++) {
            b[j] = base[j0 + std::min(j, nj - 1)];  // a short tile repeats its last column and does not store it
        }
        float* o = out + (long)panel * P * outRowStride;
        const int nl = std::min(P, rows - panel * P);
        bool consecutive = nj == T;
        for (int j = 1; j < T && consecutive; j++) {
            consecutive = outOff[j0 + j] == outOff[j0] + j;
        }
        alignas(32) float res[T * P];
        tileAvx2(a + (long)panel * R * P, in, roff, R, b, res, consecutive ? o + outOff[j0] : nullptr, outRowStride,
                 nl, accumulate);
        if (consecutive) {
            continue;
        }
        for (int l = 0; l < nl; l++) {
            float* row = o + l * outRowStride;
            if (accumulate) {
                for (int j = 0; j < nj; j++) {
                    row[outOff[j0 + j]] += res[j * P + l];
                }
            } else {
                for (int j = 0; j < nj; j++) {
                    row[outOff[j0 + j]] = res[j * P + l];
                }
            }
        }
    }
#else
    (void)a, (void)in, (void)roff, (void)R, (void)base, (void)J, (void)out, (void)outRowStride, (void)outOff;
    (void)rows, (void)accumulate, (void)blockTiles, (void)itemFrom, (void)itemTo;
#endif
}
