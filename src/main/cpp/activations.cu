/*
 * activations.cu - bias + activation, forward and backward, fused.
 *
 * Shapes: x, y, dy, dx: (n, channels, spatial) (spatial = H*W, 1 for (N, C)); bias, dbias: (channels), may be NULL.
 * Contract (org.gan4j.backend.Backend):
 *   forward   y = act(x + bias[c])                       (y overwritten; y may be x)
 *   backward  dx = dy * act'(y), act' taken from the output y  (dx overwritten; dx may be dy)
 *             dbias[c] += sum over n and spatial of dx   (when dbias is not NULL)
 * CPU reference: CpuBackend.doBiasActivationForward / doBiasActivationBackward (double arithmetic); here the
 * elementwise math is float (1-2 ulp for tanh/exp) and the bias-gradient sum is accumulated in double.
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

/* VEC needs spatial % 4 == 0 so that the four elements of a quad share one channel. */
template <bool VEC>
__global__ void bias_activation_forward_kernel(const float* x, const float* bias, long long total, int channels,
                                               int spatial, int act, float slope, float* y) {
    for_each_index<VEC>(
        total,
        [&](long long i) {
            const float b = bias == nullptr ? 0.f : bias[channel_of(i, spatial, channels)];
            y[i] = activate(x[i] + b, act, slope);
        },
        [&](long long q) {
            const float b = bias == nullptr ? 0.f : bias[channel_of(q << 2, spatial, channels)];
            const float4 v = reinterpret_cast<const float4*>(x)[q];
            reinterpret_cast<float4*>(y)[q] = make_float4(activate(v.x + b, act, slope), activate(v.y + b, act, slope),
                                                          activate(v.z + b, act, slope), activate(v.w + b, act, slope));
        });
}

/* Backward without a bias gradient: a pure map. */
template <bool VEC>
__global__ void bias_activation_backward_kernel(const float* y, const float* dy, long long total, int act,
                                                float slope, float* dx) {
    for_each_index<VEC>(
        total, [&](long long i) { dx[i] = dy[i] * activation_derivative(y[i], act, slope); },
        [&](long long q) {
            const float4 yv = reinterpret_cast<const float4*>(y)[q];
            const float4 g = reinterpret_cast<const float4*>(dy)[q];
            reinterpret_cast<float4*>(dx)[q] = make_float4(
                g.x * activation_derivative(yv.x, act, slope), g.y * activation_derivative(yv.y, act, slope),
                g.z * activation_derivative(yv.z, act, slope), g.w * activation_derivative(yv.w, act, slope));
        });
}

/* Backward with a bias gradient: dx written while the per-channel sum of dx is reduced. */
struct BiasActivationBackwardOp {
    const float* y;
    const float* dy;
    int act;
    float slope;
    float* dx;
    float* dbias;
    __device__ void element(long long i, int, double& a, double&) const {
        const float d = dy[i] * activation_derivative(y[i], act, slope);
        dx[i] = d;
        a += d;
    }
    __device__ void finish(int c, double a, double) const { dbias[c] = (float)((double)dbias[c] + a); }
};

}  // namespace

extern "C" {

int gan4j_bias_activation_forward(const float* x, const float* bias, int n, int channels, int spatial,
                                  enum gan4j_activation act, float slope, float* y, void* stream) {
    const long long total = (long long)n * channels * spatial;
    if (total <= 0) return 0;
    const bool vec = spatial % 4 == 0 && aligned16(x) && aligned16(y);
    return launch_vec(vec, total, stream, bias_activation_forward_kernel<true>, bias_activation_forward_kernel<false>,
                      x, bias, total, channels, spatial, act, slope, y);
}

int gan4j_bias_activation_backward(const float* y, const float* dy, int n, int channels, int spatial,
                                   enum gan4j_activation act, float slope, float* dx, float* dbias, double* scratch,
                                   void* stream) {
    const long long total = (long long)n * channels * spatial;
    if (total <= 0) return 0;
    if (dbias != nullptr) {
        return launch_channel_reduce(BiasActivationBackwardOp{y, dy, act, slope, dx, dbias}, n, channels, spatial,
                                     scratch, as_stream(stream));
    }
    const bool vec = aligned16(y) && aligned16(dy) && aligned16(dx);
    return launch_vec(vec, total, stream, bias_activation_backward_kernel<true>, bias_activation_backward_kernel<false>,
                      y, dy, total, act, slope, dx);
}

}  // extern "C"
