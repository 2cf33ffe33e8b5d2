/**
 * The CPU backends. {@link org.gan4j.backend.cpu.CpuBackend}: the fast F32 backend and the fallback where no GPU is
 * present; tensors live in off-heap JavaCPP memory, convolutions run in gan4j's native AVX2 kernels
 * ({@code src/main/cpp/cpu}, through {@code CpuKernels}) where they load, matrix products and otherwise the GEMMs of
 * convolution (im2col / col2im) go to OpenBLAS without copies, the rest are Java loops over bulk-moved arrays,
 * parallelised over a backend-owned thread pool. {@link org.gan4j.backend.cpu.ReferenceBackend}: the F64 reference,
 * every op as the direct loops of its formula on one thread: the single spec the fast backend and the CUDA kernels
 * are tested against, and the backend of the finite-difference gradient checks. Both are reached through
 * {@link org.gan4j.backend.Backends} (the CPU backend's provider, {@code cpu}); tests name them directly.
 */
package org.gan4j.backend.cpu;
