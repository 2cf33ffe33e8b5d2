/**
 * The CUDA backend: {@link org.gan4j.backend.cuda.CudaBackend} runs every {@link org.gan4j.backend.Backend} op on one
 * NVIDIA GPU, in float32, asynchronously on one stream it owns. Convolutions use cuDNN (algorithm chosen by
 * measurement once per shape), matrix products cuBLAS, and everything else gan4j's own kernels
 * ({@code src/main/cpp}, bound by {@code CudaKernels}), which reproduce the CPU backend (the reference) within the
 * tolerances the parity suite states. Device memory, handles, descriptors and the stream all have
 * {@link java.lang.AutoCloseable} owners.
 *
 * <p>Use {@link org.gan4j.backend.Backends#auto()} rather than this package directly: it probes CUDA once and falls
 * back to the CPU with a one-line reason. {@link org.gan4j.backend.cuda.CudaProbe} is that probe; nothing else on
 * the CPU path touches the CUDA libraries.
 */
package org.gan4j.backend.cuda;
