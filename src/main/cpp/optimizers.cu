/*
 * optimizers.cu - Adam and SGD over one flat parameter buffer, one launch each.
 *
 * Shapes: grad, param, m, v, momentum_buffer: n elements (the model's flat buffers); step: 1 element (a float count).
 * Contract (org.gan4j.backend.Backend, PyTorch's semantics with L2 weight decay):
 *   Adam  step += 1; g = grad + wd * param; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *         param -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps)
 *   SGD   g = grad + wd * param; with momentum buf = momentum * buf + g, param -= lr * buf; else param -= lr * g
 * CPU reference: CpuBackend.doAdamStep / doSgdStep (double per element); here float per element, bias corrections
 * in double once per thread.
 * The learning rate is `lr`, or `*lr_ptr` when lr_ptr is not null (a device word written before the launch or a
 * graph replay: PyTorch's capturable Adam), so a captured step follows a schedule without being captured again.
 * The Adam step count lives on the device so that a captured iteration can be replayed: every block reads it at
 * the start, and the last block to finish (counted with `ticket`, a zeroed device word owned by the caller, which
 * that block resets to 0) writes step + 1, after every block has read the old value.
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

__device__ __forceinline__ void adam_one(float g0, float& p, float& m, float& v, float lr, float b1, float b2,
                                         float eps, float wd, float bc1, float bc2) {
    const float g = g0 + wd * p;
    m = b1 * m + (1.f - b1) * g;
    v = b2 * v + (1.f - b2) * g * g;
    p = p - lr * (m / bc1) / (sqrtf(v / bc2) + eps);
}

template <bool VEC>
__global__ void adam_step_kernel(const float* grad, long long n, float lr_value, const float* lr_ptr, float b1,
                                 float b2, float eps, float wd, float* param, float* m, float* v, float* step,
                                 unsigned int* ticket) {
    const float lr = lr_ptr != nullptr ? *lr_ptr : lr_value;
    const float t = *reinterpret_cast<volatile float*>(step) + 1.f;
    const float bc1 = (float)(1.0 - pow((double)b1, (double)t));
    const float bc2 = (float)(1.0 - pow((double)b2, (double)t));
    for_each_index<VEC>(
        n,
        [&](long long i) {
            float p = param[i], mi = m[i], vi = v[i];
            adam_one(grad[i], p, mi, vi, lr, b1, b2, eps, wd, bc1, bc2);
            param[i] = p;
            m[i] = mi;
            v[i] = vi;
        },
        [&](long long q) {
            const float4 g = reinterpret_cast<const float4*>(grad)[q];
            float4 p = reinterpret_cast<float4*>(param)[q];
            float4 mq = reinterpret_cast<float4*>(m)[q];
            float4 vq = reinterpret_cast<float4*>(v)[q];
            adam_one(g.x, p.x, mq.x, vq.x, lr, b1, b2, eps, wd, bc1, bc2);
            adam_one(g.y, p.y, mq.y, vq.y, lr, b1, b2, eps, wd, bc1, bc2);
            adam_one(g.z, p.z, mq.z, vq.z, lr, b1, b2, eps, wd, bc1, bc2);
            adam_one(g.w, p.w, mq.w, vq.w, lr, b1, b2, eps, wd, bc1, bc2);
            reinterpret_cast<float4*>(param)[q] = p;
            reinterpret_cast<float4*>(m)[q] = mq;
            reinterpret_cast<float4*>(v)[q] = vq;
        });
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        const unsigned int done = atomicAdd(ticket, 1u);
        if (done == gridDim.x - 1) {
            *reinterpret_cast<volatile float*>(step) = t;
            *reinterpret_cast<volatile unsigned int*>(ticket) = 0u;
        }
    }
}

template <bool VEC, bool MOMENTUM>
__global__ void sgd_step_kernel(const float* grad, long long n, float lr, float momentum, float wd, float* param,
                                float* buf) {
    auto one = [&](float g0, float& p, float& b) {
        float g = g0 + wd * p;
        if (MOMENTUM) {
            g = momentum * b + g;
            b = g;
        }
        p = p - lr * g;
    };
    for_each_index<VEC>(
        n,
        [&](long long i) {
            float p = param[i];
            float b = MOMENTUM ? buf[i] : 0.f;
            one(grad[i], p, b);
            param[i] = p;
            if (MOMENTUM) buf[i] = b;
        },
        [&](long long q) {
            const float4 g = reinterpret_cast<const float4*>(grad)[q];
            float4 p = reinterpret_cast<float4*>(param)[q];
            float4 b = MOMENTUM ? reinterpret_cast<float4*>(buf)[q] : make_float4(0.f, 0.f, 0.f, 0.f);
            one(g.x, p.x, b.x);
            one(g.y, p.y, b.y);
            one(g.z, p.z, b.z);
            one(g.w, p.w, b.w);
            reinterpret_cast<float4*>(param)[q] = p;
            if (MOMENTUM) reinterpret_cast<float4*>(buf)[q] = b;
        });
}

}  // namespace

extern "C" {

int gan4j_adam_step(const float* grad, long long n, float lr, const float* lr_ptr, float beta1, float beta2,
                    float eps, float weight_decay, float* param, float* m, float* v, float* step,
                    unsigned int* ticket, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    const bool vec = aligned16(grad) && aligned16(param) && aligned16(m) && aligned16(v);
    return launch_vec(vec, n, stream, adam_step_kernel<true>, adam_step_kernel<false>,
                      grad, n, lr, lr_ptr, beta1, beta2, eps, weight_decay, param, m, v, step, ticket);
}

int gan4j_sgd_step(const float* grad, long long n, float lr, float momentum, float weight_decay, float* param,
                   float* momentum_buffer, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    const bool with_momentum = momentum != 0.f;
    if (with_momentum && momentum_buffer == nullptr) return (int)cudaErrorInvalidValue;
    const bool vec = aligned16(grad) && aligned16(param) && (!with_momentum || aligned16(momentum_buffer));
    const unsigned grid = grid_for(vec ? (n >> 2) + 1 : n);
    cudaStream_t s = as_stream(stream);
    if (with_momentum) {
        if (vec) {
            sgd_step_kernel<true, true><<<grid, kThreads, 0, s>>>(grad, n, lr, momentum, weight_decay, param,
                                                                  momentum_buffer);
        } else {
            sgd_step_kernel<false, true><<<grid, kThreads, 0, s>>>(grad, n, lr, momentum, weight_decay, param,
                                                                   momentum_buffer);
        }
    } else {
        if (vec) {
            sgd_step_kernel<true, false><<<grid, kThreads, 0, s>>>(grad, n, lr, 0.f, weight_decay, param, nullptr);
        } else {
            sgd_step_kernel<false, false><<<grid, kThreads, 0, s>>>(grad, n, lr, 0.f, weight_decay, param, nullptr);
        }
    }
    return launch_status();
}

}  // extern "C"
