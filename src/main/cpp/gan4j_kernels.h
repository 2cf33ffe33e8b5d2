/*
 * gan4j_kernels.h - the C interface of gan4j's own CUDA kernels: the only symbols Java binds
 * (org.gan4j.backend.cuda.CudaKernels, through JavaCPP).
 *
 * Conventions shared by every launcher:
 * - Pointers are device pointers to float32 (or the stated type), contiguous, row-major (NCHW for images).
 * - Inputs first, outputs last, then scratch, then the stream; the stream is a plain pointer (a cudaStream_t).
 * - Every launcher only enqueues work on the stream: no allocation, no host-device copy, no synchronisation.
 * - The result is a cudaError_t as int: 0 on success, never exit().
 * - Activations cross the boundary as enum gan4j_activation, bound in Java to CudaKernels.ActivationKind and passed
 *   as this type (not as a bare int), plus the LeakyReLU slope.
 * - Per-channel ops take (n, channels, spatial): the tensor is (n, channels, spatial) with spatial = H*W (1 for
 *   (N, C) inputs).
 * - Reductions write to a caller-owned double scratch buffer of gan4j_scratch_bytes(channels) bytes; all ops on one
 *   stream may share it, since the stream orders them.
 *
 * This header is plain C with no CUDA include, so JavaCPP's JNI glue compiles with an ordinary C++ compiler.
 */
#ifndef GAN4J_KERNELS_H
#define GAN4J_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Activation kinds (org.gan4j.backend.Activation.Kind); derivatives are taken from the output y. */
enum gan4j_activation {
    GAN4J_ACT_IDENTITY = 0,
    GAN4J_ACT_RELU = 1,
    GAN4J_ACT_LEAKY_RELU = 2,
    GAN4J_ACT_TANH = 3,
    GAN4J_ACT_SIGMOID = 4
};

/* ---------------------------------------------------------------- elementwise.cu */

/* Bytes of scratch that every reduction launcher may use for per-channel ops over `channels` channels. */
long long gan4j_scratch_bytes(long long channels);

int gan4j_fill(float value, float* dst, long long n, void* stream);
int gan4j_copy(const float* src, float* dst, long long n, void* stream);
int gan4j_scale(float alpha, float* x, long long n, void* stream);
int gan4j_axpy(float alpha, const float* x, float* y, long long n, void* stream);
int gan4j_multiply(const float* a, const float* b, float* out, long long n, void* stream);
int gan4j_mean(const float* x, long long n, enum gan4j_activation act, float slope, float* out, double* scratch,
               void* stream);
int gan4j_sum_of_squares(const float* x, long long n, float* out, double* scratch, void* stream);

/* ---------------------------------------------------------------- activations.cu */

int gan4j_bias_activation_forward(const float* x, const float* bias, int n, int channels, int spatial,
                                  enum gan4j_activation act, float slope, float* y, void* stream);
int gan4j_bias_activation_backward(const float* y, const float* dy, int n, int channels, int spatial,
                                   enum gan4j_activation act, float slope, float* dx, float* dbias, double* scratch,
                                   void* stream);

/* ---------------------------------------------------------------- batchnorm.cu */

int gan4j_batchnorm_train_forward(const float* x, const float* gamma, const float* beta, int n, int channels,
                                  int spatial, float eps, float momentum, enum gan4j_activation act, float slope,
                                  float* running_mean, float* running_var, float* y, float* save_mean,
                                  float* save_inv_std, double* scratch, void* stream);
int gan4j_batchnorm_train_backward(const float* x, const float* y, const float* dy, const float* gamma,
                                   const float* save_mean, const float* save_inv_std, int n, int channels,
                                   int spatial, enum gan4j_activation act, float slope, float* dx, float* dgamma,
                                   float* dbeta, double* scratch, void* stream);
/* Precision.BF16's resident activations: x, y, dy, dx bfloat16 NHWC (rows = n*H*W, channels), channels a multiple
 * of 8, every pointer 16-byte aligned (else cudaErrorInvalidValue); statistics, sums, gamma/beta and their gradients
 * float32 as above; y and dx rounded to bf16 once (to nearest even). */
int gan4j_batchnorm_train_forward_bf16_nhwc(const uint16_t* x, const float* gamma, const float* beta, long long rows,
                                            int channels, float eps, float momentum, enum gan4j_activation act,
                                            float slope, float* running_mean, float* running_var, uint16_t* y,
                                            float* save_mean, float* save_inv_std, double* scratch, void* stream);
int gan4j_batchnorm_train_backward_bf16_nhwc(const uint16_t* x, const uint16_t* y, const uint16_t* dy,
                                             const float* gamma, const float* save_mean, const float* save_inv_std,
                                             long long rows, int channels, enum gan4j_activation act, float slope,
                                             uint16_t* dx, float* dgamma, float* dbeta, double* scratch,
                                             void* stream);
int gan4j_batchnorm_eval_forward(const float* x, const float* gamma, const float* beta, const float* running_mean,
                                 const float* running_var, int n, int channels, int spatial, float eps,
                                 enum gan4j_activation act, float slope, float* y, void* stream);
int gan4j_batchnorm_eval_backward(const float* x, const float* y, const float* dy, const float* gamma,
                                  const float* running_mean, const float* running_var, int n, int channels,
                                  int spatial, float eps, enum gan4j_activation act, float slope, float* dx,
                                  float* dgamma, float* dbeta, double* scratch, void* stream);

/* ---------------------------------------------------------------- losses.cu */

int gan4j_bce_with_logits_loss(const float* logits, const float* targets, long long n, float scale, float* loss,
                               float* dlogits, double* scratch, void* stream);
int gan4j_squared_error_loss(const float* pred, const float* targets, long long n, float scale, float* loss,
                             float* dpred, double* scratch, void* stream);
int gan4j_hinge_loss(const float* logits, const float* targets, long long n, float scale, float* loss,
                     float* dlogits, double* scratch, void* stream);

/* ---------------------------------------------------------------- spectral.cu */

/* scratch: gan4j_scratch_bytes of at least (max(out, k) + 1 + 3) / 4 channels. */
int gan4j_spectral_norm_forward(const float* w, float* u, float* v, int out, int k, int update, float* sigma,
                                float* wsn, double* scratch, void* stream);
int gan4j_spectral_norm_backward(const float* dwsn, const float* wsn, const float* u, const float* v,
                                 const float* sigma, int out, int k, float* dw, double* scratch, void* stream);

/* ---------------------------------------------------------------- optimizers.cu */

int gan4j_adam_step(const float* grad, long long n, float lr, const float* lr_ptr, float beta1, float beta2,
                    float eps, float weight_decay, float* param, float* m, float* v, float* step,
                    unsigned int* ticket, void* stream);
int gan4j_sgd_step(const float* grad, long long n, float lr, float momentum, float weight_decay, float* param,
                   float* momentum_buffer, void* stream);

/* ---------------------------------------------------------------- random.cu */

int gan4j_random_normal(long long seed, unsigned long long* counter, float mean, float std, float* dst,
                        long long n, void* stream);
int gan4j_random_uniform(long long seed, unsigned long long* counter, float low, float high, float* dst,
                         long long n, void* stream);
int gan4j_fill_targets(long long seed, unsigned long long* counter, float value, float flipped_value,
                       float flip_probability, float noise, float* dst, long long n, void* stream);
int gan4j_dropout_forward(long long seed, unsigned long long* counter, float p, const float* x, float* mask,
                          float* y, long long n, void* stream);
int gan4j_random_set_counter(long long value, unsigned long long* counter, void* stream);

/* ---------------------------------------------------------------- bf16.cu
 * bf16 buffers are uint16_t (the bfloat16 bits) here, __nv_bfloat16 inside. Rounding to nearest, ties to even. */

/* dst[i] = float(bf16(src[i])): the rounded values kept in float32 (dst may be src). */
int gan4j_round_bf16(const float* src, float* dst, long long n, void* stream);
/* dst[i] = bf16(src[i]) for n elements (cuBLAS operands, row-major as stored). */
int gan4j_to_bf16(const float* src, uint16_t* dst, long long n, void* stream);
/* dst (n, spatial, channels) = bf16(src (n, channels, spatial)): NCHW float32 to NHWC bf16 (filters: KCRS to KRSC). */
int gan4j_to_bf16_nhwc(const float* src, int n, int channels, int spatial, uint16_t* dst, void* stream);
/* dst (n, channels, spatial) = float(src (n, spatial, channels)), or dst += it when accumulate is 1. */
int gan4j_from_bf16_nhwc(const uint16_t* src, int n, int channels, int spatial, int accumulate, float* dst,
                         void* stream);

#ifdef __cplusplus
}
#endif

#endif /* GAN4J_KERNELS_H */
