// gan4j's native loops for the CPU backend's memory-bound ops: see gan4j_cpu_loops.h for the contract.
//
// Why native: the Java loops evaluate in double and round to float, and HotSpot 17 does not vectorise loops that
// convert between float and double, so they ran scalar; here the element-wise passes are vectorised by g++ (AVX2,
// four doubles per instruction). The per-channel sums keep the Java order; GROUP channels run side by side so their
// independent add chains overlap instead of each waiting on its own latency.
#include "gan4j_cpu_loops.h"

#include <immintrin.h>

#include <cmath>

// AVX2 without FMA, so g++ cannot contract a * b + c into one rounding (the results would differ from Java's);
// no-trapping-math only lets it turn the activations' selects into blends (no FP exception is ever inspected here).
#define GAN4J_LOOPS __attribute__((target("avx2"), optimize("no-trapping-math")))

namespace {

enum Act { IDENTITY = 0, RELU = 1, LEAKY = 2 };

/** Channels whose sums run side by side. */
constexpr int GROUP = 4;
/**
 * Pixels per step of the backward reductions: the terms of GROUP channels are computed into buffers by vectorised
 * loops, then summed from L1 in order, one chain per channel, the GROUP chains side by side.
 */
constexpr int CHUNK = 256;
/** Channels per step when each has one value per sample (s = 1: (N, C) features): one vector lane per channel. */
constexpr int WIDE = 16;

template <int A>
GAN4J_LOOPS inline double activate(double t, double slope) {
    if (A == RELU) {
        return t > 0 ? t : 0.0;
    }
    if (A == LEAKY) {
        return t > 0 ? t : slope * t;
    }
    return t;
}

/** dy * act'(y), the derivative taken from the output. */
template <int A>
GAN4J_LOOPS inline double grad(float y, float dy, double slope) {
    if (A == RELU) {
        return dy * (y > 0 ? 1.0 : 0.0);
    }
    if (A == LEAKY) {
        return dy * (y > 0 ? 1.0 : slope);
    }
    return dy;
}

/** Element (sample i, channel ch, pixel 0) of an (n, c, s) tensor. */
inline long at(int i, int ch, int c, int s) {
    return ((long) i * c + ch) * s;
}

template <int A, int G>
GAN4J_LOOPS void bnForward(const float* x, float* y, int n, int c, int s, const float* gamma, const float* beta,
                           double eps, double slope, double* stats, int c0) {
    double count = (double) n * s;
    double sum[G] = {};
    for (int i = 0; i < n; i++) {
        for (int p = 0; p < s; p++) {
            for (int l = 0; l < G; l++) {
                sum[l] += x[at(i, c0 + l, c, s) + p];
            }
        }
    }
    double mean[G];
    for (int l = 0; l < G; l++) {
        mean[l] = sum[l] / count;
    }
    double sq[G] = {};
    for (int i = 0; i < n; i++) {
        for (int p = 0; p < s; p++) {
            for (int l = 0; l < G; l++) {
                double d = x[at(i, c0 + l, c, s) + p] - mean[l];
                sq[l] += d * d;
            }
        }
    }
    for (int l = 0; l < G; l++) {
        int ch = c0 + l;
        double var = sq[l] / count;
        double invStd = 1 / std::sqrt(var + eps);
        double g = gamma[ch];
        double b = beta == nullptr ? 0 : beta[ch];
        double m = mean[l];
        for (int i = 0; i < n; i++) {
            const float* xs = x + at(i, ch, c, s);
            float* ys = y + at(i, ch, c, s);
            for (int p = 0; p < s; p++) {
                ys[p] = (float) activate<A>(g * (xs[p] - m) * invStd + b, slope);
            }
        }
        stats[3L * ch] = m;
        stats[3L * ch + 1] = var;
        stats[3L * ch + 2] = invStd;
    }
}

/** bnForward for s = 1, WIDE channels [c0, c0 + WIDE): consecutive in memory, so the loops run across them. */
template <int A>
GAN4J_LOOPS void bnForwardFeatures(const float* x, float* y, int n, int c, const float* gamma, const float* beta,
                                   double eps, double slope, double* stats, int c0) {
    double count = n;
    double sum[WIDE] = {};
    for (int i = 0; i < n; i++) {
        const float* xs = x + (long) i * c + c0;
        for (int l = 0; l < WIDE; l++) {
            sum[l] += xs[l];
        }
    }
    double mean[WIDE];
    for (int l = 0; l < WIDE; l++) {
        mean[l] = sum[l] / count;
    }
    double sq[WIDE] = {};
    for (int i = 0; i < n; i++) {
        const float* xs = x + (long) i * c + c0;
        for (int l = 0; l < WIDE; l++) {
            double d = xs[l] - mean[l];
            sq[l] += d * d;
        }
    }
    double invStd[WIDE];
    double g[WIDE];
    double b[WIDE];
    for (int l = 0; l < WIDE; l++) {
        double var = sq[l] / count;
        invStd[l] = 1 / std::sqrt(var + eps);
        g[l] = gamma[c0 + l];
        b[l] = beta == nullptr ? 0 : beta[c0 + l];
        stats[3L * (c0 + l)] = mean[l];
        stats[3L * (c0 + l) + 1] = var;
        stats[3L * (c0 + l) + 2] = invStd[l];
    }
    for (int i = 0; i < n; i++) {
        const float* xs = x + (long) i * c + c0;
        float* ys = y + (long) i * c + c0;
        for (int l = 0; l < WIDE; l++) {
            ys[l] = (float) activate<A>(g[l] * (xs[l] - mean[l]) * invStd[l] + b[l], slope);
        }
    }
}

template <int A>
GAN4J_LOOPS void bnForwardRange(const float* x, float* y, int n, int c, int s, const float* gamma, const float* beta,
                                double eps, double slope, double* stats, long from, long to) {
    long ch = from;
    for (; s == 1 && ch + WIDE <= to; ch += WIDE) {
        bnForwardFeatures<A>(x, y, n, c, gamma, beta, eps, slope, stats, (int) ch);
    }
    for (; ch + GROUP <= to; ch += GROUP) {
        bnForward<A, GROUP>(x, y, n, c, s, gamma, beta, eps, slope, stats, (int) ch);
    }
    for (; ch < to; ch++) {
        bnForward<A, 1>(x, y, n, c, s, gamma, beta, eps, slope, stats, (int) ch);
    }
}

template <int A, int G>
GAN4J_LOOPS void bnBackward(const float* x, const float* y, const float* dy, float* dx, int n, int c, int s,
                            const float* gamma, const float* meanIn, const float* invStdIn, double slope, double* sums,
                            int c0) {
    double mean[G];
    double invStd[G];
    for (int l = 0; l < G; l++) {
        mean[l] = meanIn[c0 + l];
        invStd[l] = invStdIn[c0 + l];
    }
    double sumDz[G] = {};
    double sumDzXhat[G] = {};
    alignas(32) double dz[G][CHUNK];
    alignas(32) double dzXhat[G][CHUNK];
    for (int i = 0; i < n; i++) {
        for (int p0 = 0; p0 < s; p0 += CHUNK) {
            int len = s - p0 < CHUNK ? s - p0 : CHUNK;
            for (int l = 0; l < G; l++) {
                long e = at(i, c0 + l, c, s) + p0;
                for (int j = 0; j < len; j++) {
                    double d = grad<A>(y[e + j], dy[e + j], slope);
                    dz[l][j] = d;
                    dzXhat[l][j] = d * (x[e + j] - mean[l]) * invStd[l];
                }
            }
            for (int j = 0; j < len; j++) {
                for (int l = 0; l < G; l++) {
                    sumDz[l] += dz[l][j];
                    sumDzXhat[l] += dzXhat[l][j];
                }
            }
        }
    }    double count = (double) n * s;
    for (int l = 0; l < G; l++) {
        int ch = c0 + l;
        double k = gamma[ch] * invStd[l] / count;
        double m = mean[l];
        double is = invStd[l];
        double sd = sumDz[l];
        double sdx = sumDzXhat[l];
        for (int i = 0; i < n; i++) {
            long e = at(i, ch, c, s);
            const float* xs = x + e;
            const float* ys = y + e;
            const float* dys = dy + e;
            float* dxs = dx + e;
            for (int p = 0; p < s; p++) {
                double xhat = (xs[p] - m) * is;
                dxs[p] = (float) (k * (count * grad<A>(ys[p], dys[p], slope) - sd - xhat * sdx));
            }
        }
        sums[2L * ch] = sd;
        sums[2L * ch + 1] = sdx;
    }
}

/** bnBackward for s = 1, WIDE channels [c0, c0 + WIDE), as bnForwardFeatures. */
template <int A>
GAN4J_LOOPS void bnBackwardFeatures(const float* x, const float* y, const float* dy, float* dx, int n, int c,
                                    const float* gamma, const float* meanIn, const float* invStdIn, double slope,
                                    double* sums, int c0) {
    double mean[WIDE];
    double invStd[WIDE];
    for (int l = 0; l < WIDE; l++) {
        mean[l] = meanIn[c0 + l];
        invStd[l] = invStdIn[c0 + l];
    }
    double sumDz[WIDE] = {};
    double sumDzXhat[WIDE] = {};
    for (int i = 0; i < n; i++) {
        long e = (long) i * c + c0;
        for (int l = 0; l < WIDE; l++) {
            double d = grad<A>(y[e + l], dy[e + l], slope);
            sumDz[l] += d;
            sumDzXhat[l] += d * (x[e + l] - mean[l]) * invStd[l];
        }
    }
    double count = n;
    double k[WIDE];
    for (int l = 0; l < WIDE; l++) {
        k[l] = gamma[c0 + l] * invStd[l] / count;
        sums[2L * (c0 + l)] = sumDz[l];
        sums[2L * (c0 + l) + 1] = sumDzXhat[l];
    }
    for (int i = 0; i < n; i++) {
        long e = (long) i * c + c0;
        for (int l = 0; l < WIDE; l++) {
            double xhat = (x[e + l] - mean[l]) * invStd[l];
            dx[e + l] = (float) (k[l] * (count * grad<A>(y[e + l], dy[e + l], slope) - sumDz[l] - xhat * sumDzXhat[l]));
        }
    }
}

template <int A>
GAN4J_LOOPS void bnBackwardRange(const float* x, const float* y, const float* dy, float* dx, int n, int c, int s,
                                 const float* gamma, const float* mean, const float* invStd, double slope,
                                 double* sums, long from, long to) {
    long ch = from;
    for (; s == 1 && ch + WIDE <= to; ch += WIDE) {
        bnBackwardFeatures<A>(x, y, dy, dx, n, c, gamma, mean, invStd, slope, sums, (int) ch);
    }
    for (; ch + GROUP <= to; ch += GROUP) {
        bnBackward<A, GROUP>(x, y, dy, dx, n, c, s, gamma, mean, invStd, slope, sums, (int) ch);
    }
    for (; ch < to; ch++) {
        bnBackward<A, 1>(x, y, dy, dx, n, c, s, gamma, mean, invStd, slope, sums, (int) ch);
    }
}

template <int A>
GAN4J_LOOPS void biasActForward(const float* x, const float* bias, float* y, int c, int s, double slope, long from,
                                long to) {
    for (long plane = from; plane < to; plane++) {
        double b = bias == nullptr ? 0 : bias[plane % c];
        const float* xs = x + plane * s;
        float* ys = y + plane * s;
        for (int p = 0; p < s; p++) {
            ys[p] = (float) activate<A>(xs[p] + b, slope);
        }
    }
}

template <int A, int G>
GAN4J_LOOPS void biasActBackward(const float* y, const float* dy, float* dx, int n, int c, int s, double slope,
                                 double* sums, int c0) {
    double sum[G] = {};
    alignas(32) double dz[G][CHUNK];
    for (int i = 0; i < n; i++) {
        for (int p0 = 0; p0 < s; p0 += CHUNK) {
            int len = s - p0 < CHUNK ? s - p0 : CHUNK;
            for (int l = 0; l < G; l++) {
                long e = at(i, c0 + l, c, s) + p0;
                for (int j = 0; j < len; j++) {
                    double d = grad<A>(y[e + j], dy[e + j], slope);
                    dz[l][j] = d;
                    dx[e + j] = (float) d;
                }
            }
            for (int j = 0; j < len; j++) {
                for (int l = 0; l < G; l++) {
                    sum[l] += dz[l][j];
                }
            }
        }
    }    if (sums != nullptr) {
        for (int l = 0; l < G; l++) {
            sums[c0 + l] = sum[l];
        }
    }
}

template <int A>
GAN4J_LOOPS void biasActBackwardRange(const float* y, const float* dy, float* dx, int n, int c, int s, double slope,
                                      double* sums, long from, long to) {
    long ch = from;
    for (; ch + GROUP <= to; ch += GROUP) {
        biasActBackward<A, GROUP>(y, dy, dx, n, c, s, slope, sums, (int) ch);
    }
    for (; ch < to; ch++) {
        biasActBackward<A, 1>(y, dy, dx, n, c, s, slope, sums, (int) ch);
    }
}

}  // namespace

extern "C" {

void gan4j_cpu_bn_forward(const float* x, float* y, int n, int c, int s, const float* gamma, const float* beta,
                          float eps, int act, float slope, double* stats, long from, long to) {
    switch (act) {
        case RELU:
            bnForwardRange<RELU>(x, y, n, c, s, gamma, beta, eps, slope, stats, from, to);
            break;
        case LEAKY:
            bnForwardRange<LEAKY>(x, y, n, c, s, gamma, beta, eps, slope, stats, from, to);
            break;
        default:
            bnForwardRange<IDENTITY>(x, y, n, c, s, gamma, beta, eps, slope, stats, from, to);
    }
}

void gan4j_cpu_bn_backward(const float* x, const float* y, const float* dy, float* dx, int n, int c, int s,
                           const float* gamma, const float* mean, const float* invStd, int act, float slope,
                           double* sums, long from, long to) {
    switch (act) {
        case RELU:
            bnBackwardRange<RELU>(x, y, dy, dx, n, c, s, gamma, mean, invStd, slope, sums, from, to);
            break;
        case LEAKY:
            bnBackwardRange<LEAKY>(x, y, dy, dx, n, c, s, gamma, mean, invStd, slope, sums, from, to);
            break;
        default:
            bnBackwardRange<IDENTITY>(x, y, dy, dx, n, c, s, gamma, mean, invStd, slope, sums, from, to);
    }
}

void gan4j_cpu_bias_act_forward(const float* x, const float* bias, float* y, int c, int s, int act, float slope,
                                long from, long to) {
    switch (act) {
        case RELU:
            biasActForward<RELU>(x, bias, y, c, s, slope, from, to);
            break;
        case LEAKY:
            biasActForward<LEAKY>(x, bias, y, c, s, slope, from, to);
            break;
        default:
            biasActForward<IDENTITY>(x, bias, y, c, s, slope, from, to);
    }
}

void gan4j_cpu_bias_act_backward(const float* y, const float* dy, float* dx, int n, int c, int s, int act,
                                 float slope, double* sums, long from, long to) {
    switch (act) {
        case RELU:
            biasActBackwardRange<RELU>(y, dy, dx, n, c, s, slope, sums, from, to);
            break;
        case LEAKY:
            biasActBackwardRange<LEAKY>(y, dy, dx, n, c, s, slope, sums, from, to);
            break;
        default:
            biasActBackwardRange<IDENTITY>(y, dy, dx, n, c, s, slope, sums, from, to);
    }
}

GAN4J_LOOPS void gan4j_cpu_adam(const float* grad, float* param, float* m, float* v, float lr, double b1, double b2,
                                double bc1, double bc2, float eps, float wd, long from, long to) {
    // Four elements per step with AVX2 intrinsics (g++ does not vectorise sqrt while it may set errno), each
    // operation the scalar loop's below, in its order.
    const __m256d vb1 = _mm256_set1_pd(b1);
    const __m256d vb1c = _mm256_set1_pd(1 - b1);
    const __m256d vb2 = _mm256_set1_pd(b2);
    const __m256d vb2c = _mm256_set1_pd(1 - b2);
    const __m256d vbc1 = _mm256_set1_pd(bc1);
    const __m256d vbc2 = _mm256_set1_pd(bc2);
    const __m256d vlr = _mm256_set1_pd(lr);
    const __m256d veps = _mm256_set1_pd(eps);
    const __m256d vwd = _mm256_set1_pd(wd);
    long i = from;
    for (; i + 4 <= to; i += 4) {
        __m256d p = _mm256_cvtps_pd(_mm_loadu_ps(param + i));
        __m256d g = _mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(grad + i)), _mm256_mul_pd(vwd, p));
        __m256d mi = _mm256_add_pd(_mm256_mul_pd(vb1, _mm256_cvtps_pd(_mm_loadu_ps(m + i))), _mm256_mul_pd(vb1c, g));
        __m256d vi = _mm256_add_pd(_mm256_mul_pd(vb2, _mm256_cvtps_pd(_mm_loadu_ps(v + i))),
                                   _mm256_mul_pd(_mm256_mul_pd(vb2c, g), g));
        _mm_storeu_ps(m + i, _mm256_cvtpd_ps(mi));
        _mm_storeu_ps(v + i, _mm256_cvtpd_ps(vi));
        __m256d step = _mm256_div_pd(_mm256_mul_pd(vlr, _mm256_div_pd(mi, vbc1)),
                                     _mm256_add_pd(_mm256_sqrt_pd(_mm256_div_pd(vi, vbc2)), veps));
        _mm_storeu_ps(param + i, _mm256_cvtpd_ps(_mm256_sub_pd(p, step)));
    }
    double lrd = lr;
    double epsd = eps;
    double wdd = wd;
    for (; i < to; i++) {
        double p = param[i];
        double g = grad[i] + wdd * p;
        double mi = b1 * m[i] + (1 - b1) * g;
        double vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = (float) mi;
        v[i] = (float) vi;
        param[i] = (float) (p - lrd * (mi / bc1) / (std::sqrt(vi / bc2) + epsd));
    }
}

}  // extern "C"
