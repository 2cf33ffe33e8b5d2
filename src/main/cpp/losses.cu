/*
 * losses.cu - loss and gradient in one pass, the loss reduced on the device (no host round-trip).
 *
 * Shapes: logits/pred, targets, dlogits/dpred: n elements (any shape, read flat); loss: element 0 is written.
 * Contract (org.gan4j.backend.Backend):
 *   BCE with logits  loss[0] = scale * mean_i (max(x, 0) - x t + log(1 + exp(-|x|)))   (stable form)
 *                    dlogits_i = scale * (sigmoid(x_i) - t_i) / n
 *   squared error    loss[0] = scale * mean_i (x_i - t_i)^2,  dpred_i = scale * 2 (x_i - t_i) / n
 *   hinge            loss[0] = scale * mean_i max(0, 1 - t_i x_i),  dlogits_i = -scale t_i / n where t_i x_i < 1, else 0
 * CPU reference: CpuBackend.doBceWithLogitsLoss / doSquaredErrorLoss / doHingeLoss (double); here per-element math in float, the
 * sum in double in a fixed order (see gan4j_device.cuh), the final scale in double.
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

/* What the loss ops share: inputs x (logits or pred) and targets, the gradient out, and the loss written by finish. */
struct LossOp {
    const float* x;
    const float* targets;
    float grad_scale; /* scale / n (squared error: 2 scale / n) */
    double loss_scale; /* scale / n */
    float* loss;
    float* grad;
    __device__ void finish(double sum) const { loss[0] = (float)(loss_scale * sum); }
};

/* bce_with_logits_loss_kernel: the sum_reduce_kernel instantiated with this op. */
struct BceWithLogitsLossOp : LossOp {
    __device__ double element(long long i) const {
        const float xi = x[i];
        const float t = targets[i];
        grad[i] = grad_scale * (activate(xi, GAN4J_ACT_SIGMOID, 0.f) - t);
        return (double)(fmaxf(xi, 0.f) - xi * t) + (double)log1pf(expf(-fabsf(xi)));
    }
};

/* squared_error_loss_kernel: the sum_reduce_kernel instantiated with this op. */
struct SquaredErrorLossOp : LossOp {
    __device__ double element(long long i) const {
        const float d = x[i] - targets[i];
        grad[i] = grad_scale * d;
        return (double)d * d;
    }
};

/* hinge_loss_kernel: the sum_reduce_kernel instantiated with this op. */
struct HingeLossOp : LossOp {
    __device__ double element(long long i) const {
        const float t = targets[i];
        const double margin = 1.0 - (double)t * (double)x[i]; /* in double, as the CPU reference */
        const bool active = margin > 0.0;
        grad[i] = active ? -grad_scale * t : 0.f;
        return active ? margin : 0.0;
    }
};

}  // namespace

extern "C" {

int gan4j_bce_with_logits_loss(const float* logits, const float* targets, long long n, float scale, float* loss,
                               float* dlogits, double* scratch, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    const double per = (double)scale / (double)n;
    return launch_sum_reduce(BceWithLogitsLossOp{{logits, targets, (float)per, per, loss, dlogits}}, n, scratch,
                             as_stream(stream));
}

int gan4j_squared_error_loss(const float* pred, const float* targets, long long n, float scale, float* loss,
                             float* dpred, double* scratch, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    const double per = (double)scale / (double)n;
    return launch_sum_reduce(SquaredErrorLossOp{{pred, targets, (float)(2.0 * per), per, loss, dpred}}, n, scratch,
                             as_stream(stream));
}

int gan4j_hinge_loss(const float* logits, const float* targets, long long n, float scale, float* loss,
                     float* dlogits, double* scratch, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    const double per = (double)scale / (double)n;
    return launch_sum_reduce(HingeLossOp{{logits, targets, (float)per, per, loss, dlogits}}, n, scratch,
                             as_stream(stream));
}

}  // extern "C"
