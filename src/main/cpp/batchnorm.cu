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

}  // extern "C"
