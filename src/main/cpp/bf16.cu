/*
 * bf16.cu - conversions between gan4j's float32 NCHW tensors and the bfloat16 buffers that the bf16 precision
 * (org.gan4j.backend.Precision.BF16) hands to cuDNN (NHWC) and cuBLAS (row-major, as stored).
 *
 * Rounding: __float2bfloat16_rn (to nearest, ties to even; NaN stays NaN, overflow goes to infinity), bit for bit the
 * CPU reference's org.gan4j.tensor.BFloat16.round; widening bf16 -> float32 is exact.
 * Shapes: an image tensor is (n, channels, spatial) with spatial = H*W; NHWC is (n, spatial, channels). A filter
 * (Cout, Cin, kH, kW) is the same transpose with n = Cout, channels = Cin, spatial = kH*kW (cuDNN's NHWC filter
 * layout, KRSC).
 * Transposes go through a 32x33 shared tile so that both the read and the write are coalesced.
 */
#include "gan4j_device.cuh"

#include <cuda_bf16.h>

using namespace gan4j;

namespace {

constexpr int kTile = 32;
constexpr int kRows = 8; /* threads per tile column: each thread moves kTile / kRows elements */

__global__ void round_bf16_kernel(const float* src, float* dst, long long n) {
    for (long long i = global_thread(); i < n; i += grid_stride()) {
        dst[i] = __bfloat162float(__float2bfloat16_rn(src[i]));
    }
}

__global__ void to_bf16_kernel(const float* src, __nv_bfloat16* dst, long long n) {
    for (long long i = global_thread(); i < n; i += grid_stride()) {
        dst[i] = __float2bfloat16_rn(src[i]);
    }
}

/* dst (n, spatial, channels) = bf16(src (n, channels, spatial)); grid (spatial tiles, channel tiles, n). */
__global__ void to_bf16_nhwc_kernel(const float* src, int channels, int spatial, __nv_bfloat16* dst) {
    __shared__ float tile[kTile][kTile + 1];
    const long long plane = (long long)channels * spatial;
    const float* s = src + blockIdx.z * plane;
    __nv_bfloat16* d = dst + blockIdx.z * plane;
    const int s0 = blockIdx.x * kTile;
    const int c0 = blockIdx.y * kTile;
    for (int r = threadIdx.y; r < kTile; r += kRows) { /* read along spatial */
        const int c = c0 + r;
        const int sp = s0 + threadIdx.x;
        if (c < channels && sp < spatial) {
            tile[r][threadIdx.x] = s[(long long)c * spatial + sp];
        }
    }
    __syncthreads();
    for (int r = threadIdx.y; r < kTile; r += kRows) { /* write along channels */
        const int sp = s0 + r;
        const int c = c0 + threadIdx.x;
        if (c < channels && sp < spatial) {
            d[(long long)sp * channels + c] = __float2bfloat16_rn(tile[threadIdx.x][r]);
        }
    }
}

/* dst (n, channels, spatial) = float(src (n, spatial, channels)) (+ dst when accumulate). */
__global__ void from_bf16_nhwc_kernel(const __nv_bfloat16* src, int channels, int spatial, int accumulate,
                                      float* dst) {
    __shared__ float tile[kTile][kTile + 1];
    const long long plane = (long long)channels * spatial;
    const __nv_bfloat16* s = src + blockIdx.z * plane;
    float* d = dst + blockIdx.z * plane;
    const int s0 = blockIdx.x * kTile;
    const int c0 = blockIdx.y * kTile;
    for (int r = threadIdx.y; r < kTile; r += kRows) { /* read along channels */
        const int sp = s0 + r;
        const int c = c0 + threadIdx.x;
        if (c < channels && sp < spatial) {
            tile[r][threadIdx.x] = __bfloat162float(s[(long long)sp * channels + c]);
        }
    }
    __syncthreads();
    for (int r = threadIdx.y; r < kTile; r += kRows) { /* write along spatial */
        const int c = c0 + r;
        const int sp = s0 + threadIdx.x;
        if (c < channels && sp < spatial) {
            const long long i = (long long)c * spatial + sp;
            /* the CPU reference adds in this order: dst + converted (Bf16EmulationBackend, axpy with alpha 1) */
            d[i] = accumulate ? d[i] + tile[threadIdx.x][r] : tile[threadIdx.x][r];
        }
    }
}

int check_geometry(int n, int channels, int spatial) {
    /* gridDim.y and gridDim.z are limited to 65535 */
    if (n < 1 || channels < 1 || spatial < 1 || n > 65535 || (channels + kTile - 1) / kTile > 65535) {
        return (int)cudaErrorInvalidValue;
    }
    return 0;
}

}  // namespace

extern "C" {

int gan4j_round_bf16(const float* src, float* dst, long long n, void* stream) {
    round_bf16_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(src, dst, n);
    return launch_status();
}

int gan4j_to_bf16(const float* src, uint16_t* dst, long long n, void* stream) {
    to_bf16_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(src, reinterpret_cast<__nv_bfloat16*>(dst), n);
    return launch_status();
}

int gan4j_to_bf16_nhwc(const float* src, int n, int channels, int spatial, uint16_t* dst, void* stream) {
    if (int status = check_geometry(n, channels, spatial)) {
        return status;
    }
    const dim3 grid((spatial + kTile - 1) / kTile, (channels + kTile - 1) / kTile, n);
    to_bf16_nhwc_kernel<<<grid, dim3(kTile, kRows), 0, as_stream(stream)>>>(src, channels, spatial,
                                                                          reinterpret_cast<__nv_bfloat16*>(dst));
    return launch_status();
}

int gan4j_from_bf16_nhwc(const uint16_t* src, int n, int channels, int spatial, int accumulate, float* dst,
                         void* stream) {
    if (int status = check_geometry(n, channels, spatial)) {
        return status;
    }
    const dim3 grid((spatial + kTile - 1) / kTile, (channels + kTile - 1) / kTile, n);
    from_bf16_nhwc_kernel<<<grid, dim3(kTile, kRows), 0, as_stream(stream)>>>(
        reinterpret_cast<const __nv_bfloat16*>(src), channels, spatial, accumulate, dst);
    return launch_status();
}

}  // extern "C"
