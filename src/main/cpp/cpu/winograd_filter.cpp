// The filter gradient of 4x4 / stride 2 / pad 1 convolutions by Winograd's F(2x2, 4x4), as gan4j_cpu_winograd_filter.h
// describes: the input and dy transforms vectorised over 8 channels (AVX2, after interleaving 8 planes), the 25
// point GEMMs by gan4j_cpu_igemm (conv.cpp), and the inverse transform into dw. Built with conv.cpp by build.sh; only
// called where gan4j_cpu_supported() returned 1.
#include "gan4j_cpu.h"
#include "gan4j_cpu_winograd_filter.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr int M = GAN4J_CPU_WF_TILE;
constexpr int A = GAN4J_CPU_WF_ALPHA;
constexpr int JB = GAN4J_CPU_WF_BLOCK;
constexpr int P = GAN4J_CPU_PANEL;
constexpr int T = GAN4J_CPU_TILE;

#if defined(__x86_64__)

/**
 * B^T d for one line of 5 (rows of B^T: [1 -2 -1 2 0], [0 -1 1 2 0], [0 -1 3 -2 0], [0 1 0 -1 0], [0 1 -2 -1 2]: the
 * transposed inverse Vandermonde matrix of the points 0, 1, -1, 1/2, infinity, rows scaled by 1, 2, 6, 3/8, 2).
 */
GAN4J_AVX2 inline void inputLine(const __m256* d, __m256* t) {
    const __m256 two = _mm256_set1_ps(2.0f);
    const __m256 three = _mm256_set1_ps(3.0f);
    t[0] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[0], d[2]));
    t[1] = _mm256_fmadd_ps(two, d[3], _mm256_sub_ps(d[2], d[1]));
    t[2] = _mm256_fmsub_ps(three, d[2], _mm256_fmadd_ps(two, d[3], d[1]));
    t[3] = _mm256_sub_ps(d[1], d[3]);
    t[4] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[4], d[2]), t[3]);
}

/** G g for one line of 4 (rows of G: the powers 1, p, p^2, p^3 of the points 0, 1, -1, 1/2; infinity's [0 0 0 1]). */
GAN4J_AVX2 inline void dyLine(const __m256* g, __m256* t) {
    const __m256 even = _mm256_add_ps(g[0], g[2]);
    const __m256 odd = _mm256_add_ps(g[1], g[3]);
    t[0] = g[0];
    t[1] = _mm256_add_ps(even, odd);
    t[2] = _mm256_sub_ps(even, odd);
    t[3] = _mm256_fmadd_ps(_mm256_set1_ps(0.125f), g[3],
                           _mm256_fmadd_ps(_mm256_set1_ps(0.25f), g[2],
                                           _mm256_fmadd_ps(_mm256_set1_ps(0.5f), g[1], g[0])));
    t[4] = g[3];
}

/**
 * A^T u for one line of 5 (rows of A^T: [1 1/2 1/6 8/3 0] and [0 1/2 -1/6 4/3 1/2]: the points' [1 p] ([0 1] for
 * infinity), columns scaled by the inverse of B^T's row scales).
 */
GAN4J_AVX2 inline void outputLine(const __m256* u, __m256* o) {
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 sixth = _mm256_set1_ps(1.0f / 6.0f);
    const __m256 h1 = _mm256_mul_ps(half, u[1]);
    const __m256 s2 = _mm256_mul_ps(sixth, u[2]);
    o[0] = _mm256_fmadd_ps(_mm256_set1_ps(8.0f / 3.0f), u[3], _mm256_add_ps(_mm256_add_ps(u[0], h1), s2));
    o[1] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f / 3.0f), u[3], _mm256_fmadd_ps(half, u[4], _mm256_sub_ps(h1, s2)));
}

/**
 * Copies the planes of nl <= 8 channels (h x w each, `stride` floats apart) into buf[y][x][lane], lanes past nl zero:
 * the transforms then load one vector per position instead of gathering across planes. Full groups go by 8 x 8
 * transposes of 8 pixels from each plane.
 */
GAN4J_AVX2 void interleave(const float* src, long stride, int nl, int h, int w, float* buf) {
    const long hw = (long)h * w;
    long i = 0;
    if (nl == 8) {
        for (; i + 8 <= hw; i += 8) {
            __m256 r[8];
            for (int lane = 0; lane < 8; lane++) {
                r[lane] = _mm256_loadu_ps(src + lane * stride + i);
            }
            const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
            const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
            const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
            const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
            const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float* d = buf + i * 8;
            _mm256_storeu_ps(d + 0 * 8, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + 1 * 8, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * 8, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * 8, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * 8, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * 8, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * 8, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * 8, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
    }
    for (; i < hw; i++) {
        for (int lane = 0; lane < 8; lane++) {
            buf[i * 8 + lane] = lane < nl ? src[lane * stride + i] : 0.0f;
        }
    }
}

/**
 * The input transform of one (sample, group of nl <= 8 input channels ci0..) from buf[y][x][lane] (interleave): every
 * phase and tile, into xh[pt][j / 8][r][j % 8], j = p * cin + ci.
 */
GAN4J_AVX2 void transformInput(const float* buf, int nl, int cin, int ci0, int h, int w, int ho, int wo, long r0,
                               long rmax, float* xh) {
    const long groups = (4L * cin + 7) / 8;
    const long ptStride = groups * rmax * 8;
    const int tw = wo / M;
    const int tiles = (ho / M) * tw;
    for (int p = 0; p < 4; p++) {
        const int ph = p / 2;
        const int pw = p % 2;
        const int j0 = p * cin + ci0;
        const bool aligned = nl == 8 && j0 % 8 == 0;
        for (int t = 0; t < tiles; t++) {
            const int ty = t / tw;
            const int tx = t % tw;
            __m256 d[A][A];
            for (int u = 0; u < A; u++) {
                const int y = 2 * (M * ty + u) + ph - 1;
                for (int v = 0; v < A; v++) {
                    const int xx = 2 * (M * tx + v) + pw - 1;
                    d[u][v] = y >= 0 && y < h && xx >= 0 && xx < w ? _mm256_loadu_ps(buf + ((long)y * w + xx) * 8)
                                                                   : _mm256_setzero_ps();
                }
            }
            __m256 e[A][A];
            for (int v = 0; v < A; v++) {  // along u, column v
                __m256 col[A], out[A];
                for (int u = 0; u < A; u++) {
                    col[u] = d[u][v];
                }
                inputLine(col, out);
                for (int i = 0; i < A; i++) {
                    e[i][v] = out[i];
                }
            }
            const long r = r0 + t;
            for (int i = 0; i < A; i++) {  // along v
                __m256 out[A];
                inputLine(e[i], out);
                for (int k = 0; k < A; k++) {
                    float* base = xh + (i * A + k) * ptStride + r * 8;
                    if (aligned) {
                        _mm256_storeu_ps(base + (long)(j0 / 8) * rmax * 8, out[k]);
                    } else {
                        alignas(32) float lanes[8];
                        _mm256_store_ps(lanes, out[k]);
                        for (int lane = 0; lane < nl; lane++) {
                            const int j = j0 + lane;
                            base[(long)(j / 8) * rmax * 8 + j % 8] = lanes[lane];
                        }
                    }
                }
            }
        }
    }
}

/**
 * The dy transform of one (sample, group of 8 output channels co0.., zero past nl) from buf[y][x][lane]
 * (interleave): every tile, into its panel's lanes.
 */
GAN4J_AVX2 void transformDy(const float* buf, int co0, int ho, int wo, long r0, long rmax, int panels, float* dyh) {
    const int tw = wo / M;
    const int tiles = (ho / M) * tw;
    for (int t = 0; t < tiles; t++) {
        const int ty = t / tw;
        const int tx = t % tw;
        __m256 e[A][M];
        for (int v = 0; v < M; v++) {
            __m256 col[M], out[A];
            for (int u = 0; u < M; u++) {
                col[u] = _mm256_loadu_ps(buf + ((long)(M * ty + u) * wo + M * tx + v) * 8);
            }
            dyLine(col, out);
            for (int i = 0; i < A; i++) {
                e[i][v] = out[i];
            }
        }
        float* dst = dyh + ((long)(co0 / P) * rmax + r0 + t) * P + co0 % P;
        for (int i = 0; i < A; i++) {
            __m256 out[A];
            dyLine(e[i], out);
            for (int k = 0; k < A; k++) {
                _mm256_storeu_ps(dst + (long)(i * A + k) * panels * rmax * P, out[k]);
            }
        }
    }
}

/**
 * One column b of the inverse transform, taps[y][x] += A^T[x][b] (A^T U)[y][b] for the item's rows l < nl and
 * columns below jb rounded up to 8, from the 5 points (a, b) in u[a][l][jj]: the first pass of A^T U A for that
 * column, then its share of the second, so only 5 points' sums are held at a time (all in L1 beside the taps).
 */
GAN4J_AVX2 void inverseColumn(const float* u, int b, int nl, int jb, float* taps) {
    static const float at[2][A] = {{1.0f, 0.5f, 1.0f / 6.0f, 8.0f / 3.0f, 0.0f},
                                   {0.0f, 0.5f, -1.0f / 6.0f, 4.0f / 3.0f, 0.5f}};
    const __m256 c0 = _mm256_set1_ps(at[0][b]);
    const __m256 c1 = _mm256_set1_ps(at[1][b]);
    for (int l = 0; l < nl; l++) {
        for (int jj = 0; jj < jb; jj += 8) {
            const long e = (long)l * JB + jj;
            __m256 col[A], v[2];
            for (int a = 0; a < A; a++) {
                col[a] = _mm256_load_ps(u + (long)a * P * JB + e);
            }
            outputLine(col, v);
            for (int y = 0; y < 2; y++) {
                float* t0 = taps + (long)(2 * y) * P * JB + e;
                float* t1 = taps + (long)(2 * y + 1) * P * JB + e;
                if (b < A - 1) {
                    _mm256_store_ps(t0, _mm256_fmadd_ps(c0, v[y], _mm256_load_ps(t0)));
                }
                if (b > 0) {
                    _mm256_store_ps(t1, _mm256_fmadd_ps(c1, v[y], _mm256_load_ps(t1)));
                }
            }
        }
    }
}

/**
 * dw += taps[y][x][l][k] for the item's rows l < nl and its nci input channels ci0 + c, column k = p * nci + c for
 * phase p: all 16 taps of each (co, ci) at once.
 */
void addTaps(const float* taps, int nl, int co0, int ci0, int nci, int cin, float* dw) {
    for (int l = 0; l < nl; l++) {
        for (int c = 0; c < nci; c++) {
            float* d = dw + ((long)(co0 + l) * cin + ci0 + c) * 16;
            for (int p = 0; p < 4; p++) {
                const long e = (long)l * JB + p * nci + c;
                float* dp = d + (p / 2) * 4 + p % 2;
                dp[0] += taps[e];
                dp[2] += taps[P * JB + e];
                dp[8] += taps[2 * P * JB + e];
                dp[10] += taps[3 * P * JB + e];
            }
        }
    }
}
#endif

}  // namespace

extern "C" void gan4j_cpu_wf_transform(const float* x, const float* dy, int cnt, int cin, int h, int w, int cout,
                                       int ho, int wo, long rmax, float* xh, float* dyh, long itemFrom, long itemTo) {
#if defined(__x86_64__)
    const int tiles = (ho / M) * (wo / M);
    const long inGroups = (cin + 7) / 8;
    const int panels = (cout + P - 1) / P;
    alignas(32) float buf[GAN4J_CPU_WF_MAX_PLANE * 8];
    const long perSample = inGroups + 2 * panels;
    (void)cnt;  // items < cnt * perSample
    for (long item = itemFrom; item < itemTo; item++) {
        const long s = item / perSample;
        const long k = item % perSample;
        if (k < inGroups) {
            const int ci0 = (int)k * 8;
            const int nl = std::min(8, cin - ci0);
            interleave(x + (s * cin + ci0) * (long)h * w, (long)h * w, nl, h, w, buf);
            transformInput(buf, nl, cin, ci0, h, w, ho, wo, s * tiles, rmax, xh);
        } else {
            const int co0 = (int)(k - inGroups) * 8;
            const int nl = std::max(0, std::min(8, cout - co0));
            interleave(dy + (s * cout + std::min(co0, cout - 1)) * (long)ho * wo, (long)ho * wo, nl, ho, wo, buf);
            transformDy(buf, co0, ho, wo, s * tiles, rmax, panels, dyh);
        }
    }
#else
    (void)x, (void)dy, (void)cnt, (void)cin, (void)h, (void)w, (void)cout, (void)ho, (void)wo, (void)rmax, (void)xh;
    (void)dyh, (void)itemFrom, (void)itemTo;
#endif
}

extern "C" void gan4j_cpu_wf_gemm(const float* xh, const float* dyh, int cin, int cout, long rmax, int R,
                                  const int* roff, const int* base, const int* ident, float* dw, long itemFrom,
                                  long itemTo) {
#if defined(__x86_64__)
    const long J = 4L * cin;
    const long ptStride = (J + 7) / 8 * rmax * 8;
    const int panels = (cout + P - 1) / P;
    const int blocks = (cin + JB / 4 - 1) / (JB / 4);
    for (long item = itemFrom; item < itemTo; item++) {
        const int panel = (int)(item / blocks);
        const int ci0 = (int)(item % blocks) * (JB / 4);
        const int nci = std::min(JB / 4, cin - ci0);
        const int jb = 4 * nci;
        const int nl = std::min(P, cout - panel * P);
        for (int l = 0; l < nl; l++) {  // its dw rows, read at the end: fetched into L2 while the GEMMs run
            const char* d = reinterpret_cast<const char*>(dw + ((long)(panel * P + l) * cin + ci0) * 16);
            for (int c = 0; c < nci; c++) {
                _mm_prefetch(d + 64 * c, _MM_HINT_T1);
            }
        }
        int cols[JB];  // the item's columns: k = p * nci + c is j = p * cin + ci0 + c
        for (int k = 0; k < jb; k++) {
            cols[k] = base[(k / nci) * cin + ci0 + k % nci];
        }
        const int tiles = (jb + T - 1) / T;
        alignas(32) float u[A * P * JB];      // the points (a, b) of one column b
        alignas(32) float taps[4 * P * JB];  // (y, x): dw_p[y][x] of the item's rows and columns
        const int jb8 = (jb + 7) / 8 * 8;
        for (int k = 0; k < 4; k++) {
            for (int l = 0; l < nl; l++) {
                std::memset(taps + ((long)k * P + l) * JB, 0, sizeof(float) * jb8);
            }
        }
        if (jb < jb8) {  // the inverse reads whole groups of 8 columns: no stale values in the unused ones
            for (int a = 0; a < A; a++) {
                for (int l = 0; l < nl; l++) {
                    std::memset(u + ((long)a * P + l) * JB + jb, 0, sizeof(float) * (jb8 - jb));
                }
            }
        }
        for (int b = 0; b < A; b++) {
            for (int a = 0; a < A; a++) {
                const int pt = a * A + b;
                gan4j_cpu_igemm(dyh + ((long)pt * panels + panel) * rmax * P, xh + pt * ptStride, roff, R, cols, jb,
                                u + (long)a * P * JB, JB, ident, nl, 0, tiles, 0, tiles);
            }
            inverseColumn(u, b, nl, jb, taps);
        }
        addTaps(taps, nl, panel * P, ci0, nci, cin, dw);
    }
#else
    (void)xh, (void)dyh, (void)cin, (void)cout, (void)rmax, (void)R, (void)roff, (void)base, (void)ident, (void)dw;
    (void)itemFrom, (void)itemTo;
#endif
}
