// gan4j's native loops for the CPU backend's memory-bound ops (loops.cpp), bound to Java by
// org.gan4j.backend.cpu.CpuLoops: training-mode batch norm + activation (forward and backward), bias + activation
// (forward and backward) and Adam, in float32 tensors of layout (N, C, S) (S = H*W, 1 for (N, C) features).
//
// Numerics: each function evaluates the same double-precision expressions as CpuBackend's Java loops (and the F64
// reference), in the same order, and rounds once on store, so the results are bit for bit those of the Java path:
// every reduction over a channel (batch-norm statistics, bias and batch-norm gradients) runs sample by sample, then
// pixel by pixel, one accumulator per channel; the kernels run several channels' sums side by side for speed, never
// reorder one. No fused multiply-add is used (the file is compiled for AVX2 without FMA) and sqrt is correctly rounded.
// Activations: act 0 identity, 1 ReLU (y = t > 0 ? t : 0), 2 LeakyReLU (y = t > 0 ? t : slope t, slope in [0, 1]);
// derivatives from the output (y > 0 ? 1 : 0 or slope). Callers split channels (or planes, elements) over threads
// by [from, to); each output element and each channel's sum is computed by one call, so results do not depend on the
// split. Call nothing unless gan4j_cpu_supported() (gan4j_cpu.h) returned 1.
#ifndef GAN4J_CPU_LOOPS_H
#define GAN4J_CPU_LOOPS_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Batch norm (training) + activation, channels [from, to): mean and biased variance over the n*s values of each
 * channel, invStd = 1 / sqrt(var + eps), y = act(gamma (x - mean) invStd + beta) (beta may be null: 0);
 * stats[3c .. 3c+2] = mean, var, invStd.
 */
void gan4j_cpu_bn_forward(const float* x, float* y, int n, int c, int s, const float* gamma, const float* beta,
                          float eps, int act, float slope, double* stats, long from, long to);

/**
 * Its gradient, channels [from, to): dz = dy act'(y), xhat = (x - mean) invStd, sums[2c] = sum dz,
 * sums[2c+1] = sum dz xhat, dx = gamma invStd / m (m dz - sum dz - xhat sum dz xhat), m = n*s.
 */
void gan4j_cpu_bn_backward(const float* x, const float* y, const float* dy, float* dx, int n, int c, int s,
                           const float* gamma, const float* mean, const float* invStd, int act, float slope,
                           double* sums, long from, long to);

/** y = act(x + bias[channel]) over planes [from, to) of s values (plane p is channel p mod c); bias may be null. */
void gan4j_cpu_bias_act_forward(const float* x, const float* bias, float* y, int c, int s, int act, float slope,
                                long from, long to);

/** dx = dy act'(y) over channels [from, to); sums[c] = the channel's sum of dx in double when sums is not null. */
void gan4j_cpu_bias_act_backward(const float* y, const float* dy, float* dx, int n, int c, int s, int act,
                                 float slope, double* sums, long from, long to);

/**
 * Adam over elements [from, to): g = grad + wd p, m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g g,
 * p = p - lr (m / bc1) / (sqrt(v / bc2) + eps).
 */
void gan4j_cpu_adam(const float* grad, float* param, float* m, float* v, float lr, double b1, double b2, double bc1,
                    double bc2, float eps, float wd, long from, long to);

#ifdef __cplusplus
}
#endif

#endif
