/*
 * batchnorm.cu - batch normalisation fused with an activation: training forward (statistics, normalisation,
 * activation, running statistics), training backward, eval forward, eval backward.
 *
 * Shapes: x, y, dy, dx: (n, channels, spatial) (spatial = H*W for BatchNorm2d, 1 for BatchNorm1d on (N, C));
 * gamma, beta, running_mean, running_var, save_mean, save_inv_std, dgamma, dbeta: (channels).
 * beta, running_mean/var (train), dgamma and dbeta may be NULL. Statistics per channel over m = n * spatial values.
 * Contract (org.gan4j.backend.Backend):
 *   train forward  mean = sum x / m, var = sum (x - mean)^2 / m (biased), inv_std = 1 / sqrt(var + eps),
 *                  y = act(gamma * (x - mean) * inv_std + beta); save_mean, save_inv_std overwritten;
 *                  running_mean = (1 - momentum) running_mean + momentum mean,
 *                  running_var  = (1 - momentum) running_var + momentum var * m / (m - 1)   (PyTorch's semantics)
 *   train backward dz = dy * act'(y), xhat = (x - save_mean) * save_inv_std,
 *                  dx = gamma * inv_std / m * (m dz - sum dz - xhat sum(dz xhat))   (overwritten)
 *                  dgamma += sum dz xhat, dbeta += sum dz
 *   eval forward   y = act(gamma * (x - running_mean) / sqrt(running_var + eps) + beta)
 *   eval backward  dx = dz * gamma / sqrt(running_var + eps); dgamma += sum dz xhat; dbeta += sum dz
 * CPU reference: CpuBackend.doBatchNorm{Train,Eval}{Forward,Backward}, all in double with a two-pass variance.
 * Here the per-channel sums are accumulated in double (sum and sum of squares: var = E[x^2] - mean^2 in double
 * loses nothing visible in float unless |mean| / std exceeds ~1e4), the elementwise passes are float.
 * Reductions split each channel over several blocks (see launch_channel_reduce) and are deterministic.
 */
#include "gan4j_device.cuh"

#include <cuda_bf16.h>

using namespace gan4j;

namespace {

/* Statistics of the training forward pass; finish writes save_mean, save_inv_std and the running statistics. */
struct BatchNormTrainForwardStats {
    const float* x;
    double count;
    float eps;
    float momentum;
    float* running_mean;
    float* running_var;
    float* save_mean;
    float* save_inv_std;
    __device__ void element(long long i, int, double& sum, double& sum_sq) const {
        const double v = x[i];
        sum += v;
        sum_sq += v * v;
    }
    __device__ void finish(int c, double sum, double sum_sq) const {
        const double mean = sum / count;
        double var = sum_sq / count - mean * mean;
        if (var < 0.0) var = 0.0;
        save_mean[c] = (float)mean;
        save_inv_std[c] = (float)(1.0 / sqrt(var + (double)eps));
        const double m = momentum;
        if (running_mean != nullptr) {
            running_mean[c] = (float)((1.0 - m) * running_mean[c] + m * mean);
        }
        if (running_var != nullptr) {
            running_var[c] = (float)((1.0 - m) * running_var[c] + m * var * count / (count - 1.0));
        }
    }
};

/*
 * y = act(gamma * (x - mean) * inv_std + beta); TRAIN reads mean and inv_std as saved by the statistics pass, eval
 * (TRAIN false) takes the running statistics (`mean`, `var`) and computes inv_std = 1 / sqrt(var + eps).
 */
template <bool VEC, bool TRAIN>
__global__ void batchnorm_forward_kernel(const float* x, const float* gamma, const float* beta, const float* mean,
                                         const float* stat, float eps, long long total, int channels, int spatial,
                                         int act, float slope, float* y) {
    auto params = [&](long long i, float& scale, float& shift, float& m) {
        const int c = channel_of(i, spatial, channels);
        const float inv_std = TRAIN ? stat[c] : 1.f / sqrtf(stat[c] + eps);
        scale = gamma[c] * inv_std;
        shift = beta == nullptr ? 0.f : beta[c];
        m = mean[c];
    };
    for_each_index<VEC>(
        total,
        [&](long long i) {
            float scale, shift, m;
            params(i, scale, shift, m);
            y[i] = activate(scale * (x[i] - m) + shift, act, slope);
        },
        [&](long long q) {
            float scale, shift, m;
            params(q << 2, scale, shift, m);
            const float4 v = reinterpret_cast<const float4*>(x)[q];
            reinterpret_cast<float4*>(y)[q] =
                make_float4(activate(scale * (v.x - m) + shift, act, slope),
                            activate(scale * (v.y - m) + shift, act, slope),
                            activate(scale * (v.z - m) + shift, act, slope),
                            activate(scale * (v.w - m) + shift, act, slope));
        });
}

/* Sums of the training backward pass; finish accumulates dgamma/dbeta and stores dx's per-channel coefficients. */
struct BatchNormTrainBackwardStats {
    const float* x;
    const float* y;
    const float* dy;
    const float* gamma;
    const float* save_mean;
    const float* save_inv_std;
    int act;
    float slope;
    double count;
    float* dgamma;
    float* dbeta;
    double* coefficients; /* per channel: gamma*inv_std, k*sum dz, k*sum dz xhat with k = gamma*inv_std/m */
    __device__ void element(long long i, int c, double& sum_dz, double& sum_dz_xhat) const {
        const float dz = dy[i] * activation_derivative(y[i], act, slope);
        const float xhat = (x[i] - save_mean[c]) * save_inv_std[c];
        sum_dz += dz;
        sum_dz_xhat += (double)dz * xhat;
    }
    __device__ void finish(int c, double sum_dz, double sum_dz_xhat) const {
        const double g = (double)gamma[c] * save_inv_std[c];
        const double k = g / count;
        coefficients[kChannelSlots * c] = g;
        coefficients[kChannelSlots * c + 1] = k * sum_dz;
        coefficients[kChannelSlots * c + 2] = k * sum_dz_xhat;
        if (dgamma != nullptr) dgamma[c] = (float)((double)dgamma[c] + sum_dz_xhat);
        if (dbeta != nullptr) dbeta[c] = (float)((double)dbeta[c] + sum_dz);
    }
};

/* dx = g dz - k sum dz - xhat k sum(dz xhat), with the coefficients from BatchNormTrainBackwardStats. */
template <bool VEC>
__global__ void batchnorm_train_backward_kernel(const float* x, const float* y, const float* dy,
                                                const float* save_mean, const float* save_inv_std,
                                                const double* coefficients, long long total, int channels,
                                                int spatial, int act, float slope, float* dx) {
    auto one = [&](int c, float xv, float yv, float g) {
        const float dz = g * activation_derivative(yv, act, slope);
        const float xhat = (xv - save_mean[c]) * save_inv_std[c];
        const double* k = coefficients + kChannelSlots * c;
        return (float)k[0] * dz - (float)k[1] - xhat * (float)k[2];
    };
    for_each_index<VEC>(
        total,
        [&](long long i) { dx[i] = one(channel_of(i, spatial, channels), x[i], y[i], dy[i]); },
        [&](long long q) {
            const int c = channel_of(q << 2, spatial, channels);
            const float4 xv = reinterpret_cast<const float4*>(x)[q];
            const float4 yv = reinterpret_cast<const float4*>(y)[q];
            const float4 g = reinterpret_cast<const float4*>(dy)[q];
            reinterpret_cast<float4*>(dx)[q] = make_float4(one(c, xv.x, yv.x, g.x), one(c, xv.y, yv.y, g.y),
                                                           one(c, xv.z, yv.z, g.z), one(c, xv.w, yv.w, g.w));
        });
}

/* Eval backward in one pass: dx written elementwise while dgamma/dbeta sums are reduced. */
struct BatchNormEvalBackwardOp {
    const float* x;
    const float* y;
    const float* dy;
    const float* gamma;
    const float* running_mean;
    const float* running_var;
    float eps;
    int act;
    float slope;
    float* dx;
    float* dgamma;
    float* dbeta;
    __device__ void element(long long i, int c, double& sum_dz, double& sum_dz_xhat) const {
        const float inv_std = 1.f / sqrtf(running_var[c] + eps);
        const float dz = dy[i] * activation_derivative(y[i], act, slope);
        const float xhat = (x[i] - running_mean[c]) * inv_std;
        dx[i] = gamma[c] * inv_std * dz;
        sum_dz += dz;
        sum_dz_xhat += (double)dz * xhat;
    }
    __device__ void finish(int c, double sum_dz, double sum_dz_xhat) const {
        if (dgamma != nullptr) dgamma[c] = (float)((double)dgamma[c] + sum_dz_xhat);
        if (dbeta != nullptr) dbeta[c] = (float)((double)dbeta[c] + sum_dz);
    }
};

template <bool TRAIN>
int launch_forward(const float* x, const float* gamma, const float* beta, const float* mean, const float* stat,
                   float eps, int n, int channels, int spatial, int act, float slope, float* y, cudaStream_t stream) {
    const long long total = (long long)n * channels * spatial;
    const bool vec = spatial % 4 == 0 && aligned16(x) && aligned16(y);
    const unsigned grid = grid_for(vec ? (total >> 2) + 1 : total);
    if (vec) {
        batchnorm_forward_kernel<true, TRAIN><<<grid, kThreads, 0, stream>>>(x, gamma, beta, mean, stat, eps, total,
                                                                             channels, spatial, act, slope, y);
    } else {
        batchnorm_forward_kernel<false, TRAIN><<<grid, kThreads, 0, stream>>>(x, gamma, beta, mean, stat, eps, total,
                                                                              channels, spatial, act, slope, y);
    }
    return launch_status();
}


/* ---------------------------------------------------------------- bf16 NHWC (Precision.BF16's resident activations)
 * x, y, dy, dx: bfloat16 (rows, channels) with rows = n * H * W (NHWC), channels a multiple of 8, 16-byte aligned:
 * every thread moves 8 channels of one row with one 16-byte load or store. Statistics and sums in double, as above;
 * the elementwise passes compute in float and round the result to bf16 (to nearest even) once, on the store. */

constexpr int kVec = 8; /* bf16 values per 16-byte access */

__device__ __forceinline__ void load8(const __nv_bfloat16* p, float (&v)[kVec]) {
    const uint4 raw = *reinterpret_cast<const uint4*>(p);
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
    for (int k = 0; k < kVec / 2; k++) {
        const float2 f = __bfloat1622float2(h[k]);
        v[2 * k] = f.x;
        v[2 * k + 1] = f.y;
    }
}

__device__ __forceinline__ void store8(__nv_bfloat16* p, const float (&v)[kVec]) {
    uint4 raw;
    __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
    for (int k = 0; k < kVec / 2; k++) {
        h[k] = __floats2bfloat162_rn(v[2 * k], v[2 * k + 1]);
    }
    *reinterpret_cast<uint4*>(p) = raw;
}

/*
 * Per-channel sums of Op over NHWC rows: a block of kThreads is `group_threads` channel groups of 8 side by side
 * (coalesced 16-byte loads along a row) times kThreads / group_threads lanes down the rows; blockIdx.y splits the
 * rows. Lane sums meet in shared memory; partials as launch_channel_reduce's (channel_finish_kernel adds them).
 */
template <class Op>
__global__ void __launch_bounds__(kThreads, 1)
channel_reduce_nhwc8_kernel(Op op, long long rows, int channels, int group_threads, int splits, double* partials) {
    __shared__ double sums[kThreads][2 * kVec];
    const int gx = threadIdx.x % group_threads;
    const int lane = threadIdx.x / group_threads;
    const int lanes = kThreads / group_threads;
    const int c0 = (blockIdx.x * group_threads + gx) * kVec;
    const long long r0 = rows * blockIdx.y / splits;
    const long long r1 = rows * (blockIdx.y + 1) / splits;
    double a[kVec] = {};
    double b[kVec] = {};
    const bool active = c0 < channels && lane < lanes;
    if (active) {
#pragma unroll 4 /* four rows' loads in flight per thread */
        for (long long r = r0 + lane; r < r1; r += lanes) {
            op.element8(r * channels + c0, c0, a, b);
        }
    }
#pragma unroll
    for (int k = 0; k < kVec; k++) {
        sums[threadIdx.x][k] = a[k];
        sums[threadIdx.x][kVec + k] = b[k];
    }
    __syncthreads();
    if (lane != 0 || c0 >= channels) return;
    for (int l = 1; l < lanes; l++) {
#pragma unroll
        for (int k = 0; k < kVec; k++) {
            a[k] += sums[l * group_threads + gx][k];
            b[k] += sums[l * group_threads + gx][kVec + k];
        }
    }
#pragma unroll
    for (int k = 0; k < kVec; k++) {
        if (splits == 1) {
            op.finish(c0 + k, a[k], b[k]);
        } else {
            const long long slot = (long long)(c0 + k) * splits + blockIdx.y;
            partials[2 * slot] = a[k];
            partials[2 * slot + 1] = b[k];
        }
    }
}

/* Blocks of at most 16 channel groups (128 channels) by >= 16 lanes, about 4 blocks per SM in all. Partials in the
 * scratch's wide region (wide_partials), so that many splits fit at 512 channels. */
template <class Op>
int launch_channel_reduce_nhwc8(const Op& op, long long rows, int channels, double* scratch, cudaStream_t stream) {
    constexpr int kMaxGroupsPerBlock = 16;
    const int groups = channels / kVec;
    const int group_threads = groups < kMaxGroupsPerBlock ? groups : kMaxGroupsPerBlock;
    const int lanes = kThreads / group_threads;
    const long long blocks_x = (groups + group_threads - 1) / group_threads;
    long long splits = (4LL * sm_count() + blocks_x - 1) / blocks_x;
    const long long by_rows = rows / (4LL * lanes); /* >= 4 rows per lane */
    if (splits > by_rows) splits = by_rows;
    if (splits > kWidePartials / channels) splits = kWidePartials / channels;
    if (splits > 65535) splits = 65535;
    if (splits < 1) splits = 1;
    double* partials = wide_partials(scratch, channels);
    channel_reduce_nhwc8_kernel<Op><<<dim3((unsigned)blocks_x, (unsigned)splits), kThreads, 0, stream>>>(
        op, rows, channels, group_threads, (int)splits, partials);
    if (splits > 1) {
        channel_finish_kernel<Op><<<grid_for(channels), kThreads, 0, stream>>>(op, channels, (int)splits, partials);
    }
    return launch_status();
}

struct Bf16NhwcForwardStats {
    const __nv_bfloat16* x;
    BatchNormTrainForwardStats stats; /* its finish; its x is unused */
    __device__ void element8(long long i, int, double (&sum)[kVec], double (&sum_sq)[kVec]) const {
        float v[kVec];
        load8(x + i, v);
#pragma unroll
        for (int k = 0; k < kVec; k++) {
            sum[k] += v[k];
            sum_sq[k] += (double)v[k] * v[k];
        }
    }
    __device__ void finish(int c, double sum, double sum_sq) const { stats.finish(c, sum, sum_sq); }
};

struct Bf16NhwcBackwardStats {
    const __nv_bfloat16* x;
    const __nv_bfloat16* y;
    const __nv_bfloat16* dy;
    BatchNormTrainBackwardStats stats; /* its finish and per-channel arguments; its x, y, dy are unused */
    __device__ void element8(long long i, int c0, double (&sum_dz)[kVec], double (&sum_dz_xhat)[kVec]) const {
        float xv[kVec], yv[kVec], g[kVec];
        load8(x + i, xv);
        load8(y + i, yv);
        load8(dy + i, g);
#pragma unroll
        for (int k = 0; k < kVec; k++) {
            const float dz = g[k] * activation_derivative(yv[k], stats.act, stats.slope);
            const float xhat = (xv[k] - stats.save_mean[c0 + k]) * stats.save_inv_std[c0 + k];
            sum_dz[k] += dz;
            sum_dz_xhat[k] += (double)dz * xhat;
        }
    }
    __device__ void finish(int c, double a, double b) const { stats.finish(c, a, b); }
};

/* y = bf16(act(gamma * inv_std * (x - mean) + beta)), as batchnorm_forward_kernel<*, true>. */
__global__ void batchnorm_forward_nhwc8_kernel(const __nv_bfloat16* x, const float* gamma, const float* beta,
                                               const float* mean, const float* inv_std, long long vectors,
                                               int channels, int act, float slope, __nv_bfloat16* y) {
    for (long long q = global_thread(); q < vectors; q += grid_stride()) {
        const int c0 = (int)((q * kVec) % channels);
        float v[kVec];
        load8(x + q * kVec, v);
#pragma unroll
        for (int k = 0; k < kVec; k++) {
            const int c = c0 + k;
            const float scale = gamma[c] * inv_std[c];
            const float shift = beta == nullptr ? 0.f : beta[c];
            v[k] = activate(scale * (v[k] - mean[c]) + shift, act, slope);
        }
        store8(y + q * kVec, v);
    }
}

/* dx = bf16(g dz - k sum dz - xhat k sum(dz xhat)), as batchnorm_train_backward_kernel. */
__global__ void batchnorm_train_backward_nhwc8_kernel(const __nv_bfloat16* x, const __nv_bfloat16* y,
                                                      const __nv_bfloat16* dy, const float* save_mean,
                                                      const float* save_inv_std, const double* coefficients,
                                                      long long vectors, int channels, int act, float slope,
                                                      __nv_bfloat16* dx) {
    for (long long q = global_thread(); q < vectors; q += grid_stride()) {
        const int c0 = (int)((q * kVec) % channels);
        float xv[kVec], yv[kVec], g[kVec];
        load8(x + q * kVec, xv);
        load8(y + q * kVec, yv);
        load8(dy + q * kVec, g);
#pragma unroll
        for (int k = 0; k < kVec; k++) {
            const int c = c0 + k;
            const float dz = g[k] * activation_derivative(yv[k], act, slope);
            const float xhat = (xv[k] - save_mean[c]) * save_inv_std[c];
            const double* co = coefficients + kChannelSlots * c;
            xv[k] = (float)co[0] * dz - (float)co[1] - xhat * (float)co[2];
        }
        store8(dx + q * kVec, xv);
    }
}

/* The bf16 NHWC entry points' shared checks: 8-channel groups, 16-byte aligned operands. */
bool nhwc8_ok(long long rows, int channels, std::initializer_list<const void*> pointers) {
    if (rows < 1 || channels < kVec || channels % kVec != 0) return false;
    for (const void* p : pointers) {
        if (!aligned16(p)) return false;
    }
    return true;
}

}  // namespace

extern "C" {

int gan4j_batchnorm_train_forward(const float* x, const float* gamma, const float* beta, int n, int channels,
                                  int spatial, float eps, float momentum, enum gan4j_activation act, float slope,
                                  float* running_mean, float* running_var, float* y, float* save_mean,
                                  float* save_inv_std, double* scratch, void* stream) {
    const double count = (double)n * spatial;
    if (count < 2.0) return (int)cudaErrorInvalidValue;
    const BatchNormTrainForwardStats stats{x, count, eps, momentum, running_mean, running_var, save_mean,
                                           save_inv_std};
    int status = launch_channel_reduce(stats, n, channels, spatial, scratch, as_stream(stream));
    if (status != 0) return status;
    return launch_forward<true>(x, gamma, beta, save_mean, save_inv_std, eps, n, channels, spatial, act, slope, y,
                                as_stream(stream));
}

int gan4j_batchnorm_train_backward(const float* x, const float* y, const float* dy, const float* gamma,
                                   const float* save_mean, const float* save_inv_std, int n, int channels,
                                   int spatial, enum gan4j_activation act, float slope, float* dx, float* dgamma,
                                   float* dbeta, double* scratch, void* stream) {
    const long long total = (long long)n * channels * spatial;
    if (total <= 0) return 0;
    double* coefficients = channel_coefficients(scratch);
    const BatchNormTrainBackwardStats stats{x, y, dy, gamma, save_mean, save_inv_std, act, slope,
                                            (double)n * spatial, dgamma, dbeta, coefficients};
    int status = launch_channel_reduce(stats, n, channels, spatial, scratch, as_stream(stream));
    if (status != 0) return status;
    const bool vec = spatial % 4 == 0 && aligned16(x) && aligned16(y) && aligned16(dy) && aligned16(dx);
    return launch_vec(vec, total, stream, batchnorm_train_backward_kernel<true>, batchnorm_train_backward_kernel<false>,
                      x, y, dy, save_mean, save_inv_std, coefficients, total, channels, spatial, act, slope, dx);
}

int gan4j_batchnorm_eval_forward(const float* x, const float* gamma, const float* beta, const float* running_mean,
                                 const float* running_var, int n, int channels, int spatial, float eps,
                                 enum gan4j_activation act, float slope, float* y, void* stream) {
    if ((long long)n * channels * spatial <= 0) return 0;
    return launch_forward<false>(x, gamma, beta, running_mean, running_var, eps, n, channels, spatial, act, slope, y,
                                 as_stream(stream));
}

int gan4j_batchnorm_eval_backward(const float* x, const float* y, const float* dy, const float* gamma,
                                  const float* running_mean, const float* running_var, int n, int channels,
                                  int spatial, float eps, enum gan4j_activation act, float slope, float* dx,
                                  float* dgamma, float* dbeta, double* scratch, void* stream) {
    if ((long long)n * channels * spatial <= 0) return 0;
    const BatchNormEvalBackwardOp op{x, y, dy, gamma, running_mean, running_var, eps, act, slope, dx, dgamma, dbeta};
    return launch_channel_reduce(op, n, channels, spatial, scratch, as_stream(stream));
}

int gan4j_batchnorm_train_forward_bf16_nhwc(const uint16_t* x, const float* gamma, const float* beta, long long rows,
                                            int channels, float eps, float momentum, enum gan4j_activation act,
                                            float slope, float* running_mean, float* running_var, uint16_t* y,
                                            float* save_mean, float* save_inv_std, double* scratch, void* stream) {
    if (rows < 2 || !nhwc8_ok(rows, channels, {x, y})) return (int)cudaErrorInvalidValue;
    const auto* xb = reinterpret_cast<const __nv_bfloat16*>(x);
    const Bf16NhwcForwardStats stats{xb, {nullptr, (double)rows, eps, momentum, running_mean, running_var, save_mean,
                                          save_inv_std}};
    int status = launch_channel_reduce_nhwc8(stats, rows, channels, scratch, as_stream(stream));
    if (status != 0) return status;
    const long long vectors = rows * channels / kVec;
    batchnorm_forward_nhwc8_kernel<<<grid_for(vectors), kThreads, 0, as_stream(stream)>>>(
        xb, gamma, beta, save_mean, save_inv_std, vectors, channels, act, slope, reinterpret_cast<__nv_bfloat16*>(y));
    return launch_status();
}

int gan4j_batchnorm_train_backward_bf16_nhwc(const uint16_t* x, const uint16_t* y, const uint16_t* dy,
                                             const float* gamma, const float* save_mean, const float* save_inv_std,
                                             long long rows, int channels, enum gan4j_activation act, float slope,
                                             uint16_t* dx, float* dgamma, float* dbeta, double* scratch,
                                             void* stream) {
    if (!nhwc8_ok(rows, channels, {x, y, dy, dx})) return (int)cudaErrorInvalidValue;
    const auto* xb = reinterpret_cast<const __nv_bfloat16*>(x);
    const auto* yb = reinterpret_cast<const __nv_bfloat16*>(y);
    const auto* dyb = reinterpret_cast<const __nv_bfloat16*>(dy);
    double* coefficients = channel_coefficients(scratch);
    const Bf16NhwcBackwardStats stats{xb, yb, dyb, {nullptr, nullptr, nullptr, gamma, save_mean, save_inv_std, act,
                                                    slope, (double)rows, dgamma, dbeta, coefficients}};
    int status = launch_channel_reduce_nhwc8(stats, rows, channels, scratch, as_stream(stream));
    if (status != 0) return status;
    const long long vectors = rows * channels / kVec;
    batchnorm_train_backward_nhwc8_kernel<<<grid_for(vectors), kThreads, 0, as_stream(stream)>>>(
        xb, yb, dyb, save_mean, save_inv_std, coefficients, vectors, channels, act, slope,
        reinterpret_cast<__nv_bfloat16*>(dx));
    return launch_status();
}

}  // extern "C"
