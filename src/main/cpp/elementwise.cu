/*
 * elementwise.cu - fill, copy, scale, axpy, multiply, and the scalar reductions mean(act(x)) and sum of squares.
 *
 * Shapes: flat float buffers of n elements (any tensor, read in order).
 * Contract (org.gan4j.backend.Backend): fill dst = value; copy dst = src; scale x *= alpha; axpy y += alpha * x;
 * multiply out = a * b (out may be a or b); mean out[0] = mean_i act(x_i); sumOfSquares out[0] = sum_i x_i^2.
 * CPU reference: CpuBackend.doFill/doCopy/doScale/doAxpy/doMultiply/doMean/doSumOfSquares, which accumulate the
 * reductions in double; here each thread and each level of the tree adds in double too, in a fixed order.
 * Maps use float4 loads and stores when every pointer is 16-byte aligned (the tail is done elementwise).
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

template <bool VEC>
__global__ void fill_kernel(float value, float* dst, long long n) {
    for_each_index<VEC>(
        n, [&](long long i) { dst[i] = value; },
        [&](long long q) { reinterpret_cast<float4*>(dst)[q] = make_float4(value, value, value, value); });
}

template <bool VEC>
__global__ void copy_kernel(const float* src, float* dst, long long n) {
    for_each_index<VEC>(
        n, [&](long long i) { dst[i] = src[i]; },
        [&](long long q) { reinterpret_cast<float4*>(dst)[q] = reinterpret_cast<const float4*>(src)[q]; });
}

template <bool VEC>
__global__ void scale_kernel(float alpha, float* x, long long n) {
    for_each_index<VEC>(
        n, [&](long long i) { x[i] = alpha * x[i]; },
        [&](long long q) {
            float4 v = reinterpret_cast<float4*>(x)[q];
            v.x *= alpha;
            v.y *= alpha;
            v.z *= alpha;
            v.w *= alpha;
            reinterpret_cast<float4*>(x)[q] = v;
        });
}

template <bool VEC>
__global__ void axpy_kernel(float alpha, const float* x, float* y, long long n) {
    for_each_index<VEC>(
        n, [&](long long i) { y[i] = y[i] + alpha * x[i]; },
        [&](long long q) {
            const float4 a = reinterpret_cast<const float4*>(x)[q];
            float4 b = reinterpret_cast<float4*>(y)[q];
            b.x += alpha * a.x;
            b.y += alpha * a.y;
            b.z += alpha * a.z;
            b.w += alpha * a.w;
            reinterpret_cast<float4*>(y)[q] = b;
        });
}

/* out may alias a or b: each element is read before it is written, by the same thread. */
template <bool VEC>
__global__ void multiply_kernel(const float* a, const float* b, float* out, long long n) {
    for_each_index<VEC>(
        n, [&](long long i) { out[i] = a[i] * b[i]; },
        [&](long long q) {
            const float4 u = reinterpret_cast<const float4*>(a)[q];
            const float4 v = reinterpret_cast<const float4*>(b)[q];
            reinterpret_cast<float4*>(out)[q] = make_float4(u.x * v.x, u.y * v.y, u.z * v.z, u.w * v.w);
        });
}

/* mean_kernel: out[0] = sum act(x_i) / n (the sum_reduce_kernel instantiated with this op). */
struct MeanOp {
    const float* x;
    long long n;
    int act;
    float slope;
    float* out;
    __device__ double element(long long i) const { return (double)activate(x[i], act, slope); }
    __device__ void finish(double sum) const { out[0] = (float)(sum / (double)n); }
};

/* sum_of_squares_kernel: out[0] = sum x_i^2, squares taken in double as the CPU reference. */
struct SumOfSquaresOp {
    const float* x;
    float* out;
    __device__ double element(long long i) const {
        const double v = x[i];
        return v * v;
    }
    __device__ void finish(double sum) const { out[0] = (float)sum; }
};


}  // namespace

extern "C" {

long long gan4j_scratch_bytes(long long channels) {
    return (long long)sizeof(double)
        * (2 * kChannelPartials + kChannelSlots * (channels < 1 ? 1 : channels) + 2 * kWidePartials);
}

int gan4j_fill(float value, float* dst, long long n, void* stream) {
    if (n <= 0) return 0;
    const bool vec = aligned16(dst);
    return launch_vec(vec, n, stream, fill_kernel<true>, fill_kernel<false>, value, dst, n);
}

int gan4j_copy(const float* src, float* dst, long long n, void* stream) {
    if (n <= 0) return 0;
    const bool vec = aligned16(src) && aligned16(dst);
    return launch_vec(vec, n, stream, copy_kernel<true>, copy_kernel<false>, src, dst, n);
}

int gan4j_scale(float alpha, float* x, long long n, void* stream) {
    if (n <= 0) return 0;
    const bool vec = aligned16(x);
    return launch_vec(vec, n, stream, scale_kernel<true>, scale_kernel<false>, alpha, x, n);
}

int gan4j_axpy(float alpha, const float* x, float* y, long long n, void* stream) {
    if (n <= 0) return 0;
    const bool vec = aligned16(x) && aligned16(y);
    return launch_vec(vec, n, stream, axpy_kernel<true>, axpy_kernel<false>, alpha, x, y, n);
}

int gan4j_multiply(const float* a, const float* b, float* out, long long n, void* stream) {
    if (n <= 0) return 0;
    const bool vec = aligned16(a) && aligned16(b) && aligned16(out);
    return launch_vec(vec, n, stream, multiply_kernel<true>, multiply_kernel<false>, a, b, out, n);
}

int gan4j_mean(const float* x, long long n, enum gan4j_activation act, float slope, float* out, double* scratch,
               void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    return launch_sum_reduce(MeanOp{x, n, act, slope, out}, n, scratch, as_stream(stream));
}

int gan4j_sum_of_squares(const float* x, long long n, float* out, double* scratch, void* stream) {
    if (n <= 0) return (int)cudaErrorInvalidValue;
    return launch_sum_reduce(SumOfSquaresOp{x, out}, n, scratch, as_stream(stream));
}

}  // extern "C"
