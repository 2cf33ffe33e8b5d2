/*
 * random.cu - Philox4x32-10 random ops whose counter lives on the device (so an iteration can be captured as a
 * CUDA graph and replayed: each replay draws fresh numbers).
 *
 * Shapes: dst, x, mask, y: n elements, read flat; counter: one uint64 in device memory (the next unused block).
 * Contract (org.gan4j.backend.Philox, the reference stream, word for word; float math may differ in the last ulp):
 *   an op over n elements starting at counter c uses blocks c .. c+B-1 (B = ceil(n/4), or ceil(n/2) for
 *   fill_targets) and then sets the counter to c+B (a one-thread kernel after the generating kernel, same stream).
 *   uniform      element i = low + (high - low) * u(word(c + i/4, i%4)),  u(w) = (w >>> 8) 2^-24
 *   normal       elements 4b..4b+3 from block c+b, Box-Muller on word pairs (0,1) and (2,3):
 *                r = sqrt(-2 ln(((w0>>>8)+1) 2^-24)), t = 2 pi u(w1), (r cos t, r sin t); then mean + std * z
 *   fill_targets element i: block c + i/2, u1 = u(word 2(i%2)), u2 = u(word 2(i%2)+1),
 *                (u1 < flip_probability ? flipped_value : value) + noise (2 u2 - 1)
 *   dropout      mask_i = u(word(c + i/4, i%4)) >= p ? 1/(1-p) : 0,  y = x * mask
 * CPU reference: CpuBackend.doRandomNormal / doRandomUniform / doFillTargets / doDropoutForward (double math).
 * One thread per Philox block; float4 (float2) stores when dst is aligned and the block is whole.
 */
#include "gan4j_device.cuh"

using namespace gan4j;

namespace {

__global__ void advance_counter_kernel(unsigned long long* counter, unsigned long long blocks) {
    *counter += blocks;
}

__global__ void set_counter_kernel(unsigned long long* counter, unsigned long long value) {
    *counter = value;
}

/* Block b's four values z into dst[4b .. 4b+3]: one float4 store when vec and the block is whole, else those < n. */
__device__ __forceinline__ void store_block4(float* dst, long long n, long long b, bool vec, const float (&z)[4]) {
    const long long i = b << 2;
    if (vec && i + 3 < n) {
        reinterpret_cast<float4*>(dst)[b] = make_float4(z[0], z[1], z[2], z[3]);
    } else {
        for (int k = 0; k < 4 && i + k < n; k++) dst[i + k] = z[k];
    }
}

__global__ void random_normal_kernel(unsigned long long seed, const unsigned long long* counter, float mean,
                                     float std, float* dst, long long n, long long blocks, bool vec) {
    const unsigned long long base = *counter;
    for (long long b = global_thread(); b < blocks; b += grid_stride()) {
        const uint4 w = philox_block(seed, base + (unsigned long long)b);
        const float r0 = sqrtf(-2.f * logf(uniform24_open_zero(w.x)));
        const float r1 = sqrtf(-2.f * logf(uniform24_open_zero(w.z)));
        float s0, c0, s1, c1;
        sincospif(2.f * uniform24(w.y), &s0, &c0); /* sin/cos of 2 pi u, 2u exact */
        sincospif(2.f * uniform24(w.w), &s1, &c1);
        const float z[4] = {mean + std * (r0 * c0), mean + std * (r0 * s0), mean + std * (r1 * c1),
                            mean + std * (r1 * s1)};
        store_block4(dst, n, b, vec, z);
    }
}

__global__ void random_uniform_kernel(unsigned long long seed, const unsigned long long* counter, float low,
                                      float range, float* dst, long long n, long long blocks, bool vec) {
    const unsigned long long base = *counter;
    for (long long b = global_thread(); b < blocks; b += grid_stride()) {
        const uint4 w = philox_block(seed, base + (unsigned long long)b);
        const float z[4] = {low + range * uniform24(w.x), low + range * uniform24(w.y), low + range * uniform24(w.z),
                            low + range * uniform24(w.w)};
        store_block4(dst, n, b, vec, z);
    }
}

__global__ void fill_targets_kernel(unsigned long long seed, const unsigned long long* counter, float value,
                                    float flipped_value, float flip_probability, float noise, float* dst, long long n,
                                    long long blocks, bool vec) {
    const unsigned long long base = *counter;
    for (long long b = global_thread(); b < blocks; b += grid_stride()) {
        const uint4 w = philox_block(seed, base + (unsigned long long)b);
        const float t0 = (uniform24(w.x) < flip_probability ? flipped_value : value)
                         + noise * (2.f * uniform24(w.y) - 1.f);
        const float t1 = (uniform24(w.z) < flip_probability ? flipped_value : value)
                         + noise * (2.f * uniform24(w.w) - 1.f);
        const long long i = b << 1;
        if (vec && i + 1 < n) {
            reinterpret_cast<float2*>(dst)[b] = make_float2(t0, t1);
        } else {
            dst[i] = t0;
            if (i + 1 < n) dst[i + 1] = t1;
        }
    }
}

__global__ void dropout_forward_kernel(unsigned long long seed, const unsigned long long* counter, float p,
                                       float keep, const float* x, float* mask, float* y, long long n,
                                       long long blocks, bool vec) {
    const unsigned long long base = *counter;
    for (long long b = global_thread(); b < blocks; b += grid_stride()) {
        const uint4 w = philox_block(seed, base + (unsigned long long)b);
        const float mk[4] = {uniform24(w.x) >= p ? keep : 0.f, uniform24(w.y) >= p ? keep : 0.f,
                             uniform24(w.z) >= p ? keep : 0.f, uniform24(w.w) >= p ? keep : 0.f};
        const long long i = b << 2;
        if (vec && i + 3 < n) {
            const float4 xv = reinterpret_cast<const float4*>(x)[b];
            reinterpret_cast<float4*>(mask)[b] = make_float4(mk[0], mk[1], mk[2], mk[3]);
            reinterpret_cast<float4*>(y)[b] = make_float4(xv.x * mk[0], xv.y * mk[1], xv.z * mk[2], xv.w * mk[3]);
        } else {
            for (int k = 0; k < 4 && i + k < n; k++) {
                const float xv = x[i + k];
                mask[i + k] = mk[k];
                y[i + k] = xv * mk[k];
            }
        }
    }
}

int advance(unsigned long long* counter, long long blocks, cudaStream_t stream) {
    advance_counter_kernel<<<1, 1, 0, stream>>>(counter, (unsigned long long)blocks);
    return launch_status();
}

}  // namespace

extern "C" {

int gan4j_random_normal(long long seed, unsigned long long* counter, float mean, float std, float* dst, long long n,
                        void* stream) {
    if (n <= 0) return 0;
    const long long blocks = (n + 3) / 4;
    random_normal_kernel<<<grid_for(blocks), kThreads, 0, as_stream(stream)>>>(
        (unsigned long long)seed, counter, mean, std, dst, n, blocks, aligned16(dst));
    const int status = launch_status();
    return status != 0 ? status : advance(counter, blocks, as_stream(stream));
}

int gan4j_random_uniform(long long seed, unsigned long long* counter, float low, float high, float* dst,
                         long long n, void* stream) {
    if (n <= 0) return 0;
    const long long blocks = (n + 3) / 4;
    const float range = (float)((double)high - (double)low);
    random_uniform_kernel<<<grid_for(blocks), kThreads, 0, as_stream(stream)>>>(
        (unsigned long long)seed, counter, low, range, dst, n, blocks, aligned16(dst));
    const int status = launch_status();
    return status != 0 ? status : advance(counter, blocks, as_stream(stream));
}

int gan4j_fill_targets(long long seed, unsigned long long* counter, float value, float flipped_value,
                       float flip_probability, float noise, float* dst, long long n, void* stream) {
    if (n <= 0) return 0;
    const long long blocks = (n + 1) / 2;
    fill_targets_kernel<<<grid_for(blocks), kThreads, 0, as_stream(stream)>>>(
        (unsigned long long)seed, counter, value, flipped_value, flip_probability, noise, dst, n, blocks,
        ((uintptr_t)dst & 7u) == 0);
    const int status = launch_status();
    return status != 0 ? status : advance(counter, blocks, as_stream(stream));
}

int gan4j_dropout_forward(long long seed, unsigned long long* counter, float p, const float* x, float* mask,
                          float* y, long long n, void* stream) {
    if (n <= 0) return 0;
    if (!(p >= 0.f && p < 1.f)) return (int)cudaErrorInvalidValue;
    const long long blocks = (n + 3) / 4;
    const float keep = (float)(1.0 / (1.0 - (double)p));
    dropout_forward_kernel<<<grid_for(blocks), kThreads, 0, as_stream(stream)>>>(
        (unsigned long long)seed, counter, p, keep, x, mask, y, n, blocks,
        aligned16(x) && aligned16(mask) && aligned16(y));
    const int status = launch_status();
    return status != 0 ? status : advance(counter, blocks, as_stream(stream));
}

int gan4j_random_set_counter(long long value, unsigned long long* counter, void* stream) {
    set_counter_kernel<<<1, 1, 0, as_stream(stream)>>>(counter, (unsigned long long)value);
    return launch_status();
}

}  // extern "C"
