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

/**
 * Compiles a function for AVX2 + FMA on x86-64, whatever the file's flags (nothing elsewhere): the kernels' one
 * target attribute. Such a function runs only where gan4j_cpu_supported() returned 1.
 */
#if defined(__x86_64__)
#define GAN4J_AVX2 __attribute__((target("avx2,fma")))
#else
#define GAN4J_AVX2
#endif

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

/*
 * Kernels for convolutions with 1-3 channels on the image side (smallconv.cpp): D's first convolution and G's last
 * transposed one. They vectorise over pixels, 8 per vector, with x (N, Cin, H, W), w (Cout, Cin, kH, kW) and
 * y (N, Cout, Ho, Wo) in NCHW. The forward pass and the filter gradient read `xs`, the input zero-padded and split by
 * column phase (gan4j_cpu_pad_columns), through koff[k] = ci * hp * sW * wu + kh * sW * wu + (kw % sW) * wu + kw / sW
 * for the K = Cin * kH * kW taps k = (ci, kh, kw), so that output row oh's input for tap k is the run
 * xs[koff[k] + oh * rowStep + ow], ow < Wo, with rowStep = sH * sW * wu.
 */

/** Floats of the stack buffer holding one item's lowered input: K rows of a block's pixels rounded up to 16. */
#define GAN4J_CPU_SMALL_LOWERED 16384

/**
 * Planes [from, to) of `src` (h x w each) into `dst` (hp rows of s runs of wu floats each): dst[plane][y][rw][u] =
 * src[plane][y - top][u * s + rw - left] inside the source plane, zero outside.
 */
void gan4j_cpu_pad_columns(const float* src, float* dst, int h, int w, int hp, int top, int left, int s, int wu,
                           long from, long to);

/**
 * y[n][co][p] = sum_k w[co * K + k] * xs[n * xsSample + koff[k] + oh * rowStep + ow] (p = oh * Wo + ow), items
 * [itemFrom, itemTo) of (sample n, block of rowsPerItem output rows); needs K * (rowsPerItem * Wo rounded up to 16)
 * <= GAN4J_CPU_SMALL_LOWERED.
 */
void gan4j_cpu_small_forward(const float* w, int cout, int K, const float* xs, const int* koff, long xsSample,
                             long rowStep, int ho, int wo, float* y, int rowsPerItem, long itemFrom, long itemTo);

/**
 * The filter gradient's partial sums: the units (sample n, block of rowsPerUnit output rows), `units` of them in
 * order, are cut into segments of unitsPerSegment; segment g's sums acc[g][co][k][lane] (co rounded up to 4, 8 lanes)
 * = sum over its units' pixels p = 8i + lane of dy[n][co][p] * xs[n * xsSample + koff[k] + oh * rowStep + ow]. Items
 * are segments [segFrom, segTo); same buffer limit as the forward pass.
 */
void gan4j_cpu_small_filter(const float* dy, int cout, int K, const float* xs, const int* koff, long xsSample,
                            long rowStep, int ho, int wo, int rowsPerUnit, long units, long unitsPerSegment,
                            float* acc, long segFrom, long segTo);

/** dw[e] += the sum over segments in order of acc[g][e] (its 8 lanes added pairwise), e = co * K + k in [from, to). */
void gan4j_cpu_small_filter_sum(const float* acc, long segments, int cout, int K, float* dw, long from, long to);

/** Floats after each sample's padded dy that the data gradient's last tiles may read (their unused lanes). */
#define GAN4J_CPU_SMALL_SLACK 96

/**
 * Packs w (cout, cin, kh, kw) for gan4j_cpu_small_data: by groups of stride phases (4 for one channel, 2 for two, 1
 * for three; phase = rh * sw + rw), then co, th < ceil(kh / sh), tw < ceil(kw / sw), phase in the group, ci:
 * w[co][ci][rh + sh*th][rw + sw*tw], zero where that tap is past the kernel. cout * kh' * kw' * sh * sw * cin floats
 * with kh' = ceil(kh / sh), kw' = ceil(kw / sw).
 */
void gan4j_cpu_small_data_pack(const float* w, int cout, int cin, int kh, int kw, int sh, int sw, float* pw);

/**
 * dx (N, cin <= 3, h, wdx) = the data gradient of dy (N, cout, ho, wo), items [itemFrom, itemTo) the samples. Each
 * pads its dy into dyp (sample s at s * (cout * hd * wd + GAN4J_CPU_SMALL_SLACK)) to hd x wd per channel with `top`
 * rows and `left` columns before it, then computes every dx pixel as sum_{co, th, tw} w[co][ci][rh + sh*th][rw +
 * sw*tw] * dyp[co][Q - th + top][Qw - tw + left], with Q = (ih + ph) / sh, rh = (ih + ph) mod sh (Qw, rw likewise),
 * over the grid of (Q, Qw) laid out flat with the padded pitch wd. Needs top = ceil(kh / sh) - 1,
 * left = ceil(kw / sw) - 1, hd >= (h - 1 + ph) / sh + 1 + top, wd >= (wdx - 1 + pwd) / sw + 1 + left, hd >= ho + top,
 * wd >= wo + left; `pw` packed by gan4j_cpu_small_data_pack.
 */
void gan4j_cpu_small_data(const float* dy, float* dyp, int cout, int ho, int wo, int hd, int wd, int top, int left,
                          const float* pw, int cin, int kh, int kw, int sh, int sw, int ph, int pwd, float* dx, int h,
                          int wdx, long itemFrom, long itemTo);

/** Floats of the stack buffer holding a packed tile of dy for gan4j_cpu_small_data_s2: 24 pixels of cout <= 256. */
#define GAN4J_CPU_SMALL_TILE (24 * 256)

/**
 * Packs w (cout, cin, 4, 4) for gan4j_cpu_small_data_s2: pt[g][co][r] = w[co][m] with the tap m = ci * 16 + kh * 4 + kw
 * = 4g + r, for g < 4 * cin; 16 * cin * cout floats.
 */
void gan4j_cpu_small_taps_pack(const float* w, int cout, int cin, float* pt);

/**
 * The data gradient of a 4x4 convolution with stride 2 and padding 1 whose input is exactly twice its output (h = 2
 * ho, wdx = 2 wo: every DCGAN layer), dx (N, cin <= 3, 2 ho, 2 wo) from dy (N, cout, ho, wo), items [itemFrom,
 * itemTo) the samples. In two steps per block of rowsPerBlock dy rows, neither of which pads dy: the tap products
 * T[m][oh][ow] = sum_co w[co][m] * dy[co][oh][ow] for the 16 * cin taps m (a GEMM whose columns are dy's pixels,
 * contiguous in NCHW, 4 taps x 24 pixels of accumulators), then every dx pixel as the sum of its 4 taps' products,
 *   dx[ci][2m][2u]     = (T[1,1][m][u] + T[1,3][m][u-1]) + (T[3,1][m-1][u] + T[3,3][m-1][u-1]),
 *   dx[ci][2m][2u+1]   = (T[1,0][m][u+1] + T[1,2][m][u]) + (T[3,0][m-1][u+1] + T[3,2][m-1][u]),
 *   dx[ci][2m+1][2u]   = (T[0,1][m+1][u] + T[0,3][m+1][u-1]) + (T[2,1][m][u] + T[2,3][m][u-1]),
 *   dx[ci][2m+1][2u+1] = (T[0,0][m+1][u+1] + T[0,2][m+1][u]) + (T[2,0][m][u+1] + T[2,2][m][u])
 * (T[kh,kw] for the tap ci * 16 + kh * 4 + kw; rows and columns outside dy's read as zero), the even and odd columns
 * interleaved in registers and stored as whole vectors. The products of a block stay in a buffer on the native stack:
 * needs 16 * cin * ceil8(8 + (rowsPerBlock + 1) * wo + 24) <= GAN4J_CPU_SMALL_LOWERED; `pt` packed by
 * gan4j_cpu_small_taps_pack; cout <= 256 (GAN4J_CPU_SMALL_TILE).
 */
void gan4j_cpu_small_data_s2(const float* dy, int cout, int ho, int wo, const float* pt, int cin, float* dx,
                             int rowsPerBlock, long itemFrom, long itemTo);

/**
 * The filter gradient's partial sums for a 4x4 convolution with stride 2 (any padding ph, pw), x (N, cin <= 3, h, w)
 * and dy (N, cout, ho, wo) unpadded: the units (sample n, block of rowsPerUnit output rows), `units` of them in order,
 * are cut into segments of unitsPerSegment; segment g's sums acc[g][co][m] (cout * 16cin floats) = sum over its units'
 * pixels p in order of dy[n][co][p] * x[n][ci][2oh - ph + kh][2ow - pw + kw] for the tap m = ci * 16 + kh * 4 + kw
 * (zero outside x). Each unit's taps are gathered pixel-major (the padding done by the gather) into a buffer on the
 * native stack, then multiplied with the taps as the vector lanes: the accumulators stay in registers over a unit's
 * pixels. Needs rowsPerUnit * wo * 16 * cin <= GAN4J_CPU_SMALL_LOWERED. Items are segments [segFrom, segTo).
 */
void gan4j_cpu_small_filter_s2(const float* x, const float* dy, int cin, int h, int w, int cout, int ho, int wo,
                               int ph, int pw, int rowsPerUnit, long units, long unitsPerSegment, float* acc,
                               long segFrom, long segTo);

/** dw[e] += the sum over segments in order of acc[g * segFloats + e], e in [from, to). */
void gan4j_cpu_small_sum_segments(const float* acc, long segments, long segFloats, float* dw, long from, long to);

#ifdef __cplusplus
}
#endif

#endif
