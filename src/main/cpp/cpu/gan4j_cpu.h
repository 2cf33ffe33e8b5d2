// gan4j's native CPU convolution kernels (conv.cpp), bound to Java by org.gan4j.backend.cpu.CpuKernels.
//
// Every convolution pass is one "implicit GEMM" over tables of offsets, so no column matrix is materialised:
//
//   out[s][l * outRowStride + outOff[j]] (+)= sum_{s' in S(s)} sum_{r < R} A[s'][l / 16][r][l % 16] * in[s'][base[j] + roff[r]]
//
// for rows l < rows (output channels) and columns j < J (output pixels, or filter taps for the weight gradient).
// A is packed in panels of 16 rows ([panel][R][16], rows past `rows` zero); `in` is a zero-padded input, so every
// offset is in range and no bounds are tested in the inner loop. S(s) = {s} (forward, backward-data: samples are
// independent) or every sample of the call (weight gradient: the sum runs over the batch too).
//
// The work is cut into items (one panel of 16 rows x one tile of 6 columns, per sample unless the samples are
// summed); a call computes items [itemFrom, itemTo), so the caller (CpuBackend's thread pool) splits the work and
// every output element is computed by one item in a fixed order: the bits do not depend on the split.
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
 * Packs A: dst[s][panel][r][l % 16] = src[s * srcSampleStride + l * ldl + srcOff[r]] for rows l < rows, zero for
 * the panel's rows past `rows`; panel stride R * 16, sample stride panels * R * 16. Items [from, to) are
 * (sample, panel) pairs, sample-major.
 */
void gan4j_cpu_pack(const float* src, long srcSampleStride, long ldl, int rows, const int* srcOff, int R,
                    float* dst, long from, long to);

/**
 * The implicit GEMM above. `a`: packed A ([panels][R][16] per sample, sample stride aSampleStride: 0 when all
 * samples share it); `in`: padded inputs, sample stride
 * inSampleStride; `out`: sample stride outSampleStride (unused when sumSamples), row stride outRowStride.
 * sumSamples = 0: items are (sample, panel, tile), sample-major; 1: items are (panel, tile) and each sums all
 * `samples`. accumulate = 1 adds to `out`, 0 overwrites it.
 */
void gan4j_cpu_igemm(const float* a, long aSampleStride, const float* in, long inSampleStride, const int* roff, int R, const int* base,
                     int J, float* out, long outSampleStride, long outRowStride, const int* outOff, int rows,
                     int samples, int sumSamples, int accumulate, long itemFrom, long itemTo);

#ifdef __cplusplus
}
#endif

#endif
