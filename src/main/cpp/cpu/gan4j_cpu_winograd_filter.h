// The filter gradient of 4x4 / stride 2 / pad 1 convolutions by Winograd's F(2x2, 4x4) (winograd_filter.cpp),
// bound to Java by org.gan4j.backend.cpu.CpuKernels and driven by WinogradFilter.java.
//
// x (N, Cin, H, W), dy (N, Cout, Ho, Wo) and dw (Cout, Cin, 4, 4) in NCHW, Ho and Wo multiples of 4. The kernel splits
// into 4 phases p = (ph, pw) of 2x2 taps, w_p[j][i] = w[2j + ph][2i + pw], each a stride-1 correlation of the phase
// input x_p[a][b] = x[2a + ph - 1][2b + pw - 1] (zero outside x):
//
//   dw[co][ci][2j + ph][2i + pw] += sum_{n, oh, ow} dy[n][co][oh][ow] * x_p[n][ci][oh + j][ow + i].
//
// Per 4x4 tile t of dy (rows 4ty.., columns 4tx..) that is F(2x2, 4x4): a 4x4 "filter" (the dy tile), a 5x5 input
// (x_p rows 4ty..4ty+4, columns 4tx..4tx+4) and 2x2 results. With the interpolation points 0, 1, -1, 1/2 and
// infinity, G (5x4) = the powers of the points, B^T (5x5) = the transposed inverse Vandermonde matrix and A^T (2x5)
// its points [1, p] (each of B^T's rows scaled to small integers, the inverse scale moved into A^T's column):
//
//   dw_p = A^T [ sum_{n, t} (G dy_t G^T) (.) (B^T x_p,t B) ] A,
//
// the sum over samples and tiles a GEMM per point (25 of them): U[pt][co][j] = sum_r DYh[pt][co][r] * Xh[pt][r][j],
// with the reduction r = (sample, tile) of a chunk of samples and the columns j = p * Cin + ci.
//
// Layouts (rmax: the reduction length the buffers are laid out for, J = 4 * Cin, groups = ceil(J / 8), panels =
// ceil(Cout / 16)):
//   xh  [25][groups][rmax][8]    the transformed input by groups of 8 columns, xh[((pt * groups + j / 8) * rmax + r)
//                                * 8 + j % 8], j = p * Cin + ci: each column a run of stride 8 through one group;
//   dyh [25][panels][rmax][16]   the transformed dy, packed as gan4j_cpu_igemm's A (rows past Cout zero).
#ifndef GAN4J_CPU_WINOGRAD_FILTER_H
#define GAN4J_CPU_WINOGRAD_FILTER_H

#ifdef __cplusplus
extern "C" {
#endif

/** Output tile side (m), transform points per side (m + 1) and per tile. */
#define GAN4J_CPU_WF_TILE 4
#define GAN4J_CPU_WF_ALPHA 5
#define GAN4J_CPU_WF_POINTS 25
/** Columns (j) per item of gan4j_cpu_wf_gemm at most: its point sums and taps (9 x 16 x 48 floats) are on the stack. */
#define GAN4J_CPU_WF_BLOCK 48
/** Pixels per plane (H * W of x) at most: the transforms interleave 8 planes on the stack (128 KiB). */
#define GAN4J_CPU_WF_MAX_PLANE 4096

/**
 * Transforms a chunk of `cnt` samples (x and dy pointing at its first sample; reduction r = s * tiles + t, tiles =
 * (Ho / 4) * (Wo / 4)): items [itemFrom, itemTo) of cnt * (ceil(cin / 8) + 2 * panels), sample-major (so that a
 * contiguous range of items holds its share of both kinds): per sample, groups of 8 input channels writing xh, then
 * groups of 8 output channels writing dyh, zeros for channels past cout.
 * Needs H * W <= GAN4J_CPU_WF_MAX_PLANE.
 */
void gan4j_cpu_wf_transform(const float* x, const float* dy, int cnt, int cin, int h, int w, int cout, int ho,
                            int wo, long rmax, float* xh, float* dyh, long itemFrom, long itemTo);

/**
 * dw += the inverse transform of the point GEMMs over the chunk's r < R reductions (R <= rmax), items
 * [itemFrom, itemTo) of (block of GAN4J_CPU_WF_BLOCK / 4 input channels, panel of 16 output channels), panel-major
 * (the last block is short where Cin is not a multiple of 12: panel-major, each half of the items holds the same
 * channels, so an even number of panels splits evenly over 2 threads, and consecutive items reuse the panel's dyh):
 * each item's columns are its channels' 4 phases, so it writes all 16 taps of its (co, ci). Each item runs
 * gan4j_cpu_igemm for its 25 points with `roff` (rmax entries, roff[r] = 8 r), `base` (J entries, base[j] =
 * (j / 8) * rmax * 8 + j % 8) and `ident` (GAN4J_CPU_WF_BLOCK entries, ident[j] = j), then adds its taps to dw;
 * every dw element is one item's, summed in a fixed order.
 */
void gan4j_cpu_wf_gemm(const float* xh, const float* dyh, int cin, int cout, long rmax, int R, const int* roff,
                       const int* base, const int* ident, float* dw, long itemFrom, long itemTo);

#ifdef __cplusplus
}
#endif

#endif
