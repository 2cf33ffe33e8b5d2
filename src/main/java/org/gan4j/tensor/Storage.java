package org.gan4j.tensor;

/**
 * Memory that holds tensor elements: host memory for the CPU backend, device memory for CUDA. Each backend has its
 * own implementation; code above the backends never looks inside. Closing frees the memory.
 */
public interface Storage extends AutoCloseable {
    /** Element type stored. */
    DType dtype();

    /** Capacity in elements. */
    long capacity();

    /** Frees the memory; idempotent. */
    @Override
    void close();
}
