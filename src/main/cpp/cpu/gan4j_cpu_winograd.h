// Winograd F(4x4, 2x2) kernels for the forward pass and the data gradient of 4x4 / stride-2 / pad-1 convolutions
// (winograd.cpp), bound to Java by org.gan4j.backend.cpu.CpuKernels and driven by WinogradConv.java, whose Javadoc
// derives the method. In short, with x (N, Cin, H, W), w (Cout, Cin, 4, 4), y (N, Cout, H/2, W/2):
//
//   forward:       a 4x4 stride-2 convolution is the sum over the 4 input phases q = (qh, qw) of 2x2 stride-1
//                  correlations of x_pad[2u + qh][2v + qw] with the taps w[2j + qh][2i + qw];
//   data gradient: dx at parity q = (rh, rw) (pixels (8ty + 2i + 1 - rh, 8tx + 2j + 1 - rw)) is a 2x2 stride-1
//                  correlation of dy, zero outside, with the taps w[rh + 2 - 2t][rw + 2 - 2s].
//
// Each 2x2 correlation over 4x4 output tiles is Y = A^T [(G g G^T) (.) (B^T d B)] A (points 0, 1, -1, 2, infinity;
// the matrices are in winograd.cpp), a 5x5 input window d per tile. Summed over channels, every one of the 25 points
// is a GEMM, run by gan4j_cpu_igemm (gan4j_cpu.h):
//
//   mt[g][p][l][col] = sum_{r < K} u[g][p][l][r] v[g][p][col][r]
//
// with groups g (1 forward; 4 data-gradient parities), rows l < M (forward: Cout; data: Cin), reduction r < K over
// the input side's channels padded to Cp, a multiple of 8 (forward: r = q * Cp + ci, K = 4 Cp; data: r = co, K = Cp;
// the padding's taps are zero), columns col = the chunk's tiles (sample-major, then tile row ty, then tile column tx).
// Layouts: the input blocked by 8 channels, xb[sample][Cp / 8][h][w][8]; u[g][p] in panels of 16 rows like
// gan4j_cpu_pack's ([K][16] per panel, formed on the fly, see gan4j_cpu_wino_gemm); v[g][p][col][r] with colStride
// floats per column (so the transform stores 8 channels at once and the GEMM reads each column's reduction
// contiguously) and mt[g][p][l][col] with `stride` floats per row. Each point's block of v (stride * colStride floats)
// and mt (M * stride) is followed by GAN4J_CPU_WINO_SKEW unused floats, so that the 25 points' blocks (powers of two
// apart at the DCGAN shapes) do not fall in the same cache sets. Every function computes items [from, to) and each
// output element is computed by one item, the same way whatever the item's neighbours: the bits do not depend on how
// callers split the items.
#ifndef GAN4J_CPU_WINOGRAD_H
#define GAN4J_CPU_WINOGRAD_H

#ifdef __cplusplus
extern "C" {
#endif

/** Interpolation points per tile (5 x 5) and tiles per vector of the output transform (channels of the input's). */
#define GAN4J_CPU_WINO_POINTS 25
#define GAN4J_CPU_WINO_LANES 8
/** Floats after each point's block of v and mt. */
#define GAN4J_CPU_WINO_SKEW 16
/** Largest reduction K of the GEMMs: the native stack holds one panel of transformed weights, 16 x K floats. */
#define GAN4J_CPU_WINO_MAX_K 2048

/**
 * The weights' taps regrouped for the GEMMs, items [from, to) = (group g, panel) pairs, g * panels + panel:
 * taps[g][panel][r][j * 2 + i][l] = the tap g[j][i] of row l and reduction index r (0 for rows past M and padded
 * channels), with g[j][i] = w[co][ci][2j + qh][2i + qw] forward (row co, r = q * Cp + ci) and
 * w[co][ci][qh + 2 - 2j][qw + 2 - 2i] for the data gradient (row ci, r = co, q = g); data = 0 forward, 1 data
 * gradient.
 */
void gan4j_cpu_wino_taps(const float* w, int cout, int cin, int data, float* taps, long from, long to);

/**
 * The chunk's input (samples of `channels` planes of `plane` floats: x forward, dy for the data gradient) blocked by
 * 8 channels into xb (zero past `channels`), items [from, to) = (sample, block) pairs, sample * ceil(channels / 8) +
 * block.
 */
void gan4j_cpu_wino_block(const float* src, int channels, long plane, float* dst, long from, long to);

/**
 * The transformed input v = B^T d B from xb (planes h x w), items [from, to) = (column, block of 8 channels) pairs,
 * col * ceil(channels / 8) + block, forward (all 4 phases per item), and (parity, column, block) triples,
 * (q * stride + col) * ceil(channels / 8) + block, for the data gradient (so that a parity's group can be transformed
 * right before its GEMMs); the chunk's columns are its samples' tilesY * tilesX tiles.
 */
void gan4j_cpu_wino_input(const float* xb, int channels, int h, int w, int data, int tilesY, int tilesX, long stride,
                          long colStride, float* v, long from, long to);

/**
 * The 25 * groups GEMMs above, items [from, to) = (GEMM, panel) pairs, GEMM * panels + panel: each transforms its
 * panel's weights u[g][p] = G g G^T from `taps` into a buffer on the native stack (K <= GAN4J_CPU_WINO_MAX_K), then
 * runs gan4j_cpu_igemm over all of the chunk's cols columns. Tables: rows[r] = r (K entries), colBase[j] =
 * j * colStride and ident[j] = j (cols entries).
 */
void gan4j_cpu_wino_gemm(const float* taps, const float* v, const int* rows, const int* colBase, const int* ident,
                         int K, int M, long stride, long colStride, int cols, float* mt, long from, long to);

/**
 * The output transform Y = A^T mt A into `out` (the chunk's samples of M channels of oh x ow: forward y, data dx) for
 * items [from, to) = (row l, block of 8 columns) pairs, l * blocks + b. The data gradient's four parities of the 8
 * tiles are transformed together and each row of a tile's 8 x 8 pixels is stored as one vector after an 8 x 8
 * transpose (the forward pass: a pair of 4-pixel rows per vector).
 */
void gan4j_cpu_wino_output(const float* mt, int M, int data, int tilesY, int tilesX, int cols, long stride,
                           float* out, int oh, int ow, long from, long to);

#ifdef __cplusplus
}
#endif

#endif
