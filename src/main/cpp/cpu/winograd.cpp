// Winograd F(4x4, 2x2) for the forward pass and the data gradient of 4x4 / stride-2 / pad-1 convolutions: the
// transforms, vectorised with GCC's vector extensions (AVX2) over 8 channels (input) or 8 tiles (output), and the
// per-point GEMMs through gan4j_cpu_igemm (conv.cpp). The method and layouts are in gan4j_cpu_winograd.h.
// Interpolation points 0, 1, -1, 2 and infinity:
//
//   B^T = | 2 -1 -2  1  0 |    G = |  1/2    0  |    A^T = | 1  1  1  1  0 |
//         | 0 -2 -1  1  0 |        | -1/2  -1/2 |          | 0  1 -1  2  0 |
//         | 0  2 -3  1  0 |        | -1/6   1/6 |          | 0  1  1  4  0 |
//         | 0 -1  0  1  0 |        |  1/6   1/3 |          | 0  1 -1  8  1 |
//         | 0  2 -1 -2  1 |        |   0     1  |
//
// so that for a 2-tap correlation of a 5-point input d with taps g, y[k] = sum_i g[i] d[k + i] (k < 4) equals
// A^T [(G g) (.) (B^T d)]; in 2-D, Y = A^T [(G g G^T) (.) (B^T d B)] A. B^T and A^T have small integer entries
// (exact in float); G's halves and sixths only touch the weights: each transformed weight is
// sum_{j,i} (G[a][j] G[b][i]) g[j][i], the 4 coefficients rounded to float once, computed per point and panel of 16
// rows into a buffer on the native stack right before that panel's GEMM, so the transformed weights (50 MiB at D64
// conv4) never go to memory.
#include "gan4j_cpu.h"
#include "gan4j_cpu_winograd.h"

#include <algorithm>
#include <cstring>


namespace {

constexpr int NP = GAN4J_CPU_WINO_POINTS;
constexpr int L = GAN4J_CPU_WINO_LANES;
constexpr int P = GAN4J_CPU_PANEL;
constexpr long SKEW = GAN4J_CPU_WINO_SKEW;

typedef float v8 __attribute__((vector_size(32)));

/** t[k * ts] = (B^T d)[k] for the 5 values d[k * ds]. */
GAN4J_AVX2 inline void inputTransform5(const v8* d, int ds, v8* t, int ts) {
    const v8 d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds];
    t[0] = (d0 - d2) * 2.0f - d1 + d3;
    t[ts] = d3 - d2 - d1 * 2.0f;
    t[2 * ts] = d3 - d2 * 3.0f + d1 * 2.0f;
    t[3 * ts] = d3 - d1;
    t[4 * ts] = (d1 - d3) * 2.0f - d2 + d4;
}

/** y[k * ys] = (A^T m)[k] for the 5 values m[k * ms]. */
GAN4J_AVX2 inline void outputTransform5(const v8* m, int ms, v8* y, int ys) {
    const v8 m0 = m[0], m1 = m[ms], m2 = m[2 * ms], m3 = m[3 * ms], m4 = m[4 * ms];
    const v8 s = m1 + m2, d = m1 - m2;
    y[0] = m0 + s + m3;
    y[ys] = d + m3 * 2.0f;
    y[2 * ys] = s + m3 * 4.0f;
    y[3 * ys] = d + m3 * 8.0f + m4;
}

typedef int v8i __attribute__((vector_size(32)));

/** r[i][k] becomes r[k][i]: the 8 x 8 transpose by AVX's unpack, 2-float shuffle and 128-bit permute steps. */
GAN4J_AVX2 inline void transpose8(v8* r) {
    v8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {  // t[i], t[i + 1]: rows i and i + 1 interleaved, low then high pairs per half
        t[i] = __builtin_shuffle(r[i], r[i + 1], v8i{0, 8, 1, 9, 4, 12, 5, 13});
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], v8i{2, 10, 3, 11, 6, 14, 7, 15});
    }
    for (int i = 0; i < 8; i += 4) {  // u[i + c]: columns c and c + 4 of rows i..i+3
        for (int h = 0; h < 2; h++) {
            u[i + 2 * h] = __builtin_shuffle(t[i + h], t[i + h + 2], v8i{0, 1, 8, 9, 4, 5, 12, 13});
            u[i + 2 * h + 1] = __builtin_shuffle(t[i + h], t[i + h + 2], v8i{2, 3, 10, 11, 6, 7, 14, 15});
        }
    }
    for (int c = 0; c < 4; c++) {
        r[c] = __builtin_shuffle(u[c], u[c + 4], v8i{0, 1, 2, 3, 8, 9, 10, 11});
        r[c + 4] = __builtin_shuffle(u[c], u[c + 4], v8i{4, 5, 6, 7, 12, 13, 14, 15});
    }
}

/** A column's sample, tile row and tile column. */
struct TileAt {
    long sample;
    int ty;
    int tx;
};

inline TileAt tileAt(long col, int tilesY, int tilesX) {
    const long perSample = (long)tilesY * tilesX;
    const int t = (int)(col % perSample);
    return {col / perSample, t / tilesX, t % tilesX};
}

}  // namespace

extern "C" void gan4j_cpu_wino_taps(const float* w, int cout, int cin, int data, float* taps, long from, long to) {
    const int M = data ? cin : cout;
    const int C = data ? cout : cin;  // the reduction side's channels, padded to a multiple of 8 in r
    const int Cp = (C + L - 1) / L * L;
    const int K = data ? Cp : 4 * Cp;
    const long panels = (M + P - 1) / P;
    for (long item = from; item < to; item++) {
        const int gi = (int)(item / panels);
        const long panel = item % panels;
        float* d = taps + item * K * 4 * P;
        for (int r = 0; r < K; r++) {
            const int q = data ? gi : r / Cp;  // forward: r = q * Cp + ci; data: r = co, parity gi
            const int c = r % Cp;
            for (int l = 0; l < P; l++) {
                const long row = panel * P + l;
                const bool in = row < M && c < C;
                const float* k = w + (data ? (long)c * cin + row : row * cin + c) * 16;
                for (int j = 0; j < 2; j++) {
                    for (int i = 0; i < 2; i++) {
                        const int kh = data ? (q >> 1) + 2 - 2 * j : 2 * j + (q >> 1);
                        const int kw = data ? (q & 1) + 2 - 2 * i : 2 * i + (q & 1);
                        d[(r * 4 + j * 2 + i) * P + l] = in ? k[kh * 4 + kw] : 0.0f;
                    }
                }
            }
        }
    }
}

extern "C" void gan4j_cpu_wino_block(const float* src, int channels, long plane, float* dst, long from, long to) {
    const long blocks = (channels + L - 1) / L;
    for (long item = from; item < to; item++) {  // item = (sample, block of 8 channels)
        const long sample = item / blocks;
        const int c0 = (int)(item % blocks) * L;
        float* d = dst + item * plane * L;
        for (int k = 0; k < L; k++) {
            const float* s = src + (sample * channels + c0 + k) * plane;
            if (c0 + k < channels) {
                for (long i = 0; i < plane; i++) {
                    d[i * L + k] = s[i];
                }
            } else {
                for (long i = 0; i < plane; i++) {
                    d[i * L + k] = 0.0f;
                }
            }
        }
    }
}

namespace {

/** B^T d B of the 5x5 window d (overwritten), each point's 8 channels stored at dst + p * pointStride. */
GAN4J_AVX2 inline void transformStore(v8* d, float* dst, long pointStride) {
    v8 t[NP];
    for (int b = 0; b < 5; b++) {
        inputTransform5(d + b, 5, t + b, 5);  // columns: t = B^T d
    }
    for (int a = 0; a < 5; a++) {
        inputTransform5(t + a * 5, 1, d + a * 5, 1);  // rows: d = t B
    }
    for (int p = 0; p < NP; p++) {
        std::memcpy(dst + p * pointStride, &d[p], sizeof(v8));
    }
}

/** out[a * side + b] = the 8 channels of pixel (y0 + a * step, x0 + b * step) of xb's h x w plane, 0 outside it. */
GAN4J_AVX2 inline void loadWindow(const float* xb, int y0, int x0, int side, int step, int h, int w, v8* out) {
    for (int a = 0; a < side; a++) {
        const int y = y0 + a * step;
        for (int b = 0; b < side; b++) {
            const int x = x0 + b * step;
            if (y >= 0 && y < h && x >= 0 && x < w) {
                std::memcpy(&out[a * side + b], xb + ((long)y * w + x) * L, sizeof(v8));
            } else {
                out[a * side + b] = v8{};
            }
        }
    }
}

}  // namespace

extern "C" GAN4J_AVX2 void gan4j_cpu_wino_input(const float* xb, int channels, int h, int w, int data, int tilesY,
                                                int tilesX, long stride, long colStride, float* v, long from, long to) {
    const int cblocks = (channels + L - 1) / L;
    const long pointStride = stride * colStride + SKEW;
    const int step = data ? 1 : 2;
    const long plane = (long)h * w;
    for (long item = from; item < to; item++) {  // item = (data: parity q, column, block of 8 channels)
        const long qcol = item / cblocks;
        const int q = data ? (int)(qcol / stride) : 0;
        const long col = data ? qcol % stride : qcol;
        const int cb = (int)(item % cblocks);
        const TileAt at = tileAt(col, tilesY, tilesX);
        const float* src = xb + (at.sample * cblocks + cb) * plane * L;
        const int oy = at.ty * 4 * step, ox = at.tx * 4 * step;
        float* dst = v + col * colStride + cb * L;
        if (data) {
            // parity q = (rh, rw) reads rows 4ty - rh + a, columns 4tx - rw + b; v's reduction index is co, one group
            // per parity
            v8 d[NP];
            loadWindow(src, oy - (q >> 1), ox - (q & 1), 5, 1, h, w, d);
            transformStore(d, dst + q * NP * pointStride, pointStride);
            continue;
        }
        for (int q = 0; q < 4; q++) {  // phase q = (qh, qw): rows 8ty + qh - 1 + 2a, columns 8tx + qw - 1 + 2b
            v8 d[NP];
            loadWindow(src, oy + (q >> 1) - 1, ox + (q & 1) - 1, 5, 2, h, w, d);
            transformStore(d, dst + (long)q * cblocks * L, pointStride);  // reduction index q * Cp + c
        }
    }
}

extern "C" GAN4J_AVX2 void gan4j_cpu_wino_gemm(const float* taps, const float* v, const int* rows,
                                               const int* colBase, const int* ident, int K, int M, long stride,
                                               long colStride, int cols, float* mt, long from, long to) {
    static const double G[5][2] = {{0.5, 0.0}, {-0.5, -0.5}, {-1.0 / 6, 1.0 / 6}, {1.0 / 6, 1.0 / 3}, {0.0, 1.0}};
    const long panels = (M + P - 1) / P;
    const long tiles = (cols + GAN4J_CPU_TILE - 1) / GAN4J_CPU_TILE;
    alignas(32) float u[GAN4J_CPU_WINO_MAX_K * P];
    for (long item = from; item < to; item++) {  // item = (group, point, panel)
        const long panel = item % panels;
        const long gemm = item / panels;
        const int gi = (int)(gemm / NP), p = (int)(gemm % NP);
        // u[r][l] = (G g G^T)[a][b] = sum_{j,i} G[a][j] G[b][i] g[j][i], the coefficients rounded to float once
        v8 coef[4];
        for (int t = 0; t < 4; t++) {
            const float c = (float)(G[p / 5][t >> 1] * G[p % 5][t & 1]);
            coef[t] = v8{c, c, c, c, c, c, c, c};
        }
        const float* g = taps + ((long)gi * panels + panel) * K * 4 * P;
        for (int r = 0; r < K; r++) {
            for (int half = 0; half < P; half += L) {
                v8 g4[4];
                std::memcpy(g4, g + r * 4 * P + half, sizeof(v8));
                std::memcpy(g4 + 1, g + (r * 4 + 1) * P + half, sizeof(v8));
                std::memcpy(g4 + 2, g + (r * 4 + 2) * P + half, sizeof(v8));
                std::memcpy(g4 + 3, g + (r * 4 + 3) * P + half, sizeof(v8));
                const v8 sum = (coef[0] * g4[0] + coef[1] * g4[1]) + (coef[2] * g4[2] + coef[3] * g4[3]);
                std::memcpy(u + r * P + half, &sum, sizeof(v8));
            }
        }
        gan4j_cpu_igemm(u, v + gemm * (stride * colStride + SKEW), rows, K, colBase, cols,
                        mt + gemm * (M * stride + SKEW) + panel * P * stride, stride, ident,
                        (int)std::min<long>(P, M - panel * P), 0, (int)tiles, 0, tiles);
    }
}

extern "C" GAN4J_AVX2 void gan4j_cpu_wino_output(const float* mt, int M, int data, int tilesY, int tilesX, int cols,
                                                 long stride, float* out, int oh, int ow, long from, long to) {
    const int groups = data ? 4 : 1;
    const long blocks = (cols + L - 1) / L;
    const int side = data ? 8 : 4;  // output pixels per tile side
    const long plane = (long)oh * ow;
    for (long item = from; item < to; item++) {
        const long l = item / blocks;
        const long col0 = item % blocks * L;
        const int nv = (int)std::min<long>(L, cols - col0);
        float* corner[L];  // lane k's tile's top left pixel
        for (int k = 0; k < nv; k++) {
            const TileAt at = tileAt(col0 + k, tilesY, tilesX);
            corner[k] = out + (at.sample * M + l) * plane + (long)at.ty * side * ow + at.tx * side;
        }
        v8 y[4][16];  // per group, the 4 x 4 outputs of the lanes' tiles
        for (int gi = 0; gi < groups; gi++) {
            v8 m[NP], t[20];
            for (int p = 0; p < NP; p++) {
                const float* s = mt + (long)(gi * NP + p) * (M * stride + SKEW) + l * stride + col0;
                if (nv == L) {
                    std::memcpy(&m[p], s, sizeof(v8));
                } else {
                    m[p] = v8{};
                    for (int k = 0; k < nv; k++) {
                        m[p][k] = s[k];
                    }
                }
            }
            for (int b = 0; b < 5; b++) {
                outputTransform5(m + b, 5, t + b, 5);  // columns: t (4 x 5) = A^T m
            }
            for (int i = 0; i < 4; i++) {
                outputTransform5(t + i * 5, 1, y[gi] + i * 4, 1);  // rows: y (4 x 4) = t A
            }
        }
        // each output row of the lanes' tiles (forward: each pair of rows) as 8 vectors over the lanes, transposed so
        // that each lane's row is one vector, stored contiguously
        for (int row = 0; row < (data ? 8 : 2); row++) {
            v8 r[L];
            for (int c = 0; c < 8; c++) {
                // data: parity gi = (rh, rw) holds pixel (1 - rh + 2i, 1 - rw + 2j) of the 8 x 8 tile at
                // y[gi][i * 4 + j]; forward: rows 2 row and 2 row + 1 of the 4 x 4 tile
                r[c] = data ? y[(1 - (row & 1)) * 2 + 1 - (c & 1)][(row >> 1) * 4 + (c >> 1)] : y[0][row * 8 + c];
            }
            transpose8(r);
            for (int k = 0; k < nv; k++) {
                if (data) {
                    std::memcpy(corner[k] + (long)row * ow, &r[k], sizeof(v8));
                } else {
                    std::memcpy(corner[k] + (long)(2 * row) * ow, &r[k], sizeof(v8) / 2);
                    std::memcpy(corner[k] + (long)(2 * row + 1) * ow, (const float*)&r[k] + 4, sizeof(v8) / 2);
                }
            }
        }
    }
}
