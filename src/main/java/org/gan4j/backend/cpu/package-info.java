/**
 * The CPU backend: the reference implementation of every {@link org.gan4j.backend.Backend} op (the spec the CUDA
 * backend is tested against) and the fallback where no GPU is present. F32 for training, F64 for finite-difference
 * gradient checks. Tensors live in off-heap JavaCPP memory; matrix products and the GEMMs of convolution (im2col /
 * col2im) go to OpenBLAS without copies; the rest are plain Java loops, parallelised over a backend-owned thread pool.
 * Start with {@link org.gan4j.backend.cpu.CpuBackend#create()}.
 */
package org.gan4j.backend.cpu;
