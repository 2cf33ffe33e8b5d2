// gan4j's native CPU convolution kernels (conv.cpp), bound to Java by org.gan4j.backend.cpu.CpuKernels.
//
// Every convolution pass over a chunk of samples is one "implicit GEMM" over tables of offsets, so no column matrix
// is materialised:
//
//   out[l * outRowStride + outOff[j]] (+)= sum_{r < R} A[l / 16][r][l % 16] * in[base[j] + roff[r]]
//
// for rows l < rows (output channels) and columns j < J (the chunk's output pixels, or filter taps for the weight
// gradient, whose sum then runs over the chunk's samples and pixels). A is packed in panels of 16 rows ([panel][R]
// [16], rows past `rows` zero); `in` is a zero-padded input, so every offset is in range and no bounds are tested in
// the inner loop. The work is cut into items (one panel of 16 rows x one tile of 6 columns), ordered by blocks of
// `blockTiles` tiles, then panel, then tile: all panels pass over one block of columns (whose inputs the caller
// sizes to stay in L2) before the next. A call computes items [itemFrom, itemTo), so the caller (CpuBackend's thread pool) splits the work, and every output
// element is computed by one item in a fixed order: the bits do not depend on the split.
#ifndef GAN4J_CPU_H
#define GAN4J_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/** Rows per panel of A (two AVX2 vectors) and columns per tile. */
#define GAN4J_CPU_PANEL 16
#define GAN4J_CPU_TILE 6

/** 1 when this CPU runs the kernels (x86-64 with AVX2 and FMA), else 0: then no other function may be called. */
int gan4j_cpu_supported(void);

/**
 * Zero-pads planes [from, to) of `src` (planes of h x w, contiguous) into `dst` (planes of hp x wp): plane i's
 * element (y, x) goes to (y + top, x + left), the rest is zero. Needs top + h <= hp and left + w <= wp.
 */
void gan4j_cpu_pad(const float* src, float* dst, int h, int w, int hp, int wp, int top, int left, long from,
                   long to);

/**
 * Packs panels [from, to) of A: dst[panel][r][l % 16] = src[l * ldl + srcOff[r]] for rows l < rows, zero for the
 * panel's rows past `rows`; panel stride R * 16.
 */
void gan4j_cpu_pack(const float* src, long ldl, int rows, const int* srcOff, int R, float* dst, long from, long to);

/**
 * The implicit GEMM above, items [itemFrom, itemTo) of panels x tiles (blocks of blockTiles >= 1 tiles); accumulate
 * = 1 adds to `out`.
 */
void gan4j_cpu_igemm(const float* a, const float* in, const int* roff, int R, const int* base, int J, float* out,
                     long outRowStride, const int* outOff, int rows, int accumulate, int blockTiles, long itemFrom,
                     long itemTo);

#ifdef __cplusplus
}
#endif

#endif
