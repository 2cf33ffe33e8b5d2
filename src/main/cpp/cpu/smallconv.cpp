// gan4j's native CPU kernels for convolutions with few image-side channels (the gan4j_cpu_small_* functions of
// gan4j_cpu.h): D's first convolution and G's last transposed convolution, where the channel count on one side is
// 1-3. The implicit GEMM of conv.cpp vectorises over 16 channels of the pass's output, which these layers do not
// have on their image side and which leaves only 16-48 products per output on the other; these kernels vectorise
// over pixels instead (8 per AVX2 vector), so the NCHW outputs are stored as whole vectors:
//   - forward: the input's pixels for a block of output rows are lowered into a small buffer (one row of K = Cin*kH*kW
//     per tap, pixels contiguous), then 4 output channels x 3 vectors of pixels per tile, K products deep;
//   - filter gradient of a 4x4 stride-2 convolution: per block of output rows the taps of each pixel gathered
//     pixel-major from the unpadded input, then channels x vectors of taps per tile (the taps as the lanes), the
//     pixels as the reduction with the accumulators in registers, summed per fixed segment of the batch, the segments
//     then in order;
//   - filter gradient of any other geometry: the forward pass's lowered rows against dy's rows, 4 channels x 3 taps of
//     accumulators per tile, the pixels as the vectorised reduction, segments as above;
//   - data gradient of a 4x4 stride-2 padding-1 convolution (every DCGAN layer): per block of dy rows, the products
//     of each of the 16 * Cin taps with dy (a GEMM over dy's channels, its pixels contiguous and unpadded), then each
//     dx pixel as the sum of its 4 taps' products, even and odd columns interleaved in registers before whole-vector
//     stores;
//   - data gradient of any other geometry: per stride phase of dx, a stride-1 correlation of the zero-padded dy over
//     the 64-ish dy channels and the phase's taps, Cin x V vectors of accumulators over the phase's pixels laid out
//     flat with dy's padded row pitch (the columns past the row's end are computed and dropped).
// Every output element is summed by one item in a fixed order (the filter gradient's segments are fixed by the
// geometry), so the results do not depend on how the Java side splits the items over its threads.
#include "gan4j_cpu.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

#if defined(__x86_64__)

/** Lanes [0, n) set, for masked loads and stores of a partial vector (0 < n < 8). */
GAN4J_AVX2 inline __m256i laneMask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/** Stores the first n (> 0) lanes of v to d. */
GAN4J_AVX2 inline void storePart(float* d, __m256 v, int n) {
    if (n >= 8) {
        _mm256_storeu_ps(d, v);
    } else {
        _mm256_maskstore_ps(d, laneMask(n), v);
    }
}

/** d[0, n) = s[0, n), by vectors (the last one overlapping the one before) where n >= 8. */
GAN4J_AVX2 inline void copyRow(float* d, const float* s, int n) {
    if (n < 8) {
        for (int i = 0; i < n; i++) {
            d[i] = s[i];
        }
        return;
    }
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(d + i, _mm256_loadu_ps(s + i));
    }
    if (i < n) {
        _mm256_storeu_ps(d + n - 8, _mm256_loadu_ps(s + n - 8));
    }
}

/**
 * Lowers output rows [row0, row0 + rows) of one sample: b[k * ld + r * wo + ow] = xs[koff[k] + (row0 + r) * rowStep
 * + ow], lanes [rows * wo, ld) zero.
 */
GAN4J_AVX2 void lower(const float* xs, const int* koff, int K, long rowStep, int row0, int rows, int wo, float* b,
                      int ld) {
    const int npx = rows * wo;
    for (int k = 0; k < K; k++) {
        float* d = b + (long)k * ld;
        const float* s = xs + koff[k] + row0 * rowStep;
        for (int r = 0; r < rows; r++) {
            copyRow(d + r * wo, s + r * rowStep, wo);
        }
        std::memset(d + npx, 0, sizeof(float) * (ld - npx));
    }
}

/**
 * The micro-kernel of the tiles below: c[r][v] = sum_{k < K} a[r][k * ks] * b[k * ld + 8v + lane] (b's rows 32-byte
 * aligned), R x V accumulators in registers; per k: V vector loads, R broadcasts, R * V FMAs.
 */
template <int R, int V>
__attribute__((target("avx2,fma"), always_inline)) inline void outerProducts(__m256 (&c)[R][V], const float* const* a,
                                                                               long ks, long K, const float* b,
                                                                               long ld) {
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        #pragma GCC unroll 8
        for (int v = 0; v < V; v++) {
            c[r][v] = _mm256_setzero_ps();
        }
    }
    for (long k = 0; k < K; k++, b += ld) {
        __m256 x[V];
        #pragma GCC unroll 8
        for (int v = 0; v < V; v++) {
            x[v] = _mm256_load_ps(b + 8 * v);
        }
        #pragma GCC unroll 8
        for (int r = 0; r < R; r++) {
            const __m256 w = _mm256_broadcast_ss(a[r] + k * ks);
            #pragma GCC unroll 8
            for (int v = 0; v < V; v++) {
                c[r][v] = _mm256_fmadd_ps(w, x[v], c[r][v]);
            }
        }
    }
}

/**
 * Tile of 4 rows x V vectors of pixels, the forward pass's and the data gradient's tap products: out[r * os + i] =
 * sum_{k < K} a[r * rs + k * ks] * b[k * ld + i] for the rows r < nl (rows past nl computed from row nl - 1, not
 * stored) and the first `valid` pixels i (V = 3: 12 accumulators, 3 pixel vectors, one broadcast).
 */
template <int V>
GAN4J_AVX2 void tile4(const float* a, long rs, long ks, int K, const float* b, long ld, float* out, long os, int nl,
                      int valid) {
    const float* ar[4];
    #pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        ar[r] = a + std::min(r, nl - 1) * rs;
    }
    __m256 c[4][V];
    outerProducts<4, V>(c, ar, ks, K, b, ld);
    if (nl == 4 && valid == 8 * V) {
        #pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; v++) {
                _mm256_storeu_ps(out + r * os + 8 * v, c[r][v]);
            }
        }
        return;
    }
    // a partial tile through a buffer: stored from registers under conditions, g++ kept them in memory in the loop
    alignas(32) float part[4][8 * V];
    #pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            _mm256_store_ps(part[r] + 8 * v, c[r][v]);
        }
    }
    for (int r = 0; r < nl; r++) {
        for (int v = 0; v < V && 8 * v < valid; v++) {
            storePart(out + r * os + 8 * v, _mm256_load_ps(part[r] + 8 * v), valid - 8 * v);
        }
    }
}

/** tile4 over `valid` (<= 24) pixels with the fewest vectors that cover them. */
GAN4J_AVX2 inline void tile4Of(const float* a, long rs, long ks, int K, const float* b, long ld, float* out, long os,
                               int nl, int valid) {
    if (valid > 16) {
        tile4<3>(a, rs, ks, K, b, ld, out, os, nl, valid);
    } else if (valid > 8) {
        tile4<2>(a, rs, ks, K, b, ld, out, os, nl, valid);
    } else {
        tile4<1>(a, rs, ks, K, b, ld, out, os, nl, valid);
    }
}

/** c[r][t] += y_r * b[t * ld] for the filter-gradient tile's 4 channel rows and NK taps: one pixel vector. */
template <int NK>
__attribute__((target("avx2,fma"), always_inline)) inline void filterStep(__m256 (&c)[4][NK], const __m256 (&y)[4],
                                                                            const float* b, int ld) {
    #pragma GCC unroll 16
    for (int t = 0; t < NK; t++) {
        const __m256 x = _mm256_load_ps(b + (long)t * ld);
        #pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            c[r][t] = _mm256_fmadd_ps(y[r], x, c[r][t]);
        }
    }
}

/**
 * Filter-gradient tile: acc[r][t] (8 lanes each, in memory) += d_r[i] * b[t * ld + i] over the pixels i < 8 * nvec
 * (the last vector's lanes from `tail` on masked off in d, zero in b), for the 4 channel rows r and NK taps t.
 */
template <int NK>
GAN4J_AVX2 void filterTile(const float* const* d, const float* b, int ld, int nvec, int tail, float* const* acc) {
    __m256 c[4][NK];
    #pragma GCC unroll 16
    for (int r = 0; r < 4; r++) {
        #pragma GCC unroll 16
        for (int t = 0; t < NK; t++) {
            c[r][t] = _mm256_loadu_ps(acc[r] + 8 * t);
        }
    }
    const int full = tail == 0 ? nvec : nvec - 1;
    for (int i = 0; i < 8 * full; i += 8) {
        const __m256 y[4] = {_mm256_loadu_ps(d[0] + i), _mm256_loadu_ps(d[1] + i), _mm256_loadu_ps(d[2] + i),
                             _mm256_loadu_ps(d[3] + i)};
        filterStep<NK>(c, y, b + i, ld);
    }
    if (full < nvec) {
        const int i = 8 * full;
        const __m256i m = laneMask(tail);
        const __m256 y[4] = {_mm256_maskload_ps(d[0] + i, m), _mm256_maskload_ps(d[1] + i, m),
                             _mm256_maskload_ps(d[2] + i, m), _mm256_maskload_ps(d[3] + i, m)};
        filterStep<NK>(c, y, b + i, ld);
    }
    #pragma GCC unroll 16
    for (int r = 0; r < 4; r++) {
        #pragma GCC unroll 16
        for (int t = 0; t < NK; t++) {
            _mm256_storeu_ps(acc[r] + 8 * t, c[r][t]);
        }
    }
}

/** Floats per row of a lowered block: its pixels rounded up to 16 (rows 64-byte aligned, whole vectors read). */
inline int lowered(int rows, int wo) {
    return (rows * wo + 15) / 16 * 16;
}

/**
 * Data-gradient tile over G stride phases that share their dy loads: for the CIN channels, phases g and V vectors v,
 * acc[g][ci][v] = sum over co < cout, th < nth, tw < ntw of pw[((co * nth + th) * ntw + tw) * G * CIN + g * CIN + ci]
 * * src[co * plane - th * wd - tw + 8v + lane], stored to tmp[(g * CIN + ci) * 8V ...].
 */
template <int CIN, int G, int V, int T>
GAN4J_AVX2 void dataTile(const float* src, long plane, int wd, int cout, int nth, int ntw, const float* pw,
                         float* tmp) {
    if (T > 0) {  // T x T taps per phase as constants (stride 2, kernel 4: every DCGAN layer), the loops unrolled
        nth = T;
        ntw = T;
    }
    constexpr int N = G * CIN * V;
    __m256 c[N];  // c[(g * CIN + ci) * V + v]
    #pragma GCC unroll 16
    for (int i = 0; i < N; i++) {
        c[i] = _mm256_setzero_ps();
    }
    for (int co = 0; co < cout; co++) {
        const float* sc = src + co * plane;
        for (int th = 0; th < nth; th++) {
            const float* st = sc - (long)th * wd;
            for (int tw = 0; tw < ntw; tw++, pw += G * CIN) {
                const float* s = st - tw;
                __m256 x[V];
                #pragma GCC unroll 16
                for (int v = 0; v < V; v++) {
                    x[v] = _mm256_loadu_ps(s + 8 * v);
                    if (G * CIN > 1) {
                        __asm__("" : "+x"(x[v]));  // loaded once, used by every phase and channel
                    }
                }
                #pragma GCC unroll 16
                for (int gc = 0; gc < G * CIN; gc++) {  // gc = g * CIN + ci
                    const __m256 k = _mm256_broadcast_ss(pw + gc);
                    #pragma GCC unroll 16
                    for (int v = 0; v < V; v++) {
                        c[gc * V + v] = _mm256_fmadd_ps(k, x[v], c[gc * V + v]);
                    }
                }
            }
        }
    }
    #pragma GCC unroll 16
    for (int i = 0; i < N; i++) {
        _mm256_store_ps(tmp + 8 * i, c[i]);
    }
}

using DataTileFn = void (*)(const float*, long, int, int, int, int, const float*, float*);

/** A data-gradient tile with the taps per phase at run time and with 2 x 2 of them as constants. */
struct Table {
    DataTileFn any = nullptr;
    DataTileFn two = nullptr;
    DataTileFn pick(bool twoByTwo) const {
        return twoByTwo ? two : any;
    }
};

template <int CIN, int G, int V>
struct TileOf : Table {
    TileOf() {
        any = &dataTile<CIN, G, V, 0>;
        two = &dataTile<CIN, G, V, 2>;
    }
};

/** A data-gradient tile and its shape: phases per group, vectors. */
struct DataShape {
    DataTileFn fn;
    int g;
    int v;
};

/**
 * The data-gradient tile for cin channels and `phases` phases left in the group: up to 4 phases (1 channel) or 2 (2
 * channels) share each dy load, so 12 accumulators take 7 loads (V + G * CIN) where one phase alone would take 13.
 * Where a load serves several accumulators it is held in a register: accumulators + V + 1 <= 16 registers, else
 * they spill (measured: 3 channels, V = 4 took 12-14 ms at D64 where V = 3 took 8-11 ms). One phase at a time, V
 * is the one computing fewest vectors for nvec, counting 4 instructions of loop and loads per tap and tile. The
 * taps as constants (2 x 2) paid only for one phase at a time (D64, 3 channels: 8.0 vs 8.8 ms); with shared loads
 * they cost (D28: 0.69 vs 0.55 ms), so groups of phases keep them at run time.
 */
GAN4J_AVX2 DataShape dataShape(int cin, int phases, long nvec, bool twoByTwo) {
    if (cin == 1 && phases >= 4) {
        return {TileOf<1, 4, 3>().any, 4, 3};
    }
    if (cin == 1 && phases == 3) {
        return {TileOf<1, 3, 3>().any, 3, 3};
    }
    if (cin <= 2 && phases >= 2) {
        return cin == 1 ? DataShape{TileOf<1, 2, 5>().any, 2, 5} : DataShape{TileOf<2, 2, 3>().any, 2, 3};
    }
    static const Table one[4][13] = {
        {},
        {{}, TileOf<1, 1, 1>(), TileOf<1, 1, 2>(), TileOf<1, 1, 3>(), TileOf<1, 1, 4>(), TileOf<1, 1, 5>(),
         TileOf<1, 1, 6>(), TileOf<1, 1, 7>(), TileOf<1, 1, 8>(), TileOf<1, 1, 9>(), TileOf<1, 1, 10>(),
         TileOf<1, 1, 11>(), TileOf<1, 1, 12>()},
        {{}, TileOf<2, 1, 1>(), TileOf<2, 1, 2>(), TileOf<2, 1, 3>(), TileOf<2, 1, 4>(), TileOf<2, 1, 5>()},
        {{}, TileOf<3, 1, 1>(), TileOf<3, 1, 2>(), TileOf<3, 1, 3>()},
    };
    // cost per vector computed: its FMAs plus about 4 instructions of loop and loads per tap
    const int most = cin == 1 ? 12 : 15 / (cin + 1);
    int best = most;
    long bestCost = (nvec + most - 1) / most * (most * cin + 4);
    for (int v = most - 1; v >= std::max(1, most / 2); v--) {
        const long cost = (nvec + v - 1) / v * (v * cin + 4);
        if (cost < bestCost) {
            best = v;
            bestCost = cost;
        }
    }
    return {one[cin][best].pick(twoByTwo), 1, best};
}

/**
 * Copies a tile of dy, 8V pixels of each of the cout channels (planes `plane` apart; lanes from `valid` on zero), into
 * d[co * 8V + i]: contiguous, because the planes of a 32 x 32 dy are 4 KiB apart, so the tile's 64 channels would
 * all fall in the same few L1 sets.
 */
template <int V>
GAN4J_AVX2 void packTile(const float* dy, long plane, int cout, int valid, float* d) {
    if (valid == 8 * V) {
        for (int co = 0; co < cout; co++, dy += plane, d += 8 * V) {
            // the next tile's lines: 64 planes are too many streams for the hardware prefetcher (D64: 6.1-6.4 ms
            // with, 6.6-7.2 ms without, harness, batch 64)
            _mm_prefetch((const char*)(dy + 24), _MM_HINT_T0);
            _mm_prefetch((const char*)(dy + 47), _MM_HINT_T0);
            #pragma GCC unroll 4
            for (int v = 0; v < V; v++) {
                _mm256_store_ps(d + 8 * v, _mm256_loadu_ps(dy + 8 * v));
            }
        }
        return;
    }
    const __m256i m = laneMask(valid - 8 * (V - 1));
    for (int co = 0; co < cout; co++, dy += plane, d += 8 * V) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            _mm256_store_ps(d + 8 * v, v == V - 1 ? _mm256_maskload_ps(dy + 8 * v, m) : _mm256_loadu_ps(dy + 8 * v));
        }
    }
}

/** Packs a dy tile of `valid` (<= 8V) pixels, then computes its products for every group of 4 taps (tile4). */
template <int V>
GAN4J_AVX2 void tapsTiles(const float* dy, long plane, int cout, int valid, const float* pt, int groups, float* t,
                          long tp, float* d) {
    packTile<V>(dy, plane, cout, valid, d);
    for (int g = 0; g < groups; g++) {
        tile4<V>(pt + (long)g * cout * 4, 1, 4, cout, d, 8 * V, t + (long)g * 4 * tp, tp, 4, 8 * V);
    }
}

/**
 * One term of a dx row of the 4x4 stride-2 data gradient, for its 8 columns pairs u0 + l (l < 8): the even columns
 * e[l] = a[tp + u] + a[3tp + u - 1] and the odd ones o[l] = a[u + 1] + a[2tp + u] with u = u0 + l, where a[kw * tp]
 * is the row of tap kw; the column u - 1 = -1 and u + 1 = wo read as zero.
 */
GAN4J_AVX2 inline void rowTerm(const float* a, long tp, int u0, int wo, __m256& e, __m256& o) {
    __m256 left = _mm256_loadu_ps(a + 3 * tp + u0 - 1);
    if (u0 == 0) {
        left = _mm256_blend_ps(left, _mm256_setzero_ps(), 1);
    }
    __m256 right = _mm256_loadu_ps(a + u0 + 1);
    if (wo - 1 - u0 < 8) {  // lane wo - 1 - u0 reads the next row; the lanes after it are not stored
        right = _mm256_and_ps(right, _mm256_castsi256_ps(laneMask(wo - 1 - u0)));
    }
    e = _mm256_add_ps(_mm256_loadu_ps(a + tp + u0), left);
    o = _mm256_add_ps(right, _mm256_loadu_ps(a + 2 * tp + u0));
}

/**
 * Writes one dx row (2 * wo floats) of the 4x4 stride-2 data gradient from one or two terms (rowTerm) whose tap rows
 * start at a and b (b null: one term), interleaving the even and odd columns (unpack, then 128-bit permutes) into
 * whole vector stores.
 */
GAN4J_AVX2 void emitRow(float* out, const float* a, const float* b, long tp, int wo) {
    const int width = 2 * wo;
    for (int u0 = 0; u0 < wo; u0 += 8) {
        __m256 e;
        __m256 o;
        rowTerm(a, tp, u0, wo, e, o);
        if (b != nullptr) {
            __m256 e2;
            __m256 o2;
            rowTerm(b, tp, u0, wo, e2, o2);
            e = _mm256_add_ps(e, e2);
            o = _mm256_add_ps(o, o2);
        }
        const __m256 lo = _mm256_unpacklo_ps(e, o);  // e0 o0 e1 o1 | e4 o4 e5 o5
        const __m256 hi = _mm256_unpackhi_ps(e, o);  // e2 o2 e3 o3 | e6 o6 e7 o7
        const int c = 2 * u0;
        storePart(out + c, _mm256_permute2f128_ps(lo, hi, 0x20), width - c);
        if (width - c > 8) {
            storePart(out + c + 8, _mm256_permute2f128_ps(lo, hi, 0x31), width - c - 8);
        }
    }
}

/**
 * The 4x4 stride-2 filter gradient's input for output pixels p < rows * wo from output row row0 on, pixel-major:
 * b[p * 16cin + ci * 16 + kh * 4 + kw] = x[ci][2oh - ph + kh][2ow - pw + kw] (zero outside the image), each run of 4
 * taps kw one 128-bit load where it lies inside the row: the padding is done here, not by a pass over x.
 */
GAN4J_AVX2 void gatherTaps(const float* x, int cin, int h, int w, int ph, int pw, int row0, int rows, int wo,
                           float* b) {
    const long plane = (long)h * w;
    for (int r = 0; r < rows; r++) {
        const int y0 = 2 * (row0 + r) - ph;
        for (int ow = 0; ow < wo; ow++, b += 16 * cin) {
            const int c = 2 * ow - pw;
            const bool inside = c >= 0 && c + 4 <= w;
            for (int ci = 0; ci < cin; ci++) {
                for (int kh = 0; kh < 4; kh++) {
                    float* d = b + ci * 16 + kh * 4;
                    const int y = y0 + kh;
                    if (y < 0 || y >= h) {
                        _mm_storeu_ps(d, _mm_setzero_ps());
                        continue;
                    }
                    const float* row = x + ci * plane + (long)y * w;
                    if (inside) {
                        _mm_storeu_ps(d, _mm_loadu_ps(row + c));
                    } else {
                        for (int kw = 0; kw < 4; kw++) {
                            d[kw] = c + kw >= 0 && c + kw < w ? row[c + kw] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

/**
 * Filter-gradient tile of the 4x4 stride-2 convolution: acc[r * K + 8(v0 + v) + lane] += sum_{p < npx} d_r[p] *
 * b[p * K + 8(v0 + v) + lane] for the channel rows r < nr (of R; rows past nr are computed from a repeated row and not
 * stored) and the V vectors of taps from v0 (outerProducts with the pixels as k); the accumulators stay in registers
 * over the pixels.
 */
template <int R, int V>
GAN4J_AVX2 void tapsFilterTile(const float* const* d, const float* b, int K, int v0, int npx, float* acc, int nr) {
    __m256 c[R][V];
    outerProducts<R, V>(c, d, 1, npx, b + 8 * v0, K);
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        if (r < nr) {
            #pragma GCC unroll 8
            for (int v = 0; v < V; v++) {
                float* a = acc + (long)r * K + 8 * (v0 + v);
                _mm256_storeu_ps(a, _mm256_add_ps(_mm256_loadu_ps(a), c[r][v]));
            }
        }
    }
}

/** Every tile of one unit's filter gradient: channels in groups of R, the K = 8 * nv taps in groups of V vectors. */
template <int R, int V>
GAN4J_AVX2 void tapsFilterUnit(const float* dy, long plane, int cout, const float* b, int K, int npx, float* acc) {
    for (int co = 0; co < cout; co += R) {
        const int nr = std::min(R, cout - co);
        const float* d[R];
        #pragma GCC unroll 8
        for (int r = 0; r < R; r++) {
            d[r] = dy + (co + std::min(r, nr - 1)) * plane;
        }
        // the next group's dy rows: a D28 row is 13 lines, too short a stream for the hardware prefetcher (batch 256,
        // where dy comes from memory: 2.1-2.9 ms with, 3.2-3.5 ms without, harness; batch 64 unchanged)
        for (int r = co + R; r < std::min(cout, co + 2 * R); r++) {
            for (int i = 0; i < npx; i += 16) {
                _mm_prefetch((const char*)(dy + r * plane + i), _MM_HINT_T0);
            }
        }
        for (int v0 = 0; v0 < K / 8; v0 += V) {
            tapsFilterTile<R, V>(d, b, K, v0, npx, acc + (long)co * K, nr);
        }
    }
}

#define GAN4J_NO_MEMSET __attribute__((target("avx2,fma"), optimize("no-tree-loop-distribute-patterns")))

/** d[0, n) = 0, by vectors (the last one overlapping the one before) where n >= 8. */
GAN4J_NO_MEMSET inline void zeroRow(float* d, long n) {
    if (n < 8) {
        for (long i = 0; i < n; i++) {
            d[i] = 0.0f;
        }
        return;
    }
    const __m256 z = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(d + i, z);
    }
    if (i < n) {
        _mm256_storeu_ps(d + n - 8, z);
    }
}

/**
 * Zero-pads `planes` planes of h x w from src into hp x wp at (top, left) by vectors: the planes are small (14 x 14
 * in D28), so a row's zeros are two vector stores before its copy, and no library call (g++ would otherwise turn
 * the short zero loops into memset calls: 5 times slower here).
 */
GAN4J_NO_MEMSET void padPlanes(const float* src, float* dst, long planes, int h, int w, int hp, int wp, int top,
                               int left) {
    const int right = wp - left - w;
    const bool edges = wp >= 8 && left <= 8 && right <= 8;
    const __m256 z = _mm256_setzero_ps();
    for (long pl = 0; pl < planes; pl++) {
        const float* sp = src + pl * h * w;
        float* dp = dst + pl * hp * wp;
        zeroRow(dp, (long)top * wp);
        for (int y = 0; y < h; y++) {
            float* d = dp + (long)(top + y) * wp;
            if (edges) {
                _mm256_storeu_ps(d, z);
                _mm256_storeu_ps(d + wp - 8, z);
            } else {
                zeroRow(d, left);
                zeroRow(d + left + w, right);
            }
            copyRow(d + left, sp + (long)y * w, w);
        }
        zeroRow(dp + (long)(top + h) * wp, (long)(hp - top - h) * wp);
    }
}
#endif

}  // namespace

namespace {

/** d[u] = row[u * S + c] for u in [u0, u1), zero elsewhere in [0, wu); S a constant where it lets g++ vectorise. */
template <int S>
GAN4J_AVX2 void stridedRow(float* d, const float* row, long c, int s, int u0, int u1, int wu) {
    const int step = S > 0 ? S : s;
    for (int u = 0; u < u0; u++) {
        d[u] = 0.0f;
    }
#if defined(__x86_64__)
    if (S == 2 && u1 - u0 >= 8) {  // 8 at a time: the even lanes of 15 floats (lane 15 unread), the last overlapping
        const __m256i seven = laneMask(7);
        for (int u = u0;; u = std::min(u + 8, u1 - 8)) {
            const float* r = row + 2L * u + c;
            const __m256 even = _mm256_shuffle_ps(_mm256_loadu_ps(r), _mm256_maskload_ps(r + 8, seven), 0x88);
            _mm256_storeu_ps(d + u, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xD8)));
            if (u == u1 - 8) {
                break;
            }
        }
    } else
#endif
    {
        for (int u = u0; u < u1; u++) {
            d[u] = row[u * step + c];
        }
    }
    for (int u = std::max(u0, u1); u < wu; u++) {
        d[u] = 0.0f;
    }
}

}  // namespace

extern "C" GAN4J_AVX2 void gan4j_cpu_pad_columns(const float* src, float* dst, int h, int w, int hp, int top,
                                                      int left, int s, int wu, long from, long to) {
    const long rowPitch = (long)s * wu;
    for (long plane = from; plane < to; plane++) {
        const float* sp = src + plane * h * w;
        float* dp = dst + plane * hp * rowPitch;
        for (int y = 0; y < hp; y++) {
            float* d = dp + y * rowPitch;
            const int iy = y - top;
            if (iy < 0 || iy >= h) {
                std::memset(d, 0, sizeof(float) * rowPitch);
                continue;
            }
            const float* row = sp + (long)iy * w;
            for (int rw = 0; rw < s; rw++) {
                // column u * s + rw - left of the input: inside [0, w) for u in [u0, u1)
                const int u0 = std::min(wu, std::max(0, (left - rw + s - 1) / s));
                const int u1 = std::min(wu, std::max(u0, (w + left - rw + s - 1) / s));
                const long c = rw - left;
                if (s == 2) {
                    stridedRow<2>(d + (long)rw * wu, row, c, s, u0, u1, wu);
                } else if (s == 1) {
                    stridedRow<1>(d + (long)rw * wu, row, c, s, u0, u1, wu);
                } else {
                    stridedRow<0>(d + (long)rw * wu, row, c, s, u0, u1, wu);
                }
            }
        }
    }
}

extern "C" void gan4j_cpu_small_forward(const float* w, int cout, int K, const float* xs, const int* koff,
                                        long xsSample, long rowStep, int ho, int wo, float* y, int rowsPerItem,
                                        long itemFrom, long itemTo) {
#if defined(__x86_64__)
    alignas(32) float b[GAN4J_CPU_SMALL_LOWERED];
    const long blocks = (ho + rowsPerItem - 1) / rowsPerItem;
    const long p = (long)ho * wo;
    for (long item = itemFrom; item < itemTo; item++) {
        const long s = item / blocks;
        const int row0 = (int)(item % blocks) * rowsPerItem;
        const int rows = std::min(rowsPerItem, ho - row0);
        const int ld = lowered(rows, wo);
        const int npx = rows * wo;
        lower(xs + s * xsSample, koff, K, rowStep, row0, rows, wo, b, ld);
        float* ys = y + s * cout * p + (long)row0 * wo;
        for (int j = 0; j < npx; j += 24) {
            for (int co = 0; co < cout; co += 4) {
                tile4Of(w + (long)co * K, K, 1, K, b + j, ld, ys + co * p + j, p, std::min(4, cout - co),
                        std::min(24, npx - j));
            }
        }
    }
#else
    (void)w, (void)cout, (void)K, (void)xs, (void)koff, (void)xsSample, (void)rowStep, (void)ho, (void)wo, (void)y;
    (void)rowsPerItem, (void)itemFrom, (void)itemTo;
#endif
}

extern "C" void gan4j_cpu_small_filter(const float* dy, int cout, int K, const float* xs, const int* koff,
                                       long xsSample, long rowStep, int ho, int wo, int rowsPerUnit, long units,
                                       long unitsPerSegment, float* acc, long segFrom, long segTo) {
#if defined(__x86_64__)
    alignas(32) float b[GAN4J_CPU_SMALL_LOWERED];
    const long blocks = (ho + rowsPerUnit - 1) / rowsPerUnit;
    const long p = (long)ho * wo;
    const int groups = (cout + 3) / 4;
    const long segFloats = (long)groups * 4 * K * 8;
    for (long seg = segFrom; seg < segTo; seg++) {
        float* sa = acc + seg * segFloats;
        std::memset(sa, 0, sizeof(float) * segFloats);
        const long u1 = std::min(units, (seg + 1) * unitsPerSegment);
        for (long unit = seg * unitsPerSegment; unit < u1; unit++) {
            const long s = unit / blocks;
            const int row0 = (int)(unit % blocks) * rowsPerUnit;
            const int rows = std::min(rowsPerUnit, ho - row0);
            const int ld = lowered(rows, wo);
            const int npx = rows * wo;
            lower(xs + s * xsSample, koff, K, rowStep, row0, rows, wo, b, ld);
            const float* dys = dy + s * cout * p + (long)row0 * wo;
            for (int g = 0; g < groups; g++) {
                const float* d[4];
                #pragma GCC unroll 16
                for (int r = 0; r < 4; r++) {
                    d[r] = dys + std::min(g * 4 + r, cout - 1) * p;  // rows past cout: their sums are not used
                }
                for (int k = 0; k < K;) {
                    // groups of 3 taps; K = 3m + 1 ends with two groups of 2 instead of one tap alone (D28: K = 16)
                    const int nk = K - k == 4 ? 2 : std::min(3, K - k);
                    float* a[4];
                    #pragma GCC unroll 16
                    for (int r = 0; r < 4; r++) {
                        a[r] = sa + ((long)(g * 4 + r) * K + k) * 8;
                    }
                    if (nk == 3) {
                        filterTile<3>(d, b + (long)k * ld, ld, (npx + 7) / 8, npx % 8, a);
                    } else if (nk == 2) {
                        filterTile<2>(d, b + (long)k * ld, ld, (npx + 7) / 8, npx % 8, a);
                    } else {
                        filterTile<1>(d, b + (long)k * ld, ld, (npx + 7) / 8, npx % 8, a);
                    }
                    k += nk;
                }
            }
        }
    }
#else
    (void)dy, (void)cout, (void)K, (void)xs, (void)koff, (void)xsSample, (void)rowStep, (void)ho, (void)wo;
    (void)rowsPerUnit, (void)units, (void)unitsPerSegment, (void)acc, (void)segFrom, (void)segTo;
#endif
}

extern "C" void gan4j_cpu_small_filter_sum(const float* acc, long segments, int cout, int K, float* dw, long from,
                                           long to) {
    const long segFloats = (long)((cout + 3) / 4) * 4 * K * 8;
    for (long e = from; e < to; e++) {
        float total = 0.0f;
        for (long seg = 0; seg < segments; seg++) {
            const float* l = acc + seg * segFloats + e * 8;
            total += ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
        }
        dw[e] += total;
    }
}

extern "C" void gan4j_cpu_small_data_pack(const float* w, int cout, int cin, int kh, int kw, int sh, int sw,
                                          float* pw) {
    const int nth = (kh + sh - 1) / sh;
    const int ntw = (kw + sw - 1) / sw;
    const int phases = sh * sw;
    const int per = cin == 1 ? 4 : cin == 2 ? 2 : 1;  // phases per group, as dataShape chooses them
    for (int p0 = 0; p0 < phases; p0 += per) {
        const int g1 = std::min(per, phases - p0);
        float* d = pw + (long)p0 * cout * nth * ntw * cin;
        for (int co = 0; co < cout; co++) {
            for (int th = 0; th < nth; th++) {
                for (int tw = 0; tw < ntw; tw++) {
                    for (int g = 0; g < g1; g++) {
                        const int rh = (p0 + g) / sw;
                        const int rw = (p0 + g) % sw;
                        const int y = rh + sh * th;
                        const int x = rw + sw * tw;
                        for (int ci = 0; ci < cin; ci++) {
                            *d++ = y < kh && x < kw ? w[(((long)co * cin + ci) * kh + y) * kw + x] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

extern "C" void gan4j_cpu_small_data(const float* dy, float* dyp, int cout, int ho, int wo, int hd, int wd, int top,
                                     int left, const float* pw, int cin, int kh, int kw, int sh, int sw, int ph,
                                     int pwd, float* dx, int h, int wdx, long itemFrom, long itemTo) {
#if defined(__x86_64__)
    alignas(32) float tmp[12 * 8];
    const long plane = (long)hd * wd;
    const int phases = sh * sw;
    const int nth = (kh + sh - 1) / sh;
    const int ntw = (kw + sw - 1) / sw;
    // the grid (Q, Qw) = ((ih + ph) / sh, (iw + pwd) / sw) of every dx pixel, laid out flat with dy's padded pitch
    const long qh0 = ph / sh;
    const long qw0 = pwd / sw;
    const long fstart = qh0 * wd + qw0;
    const long flen = ((h - 1L + ph) / sh - qh0) * wd + (wdx - 1L + pwd) / sw - qw0 + 1;
    for (long s = itemFrom; s < itemTo; s++) {
        float* dps = dyp + s * (cout * plane + GAN4J_CPU_SMALL_SLACK);
        padPlanes(dy + s * cout * ho * wo, dps, cout, ho, wo, hd, wd, top, left);
        const float* src = dps + fstart + (long)top * wd + left;
        float* dxs = dx + s * cin * h * wdx;
        for (int p0 = 0; p0 < phases;) {
            const DataShape shape = dataShape(cin, phases - p0, (flen + 7) / 8, nth == 2 && ntw == 2);
            const float* pwg = pw + (long)p0 * cout * nth * ntw * cin;
            for (long t0 = 0; t0 < flen; t0 += 8 * shape.v) {
                shape.fn(src + t0, plane, wd, cout, nth, ntw, pwg, tmp);
                const long t1 = std::min(flen, t0 + 8L * shape.v);
                for (int g = 0; g < shape.g; g++) {
                    const int rh = (p0 + g) / sw;
                    const int rw = (p0 + g) % sw;
                    // the phase's columns Qw with iw = Qw * sw + rw - pwd inside [0, wdx)
                    const long qwLo = std::max(0L, (pwd - rw + sw - 1L) / sw);
                    const long qwHi = wdx - 1L + pwd - rw < 0 ? -1 : (wdx - 1L + pwd - rw) / sw;
                    for (long t = t0; t < t1;) {
                        const long f = fstart + t;
                        const long q = f / wd;
                        const long qw = f % wd;
                        const long rowEnd = std::min(t1, t + wd - qw);
                        const long ih = q * sh + rh - ph;
                        if (ih >= 0 && ih < h) {
                            const long a = std::max(qw, qwLo);
                            const long b = std::min(qw + rowEnd - t - 1, qwHi);
                            for (int ci = 0; ci < cin; ci++) {
                                const float* r = tmp + (long)(g * cin + ci) * 8 * shape.v + (t - t0) - qw;
                                float* o = dxs + ((long)ci * h + ih) * wdx + rw - pwd;
                                for (long x = a; x <= b; x++) {
                                    o[x * sw] = r[x];
                                }
                            }
                        }
                        t = rowEnd;
                    }
                }
            }
            p0 += shape.g;
        }
    }
#else
    (void)dy, (void)dyp, (void)cout, (void)ho, (void)wo, (void)hd, (void)wd, (void)top, (void)left, (void)pw;
    (void)cin, (void)kh, (void)kw, (void)sh, (void)sw, (void)ph, (void)pwd, (void)dx, (void)h, (void)wdx;
    (void)itemFrom, (void)itemTo;
#endif
}


extern "C" void gan4j_cpu_small_taps_pack(const float* w, int cout, int cin, float* pt) {
    const int m = 16 * cin;
    for (int g = 0; g < m / 4; g++) {
        for (int co = 0; co < cout; co++) {
            for (int r = 0; r < 4; r++) {
                pt[((long)g * cout + co) * 4 + r] = w[(long)co * m + g * 4 + r];
            }
        }
    }
}

extern "C" void gan4j_cpu_small_data_s2(const float* dy, int cout, int ho, int wo, const float* pt, int cin,
                                        float* dx, int rowsPerBlock, long itemFrom, long itemTo) {
#if defined(__x86_64__)
    alignas(32) float tb[GAN4J_CPU_SMALL_LOWERED];
    alignas(32) float packed[GAN4J_CPU_SMALL_TILE];
    const int taps = 16 * cin;
    // per tap: 8 floats of slack, the row before the block, the block's rows, slack for the tiles' last vectors
    const long tp = (8 + (rowsPerBlock + 1L) * wo + 24 + 7) / 8 * 8;
    const long plane = (long)ho * wo;
    const long dxPlane = 4 * plane;
    for (long s = itemFrom; s < itemTo; s++) {
        const float* dys = dy + s * cout * plane;
        float* dxs = dx + s * cin * dxPlane;
        for (int r0 = 0; r0 < ho; r0 += rowsPerBlock) {
            const int rr = std::min(rowsPerBlock, ho - r0);
            if (r0 > 0) {  // the previous block's last row becomes this one's row before
                for (int k = 0; k < taps; k++) {
                    copyRow(tb + k * tp + 8, tb + k * tp + 8 + (long)rowsPerBlock * wo, wo);
                }
            }
            const int npx = rr * wo;
            for (int j = 0; j < npx; j += 24) {
                const int valid = std::min(24, npx - j);
                const float* d = dys + (long)r0 * wo + j;
                float* t = tb + 8 + wo + j;
                if (valid > 16) {
                    tapsTiles<3>(d, plane, cout, valid, pt, taps / 4, t, tp, packed);
                } else if (valid > 8) {
                    tapsTiles<2>(d, plane, cout, valid, pt, taps / 4, t, tp, packed);
                } else {
                    tapsTiles<1>(d, plane, cout, valid, pt, taps / 4, t, tp, packed);
                }
            }
            // dx rows 2m (taps kh = 1 on row m, kh = 3 on row m - 1) and 2m + 1 (kh = 0 on m + 1, kh = 2 on m); the
            // block holds rows r0 - 1 (slot 0) to r0 + rr - 1 (slot rr)
            for (int ci = 0; ci < cin; ci++) {
                const float* tc = tb + (long)ci * 16 * tp + 8;
                float* dxc = dxs + ci * dxPlane;
                auto row = [&](int kh, int m) { return tc + kh * 4 * tp + (long)(m - r0 + 1) * wo; };
                for (int m = std::max(0, r0 - 1); m < r0 + rr; m++) {
                    if (m >= r0) {
                        emitRow(dxc + 2L * m * 2 * wo, row(1, m), m > 0 ? row(3, m - 1) : nullptr, tp, wo);
                    }
                    if (m + 1 < r0 + rr) {
                        emitRow(dxc + (2L * m + 1) * 2 * wo, row(0, m + 1), row(2, m), tp, wo);
                    } else if (m + 1 == ho) {
                        emitRow(dxc + (2L * m + 1) * 2 * wo, row(2, m), nullptr, tp, wo);
                    }
                }
            }
        }
    }
#else
    (void)dy, (void)cout, (void)ho, (void)wo, (void)pt, (void)cin, (void)dx, (void)rowsPerBlock, (void)itemFrom;
    (void)itemTo;
#endif
}

extern "C" void gan4j_cpu_small_filter_s2(const float* x, const float* dy, int cin, int h, int w, int cout, int ho,
                                          int wo, int ph, int pw, int rowsPerUnit, long units, long unitsPerSegment,
                                          float* acc, long segFrom, long segTo) {
#if defined(__x86_64__)
    alignas(32) float b[GAN4J_CPU_SMALL_LOWERED];
    const int K = 16 * cin;
    const long blocks = (ho + rowsPerUnit - 1) / rowsPerUnit;
    const long plane = (long)ho * wo;
    for (long seg = segFrom; seg < segTo; seg++) {
        float* sa = acc + seg * cout * K;
        std::memset(sa, 0, sizeof(float) * cout * K);
        const long u1 = std::min(units, (seg + 1) * unitsPerSegment);
        for (long unit = seg * unitsPerSegment; unit < u1; unit++) {
            const long s = unit / blocks;
            const int row0 = (int)(unit % blocks) * rowsPerUnit;
            const int rows = std::min(rowsPerUnit, ho - row0);
            gatherTaps(x + s * cin * h * w, cin, h, w, ph, pw, row0, rows, wo, b);
            const float* dys = dy + s * cout * plane + (long)row0 * wo;
            if (cin == 1) {
                tapsFilterUnit<6, 2>(dys, plane, cout, b, K, rows * wo, sa);
            } else if (cin == 2) {
                tapsFilterUnit<3, 4>(dys, plane, cout, b, K, rows * wo, sa);
            } else {
                tapsFilterUnit<4, 3>(dys, plane, cout, b, K, rows * wo, sa);
            }
        }
    }
#else
    (void)x, (void)dy, (void)cin, (void)h, (void)w, (void)cout, (void)ho, (void)wo, (void)ph, (void)pw;
    (void)rowsPerUnit, (void)units, (void)unitsPerSegment, (void)acc, (void)segFrom, (void)segTo;
#endif
}

extern "C" void gan4j_cpu_small_sum_segments(const float* acc, long segments, long segFloats, float* dw, long from,
                                             long to) {
    for (long e = from; e < to; e++) {
        float total = 0.0f;
        for (long seg = 0; seg < segments; seg++) {
            total += acc[seg * segFloats + e];
        }
        dw[e] += total;
    }
}
