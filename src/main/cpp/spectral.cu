/*
 * spectral.cu - spectral normalisation of a weight (Miyato et al. 2018): one power-iteration step and the gradient.
 *
 * Shapes: w, wsn, dwsn, dw: (out, k) row-major (a conv weight (out, in, kh, kw) read flat); u: out; v: k; sigma: 1.
 * Contract (org.gan4j.backend.Backend), nrm(a) = a / max(||a||, 1e-12):
 *   forward   if update: v = nrm(W^T u);  s = W v;  sigma = ||s||;  u = nrm(s);  wsn = w / max(sigma, 1e-12)
 *   backward  dw += (dwsn - <dwsn, wsn> u v^T) / max(sigma, 1e-12)
 * CPU reference: CpuBackend.doSpectralNormForward / doSpectralNormBackward (double). Here every dot product and norm
 * is summed in double by one thread or one block in a fixed order, so results are deterministic; the weights are
 * small (out and k at most a few thousand), so the matrix-vector products are plain loops, one thread per output.
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

constexpr double kSpectralEps = 1e-12;

/* t_j = sum_i W[i, j] u_i, one thread per column j (reads of a row are coalesced across threads). */
__global__ void wt_u_kernel(const float* w, const float* u, int out, int k, double* t) {
    for (long long j = global_thread(); j < k; j += grid_stride()) {
        double acc = 0.0;
        for (int i = 0; i < out; i++) {
            acc += (double)w[(long long)i * k + j] * (double)u[i];
        }
        t[j] = acc;
    }
}

/* s_i = sum_j W[i, j] v_j, one thread per row i. */
__global__ void w_v_kernel(const float* w, const float* v, int out, int k, double* s) {
    for (long long i = global_thread(); i < out; i += grid_stride()) {
        double acc = 0.0;
        const float* row = w + i * (long long)k;
        for (int j = 0; j < k; j++) {
            acc += (double)row[j] * (double)v[j];
        }
        s[i] = acc;
    }
}

/* One block: dst = a / max(||a||, eps); norm_out (when not null) = ||a||; *norm_slot = ||a|| in double. */
__global__ void normalize_kernel(const double* a, int n, float* dst, float* norm_out, double* norm_slot) {
    __shared__ double norm;
    double acc[1] = {0.0};
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        acc[0] += a[i] * a[i];
    }
    block_sum<1>(acc);
    if (threadIdx.x == 0) {
        norm = sqrt(acc[0]);
        *norm_slot = norm;
        if (norm_out != nullptr) norm_out[0] = (float)norm;
    }
    __syncthreads();
    const double inv = 1.0 / fmax(norm, kSpectralEps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        dst[i] = (float)(a[i] * inv);
    }
}

__global__ void divide_kernel(const float* w, long long n, const double* norm_slot, float* wsn) {
    const double inv = 1.0 / fmax(*norm_slot, kSpectralEps);
    for (long long i = global_thread(); i < n; i += grid_stride()) {
        wsn[i] = (float)((double)w[i] * inv);
    }
}

/* <dwsn, wsn>: the sum_reduce_kernel instantiated with this op; the total goes to *dot. */
struct DotOp {
    const float* a;
    const float* b;
    double* dot;
    __device__ double element(long long i) const { return (double)a[i] * (double)b[i]; }
    __device__ void finish(double sum) const { *dot = sum; }
};

__global__ void spectral_backward_kernel(const float* dwsn, const float* u, const float* v, const float* sigma,
                                         const double* dot, int out, int k, float* dw) {
    const double inv = 1.0 / fmax((double)sigma[0], kSpectralEps);
    const double c = *dot;
    const long long n = (long long)out * k;
    for (long long e = global_thread(); e < n; e += grid_stride()) {
        const long long i = e / k;
        const long long j = e - i * k;
        dw[e] = (float)((double)dw[e] + ((double)dwsn[e] - c * (double)u[i] * (double)v[j]) * inv);
    }
}

}  // namespace

extern "C" {

int gan4j_spectral_norm_forward(const float* w, float* u, float* v, int out, int k, int update, float* sigma,
                                float* wsn, double* scratch, void* stream) {
    if (out <= 0 || k <= 0) return (int)cudaErrorInvalidValue;
    cudaStream_t s = as_stream(stream);
    /* the per-channel slots of scratch, sized by the caller for (max(out, k) + 1) / kChannelSlots channels */
    double* vec = channel_coefficients(scratch); /* max(out, k) doubles: W^T u, then W v */
    double* norm_slot = vec + (out > k ? out : k);
    if (update) {
        wt_u_kernel<<<grid_for(k), kThreads, 0, s>>>(w, u, out, k, vec);
        normalize_kernel<<<1, kThreads, 0, s>>>(vec, k, v, nullptr, norm_slot);
    }
    w_v_kernel<<<grid_for(out), kThreads, 0, s>>>(w, v, out, k, vec);
    normalize_kernel<<<1, kThreads, 0, s>>>(vec, out, u, sigma, norm_slot);
    divide_kernel<<<grid_for((long long)out * k), kThreads, 0, s>>>(w, (long long)out * k, norm_slot, wsn);
    return launch_status();
}

int gan4j_spectral_norm_backward(const float* dwsn, const float* wsn, const float* u, const float* v,
                                 const float* sigma, int out, int k, float* dw, double* scratch, void* stream) {
    if (out <= 0 || k <= 0) return (int)cudaErrorInvalidValue;
    cudaStream_t s = as_stream(stream);
    double* dot = channel_coefficients(scratch); /* a free slot after the reduction partials */
    const long long n = (long long)out * k;
    int status = launch_sum_reduce(DotOp{dwsn, wsn, dot}, n, scratch, s);
    if (status != 0) return status;
    spectral_backward_kernel<<<grid_for(n), kThreads, 0, s>>>(dwsn, u, v, sigma, dot, out, k, dw);
    return launch_status();
}

}  // extern "C"
