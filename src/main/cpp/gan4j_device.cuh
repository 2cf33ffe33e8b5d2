/*
 * gan4j_device.cuh - device helpers shared by gan4j's kernel files (not part of the Java-facing interface).
 *
 * - Activations and their derivatives from the output, in float, matching org.gan4j.backend.Activation.
 * - Launch geometry: grid-stride loops sized from the SM count, vectorised (float4) paths when pointers are 16-byte
 *   aligned.
 * - Deterministic reductions: per-thread double accumulators, warp shuffles, one partial per block, and a finishing
 *   pass that adds the partials in a fixed order (the same input on the same GPU always gives the same bits).
 * - Per-channel reductions over (n, channels, spatial) tensors split over several blocks per channel, so a channel
 *   with many values does not serialise on one block.
 * - Philox4x32-10, word for word as org.gan4j.backend.Philox.
 */
#ifndef GAN4J_DEVICE_CUH
#define GAN4J_DEVICE_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "gan4j_kernels.h"

namespace gan4j {

constexpr int kThreads = 256;
/* Most blocks one flat reduction uses: its partials live in scratch. */
constexpr int kSumBlocks = 1024;
/* Most (channel, split) partial pairs of one per-channel reduction: scratch[0, 2 * kChannelPartials). */
constexpr long long kChannelPartials = 8192;
/* Per-channel coefficients follow the partials: scratch[2 * kChannelPartials, + kChannelSlots * channels). */
constexpr long long kChannelSlots = 4;

inline double* channel_coefficients(double* scratch) {
    return scratch + 2 * kChannelPartials;
}
/* Most (channel, split) partial pairs of a bf16 NHWC per-channel reduction (batchnorm.cu), after the coefficients:
 * enough splits to fill the GPU at 512 channels. */
constexpr long long kWidePartials = 65536;
inline double* wide_partials(double* scratch, long long channels) {
    return channel_coefficients(scratch) + kChannelSlots * channels;
}

/* ---------------------------------------------------------------- launch geometry (host) */

inline int sm_count() {
    int device = 0;
    int count = 0;
    if (cudaGetDevice(&device) != cudaSuccess
            || cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess
            || count < 1) {
        cudaGetLastError(); /* the launch that follows reports the real problem */
        return 1;
    }
    return count;
}

/* Blocks for a grid-stride loop over `items` work items: enough to fill the GPU, no more than needed. */
inline unsigned grid_for(long long items) {
    long long blocks = (items + kThreads - 1) / kThreads;
    long long cap = 32LL * sm_count();
    if (blocks > cap) blocks = cap;
    return (unsigned)(blocks < 1 ? 1 : blocks);
}

inline bool aligned16(const void* p) {
    return ((uintptr_t)p & 15u) == 0;
}

inline cudaStream_t as_stream(void* stream) {
    return (cudaStream_t)stream;
}

/* Status of the launches just made (cudaGetLastError also reports earlier asynchronous faults). */
inline int launch_status() {
    return (int)cudaGetLastError();
}

/*
 * Launches an elementwise kernel template<bool VEC> over n items: vec_kernel (its VEC = true instantiation, float4
 * loads and stores, a quarter of the threads) when vec, else scalar_kernel, with a grid-stride grid; returns
 * launch_status().
 */
template <class... Params, class... Args>
int launch_vec(bool vec, long long n, void* stream, void (*vec_kernel)(Params...), void (*scalar_kernel)(Params...),
               Args... args) {
    const unsigned grid = grid_for(vec ? (n >> 2) + 1 : n);
    (vec ? vec_kernel : scalar_kernel)<<<grid, kThreads, 0, as_stream(stream)>>>(args...);
    return launch_status();
}

/* ---------------------------------------------------------------- activations (device) */

__device__ __forceinline__ float activate(float x, int act, float slope) {
    switch (act) {
        case GAN4J_ACT_RELU: return x > 0.f ? x : 0.f;
        case GAN4J_ACT_LEAKY_RELU: return x > 0.f ? x : slope * x;
        case GAN4J_ACT_TANH: return tanhf(x);
        case GAN4J_ACT_SIGMOID: {
            /* stable on both sides, as Activation.apply */
            if (x >= 0.f) return 1.f / (1.f + expf(-x));
            float e = expf(x);
            return e / (1.f + e);
        }
        default: return x;
    }
}

/* d act / d x expressed through y = act(x), as Activation.derivativeFromOutput. */
__device__ __forceinline__ float activation_derivative(float y, int act, float slope) {
    switch (act) {
        case GAN4J_ACT_RELU: return y > 0.f ? 1.f : 0.f;
        case GAN4J_ACT_LEAKY_RELU: return y > 0.f ? 1.f : slope;
        case GAN4J_ACT_TANH: return 1.f - y * y;
        case GAN4J_ACT_SIGMOID: return y * (1.f - y);
        default: return 1.f;
    }
}

/* ---------------------------------------------------------------- grid-stride loops (device) */

/* Channel of flat element i of a (n, channels, spatial) tensor; tensors hold fewer than 2^31 elements. */
__device__ __forceinline__ int channel_of(long long i, int spatial, int channels) {
    return (int)(((unsigned)i / (unsigned)spatial) % (unsigned)channels);
}

__device__ __forceinline__ long long global_thread() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long grid_stride() {
    return (long long)gridDim.x * blockDim.x;
}

/*
 * Visits indices [0, n): with VEC, quads q (elements 4q..4q+3) through vec4(q) while whole quads remain, then the
 * tail through scalar(i); without VEC every index through scalar(i).
 */
template <bool VEC, class Scalar, class Vec4>
__device__ __forceinline__ void for_each_index(long long n, Scalar scalar, Vec4 vec4) {
    const long long start = global_thread();
    const long long stride = grid_stride();
    long long done = 0;
    if (VEC) {
        const long long quads = n >> 2;
        for (long long q = start; q < quads; q += stride) {
            vec4(q);
        }
        done = quads << 2;
    }
    for (long long i = done + start; i < n; i += stride) {
        scalar(i);
    }
}

/* ---------------------------------------------------------------- reductions (device) */

__device__ __forceinline__ double warp_sum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

/*
 * Sums K values over the whole block (any shape, a multiple of 32 threads, at most 1024); the sums are valid in
 * the first warp. Every thread of the block must call it.
 */
template <int K>
__device__ __forceinline__ void block_sum(double (&v)[K]) {
    __shared__ double warp_sums[K][32];
    const int tid = threadIdx.x + threadIdx.y * blockDim.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int warps = (blockDim.x * blockDim.y + 31) >> 5;
#pragma unroll
    for (int k = 0; k < K; k++) {
        v[k] = warp_sum(v[k]);
    }
    if (lane == 0) {
#pragma unroll
        for (int k = 0; k < K; k++) {
            warp_sums[k][warp] = v[k];
        }
    }
    __syncthreads();
    if (warp == 0) {
#pragma unroll
        for (int k = 0; k < K; k++) {
            v[k] = warp_sum(lane < warps ? warp_sums[k][lane] : 0.0);
        }
    }
    __syncthreads();
}

/*
 * Flat sum reduction. Op supplies `double element(long long i) const` (may also write outputs for i) and
 * `void finish(double sum) const` (called once, by one thread, with the total).
 */
template <class Op>
__global__ void sum_reduce_kernel(Op op, long long n, double* partials) {
    double acc[1] = {0.0};
    for (long long i = global_thread(); i < n; i += grid_stride()) {
        acc[0] += op.element(i);
    }
    block_sum<1>(acc);
    if (threadIdx.x == 0) {
        if (gridDim.x == 1) {
            op.finish(acc[0]);
        } else {
            partials[blockIdx.x] = acc[0];
        }
    }
}

template <class Op>
__global__ void sum_finish_kernel(Op op, int count, const double* partials) {
    double acc[1] = {0.0};
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        acc[0] += partials[i];
    }
    block_sum<1>(acc);
    if (threadIdx.x == 0) {
        op.finish(acc[0]);
    }
}

template <class Op>
int launch_sum_reduce(const Op& op, long long n, double* scratch, cudaStream_t stream) {
    long long blocks = (n + kThreads * 8LL - 1) / (kThreads * 8LL);
    long long cap = 4LL * sm_count();
    if (cap > kSumBlocks) cap = kSumBlocks;
    if (blocks > cap) blocks = cap;
    if (blocks < 1) blocks = 1;
    sum_reduce_kernel<Op><<<(unsigned)blocks, kThreads, 0, stream>>>(op, n, scratch);
    if (blocks > 1) {
        sum_finish_kernel<Op><<<1, kThreads, 0, stream>>>(op, (int)blocks, scratch);
    }
    return launch_status();
}

/*
 * Per-channel reduction over a (n, channels, spatial) tensor, two sums per channel. Op supplies
 * `void element(long long i, int c, double& a, double& b) const` (visits element i of channel c; may write outputs
 * for i) and `void finish(int c, double a, double b) const` (called once per channel with its sums).
 *
 * spatial > 1 ("planes"): block (c, split) walks samples [n0, n1) of channel c, 256 threads over (sample, position).
 * spatial == 1 ("columns", (N, C) inputs): a block covers 32 adjacent channels (coalesced) and 8 row lanes.
 * With more than one split per channel, partial sums go to scratch and channel_finish_kernel adds them in order.
 */
template <class Op>
__global__ void channel_reduce_planes_kernel(Op op, int n, int channels, int spatial, int splits, double* partials) {
    const int c = blockIdx.x;
    const int split = blockIdx.y;
    const int n0 = (int)((long long)n * split / splits);
    const int n1 = (int)((long long)n * (split + 1) / splits);
    const unsigned items = (unsigned)(n1 - n0) * (unsigned)spatial;
    const unsigned span = (unsigned)spatial;
    double acc[2] = {0.0, 0.0};
    for (unsigned j = threadIdx.x; j < items; j += blockDim.x) {
        const unsigned row = j / span;
        const unsigned s = j - row * span;
        const long long i = ((long long)(n0 + (int)row) * channels + c) * spatial + s;
        op.element(i, c, acc[0], acc[1]);
    }
    block_sum<2>(acc);
    if (threadIdx.x == 0) {
        if (splits == 1) {
            op.finish(c, acc[0], acc[1]);
        } else {
            const long long slot = (long long)c * splits + split;
            partials[2 * slot] = acc[0];
            partials[2 * slot + 1] = acc[1];
        }
    }
}

constexpr int kColumnsX = 32;
constexpr int kColumnsY = 8;

template <class Op>
__global__ void channel_reduce_columns_kernel(Op op, int n, int channels, int splits, double* partials) {
    __shared__ double sums[2][kColumnsY][kColumnsX + 1];
    const int c = blockIdx.x * kColumnsX + threadIdx.x;
    const int split = blockIdx.y;
    const int n0 = (int)((long long)n * split / splits);
    const int n1 = (int)((long long)n * (split + 1) / splits);
    double a = 0.0;
    double b = 0.0;
    if (c < channels) {
        for (int row = n0 + (int)threadIdx.y; row < n1; row += kColumnsY) {
            op.element((long long)row * channels + c, c, a, b);
        }
    }
    sums[0][threadIdx.y][threadIdx.x] = a;
    sums[1][threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && c < channels) {
        for (int r = 1; r < kColumnsY; r++) {
            a += sums[0][r][threadIdx.x];
            b += sums[1][r][threadIdx.x];
        }
        if (splits == 1) {
            op.finish(c, a, b);
        } else {
            const long long slot = (long long)c * splits + split;
            partials[2 * slot] = a;
            partials[2 * slot + 1] = b;
        }
    }
}

template <class Op>
__global__ void channel_finish_kernel(Op op, int channels, int splits, const double* partials) {
    for (long long c = global_thread(); c < channels; c += grid_stride()) {
        double a = 0.0;
        double b = 0.0;
        for (int k = 0; k < splits; k++) {
            const long long slot = c * splits + k;
            a += partials[2 * slot];
            b += partials[2 * slot + 1];
        }
        op.finish((int)c, a, b);
    }
}

template <class Op>
int launch_channel_reduce(const Op& op, int n, int channels, int spatial, double* scratch, cudaStream_t stream) {
    const long long target_blocks = 2LL * sm_count();
    const long long max_splits_by_scratch = kChannelPartials / channels > 0 ? kChannelPartials / channels : 1;
    long long splits;
    if (spatial == 1) {
        const long long groups = (channels + kColumnsX - 1) / kColumnsX;
        splits = (target_blocks + groups - 1) / groups;
        const long long by_rows = (n + 4LL * kColumnsY - 1) / (4LL * kColumnsY); /* >= 4 rows per lane */
        if (splits > by_rows) splits = by_rows;
        if (splits > max_splits_by_scratch) splits = max_splits_by_scratch;
        if (splits > 65535) splits = 65535;
        if (splits < 1) splits = 1;
        dim3 grid((unsigned)groups, (unsigned)splits);
        dim3 block(kColumnsX, kColumnsY);
        channel_reduce_columns_kernel<Op><<<grid, block, 0, stream>>>(op, n, channels, (int)splits, scratch);
    } else {
        splits = (target_blocks + channels - 1) / channels;
        const long long by_work = ((long long)n * spatial) / (4LL * kThreads); /* >= 4 values per thread */
        if (splits > by_work) splits = by_work;
        if (splits > n) splits = n;
        if (splits > max_splits_by_scratch) splits = max_splits_by_scratch;
        if (splits > 65535) splits = 65535;
        if (splits < 1) splits = 1;
        dim3 grid((unsigned)channels, (unsigned)splits);
        channel_reduce_planes_kernel<Op><<<grid, kThreads, 0, stream>>>(op, n, channels, spatial, (int)splits,
                                                                        scratch);
    }
    if (splits > 1) {
        channel_finish_kernel<Op><<<grid_for(channels), kThreads, 0, stream>>>(op, channels, (int)splits, scratch);
    }
    return launch_status();
}

/* ---------------------------------------------------------------- Philox4x32-10 (device) */

__device__ __forceinline__ uint4 philox_block(unsigned long long seed, unsigned long long counter) {
    const uint32_t kM0 = 0xD2511F53u;
    const uint32_t kM1 = 0xCD9E8D57u;
    const uint32_t kW0 = 0x9E3779B9u;
    const uint32_t kW1 = 0xBB67AE85u;
    uint32_t k0 = (uint32_t)seed;
    uint32_t k1 = (uint32_t)(seed >> 32);
    uint32_t c0 = (uint32_t)counter;
    uint32_t c1 = (uint32_t)(counter >> 32);
    uint32_t c2 = 0;
    uint32_t c3 = 0;
#pragma unroll
    for (int round = 0; round < 10; round++) {
        const uint32_t hi0 = __umulhi(kM0, c0);
        const uint32_t lo0 = kM0 * c0;
        const uint32_t hi1 = __umulhi(kM1, c2);
        const uint32_t lo1 = kM1 * c2;
        const uint32_t n0 = hi1 ^ c1 ^ k0;
        const uint32_t n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += kW0;
        k1 += kW1;
    }
    return make_uint4(c0, c1, c2, c3);
}

/* A word mapped to [0, 1) with 24 bits (exact in float), as Philox.uniform. */
__device__ __forceinline__ float uniform24(uint32_t word) {
    return (float)(word >> 8) * 0x1p-24f;
}

/* A word mapped to (0, 1] with 24 bits (exact in float), as Philox.uniformOpenZero. */
__device__ __forceinline__ float uniform24_open_zero(uint32_t word) {
    return (float)((word >> 8) + 1u) * 0x1p-24f;
}

__device__ __forceinline__ uint32_t word_of(const uint4& w, int k) {
    return k == 0 ? w.x : k == 1 ? w.y : k == 2 ? w.z : w.w;
}

}  // namespace gan4j

#endif /* GAN4J_DEVICE_CUH */
