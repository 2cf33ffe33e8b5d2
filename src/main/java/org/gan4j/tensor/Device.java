package org.gan4j.tensor;

/**
 * Where a {@link Tensor}'s storage lives, as far as the tensor itself needs to know: a name for messages and the copies
 * to and from host arrays. Implemented by {@code org.gan4j.backend.Backend}, which makes every tensor and runs every
 * op; this interface keeps the tensor package below the backend package (no import cycle).
 */
public interface Device {
    /** Short name, e.g. {@code cpu} or {@code cuda}. */
    String name();

    /** {@code dst = src}, converting to the device's dtype. */
    void copyFromHost(float[] src, Tensor dst);

    /** {@code dst = src}, converting to the device's dtype. */
    void copyFromHost(double[] src, Tensor dst);

    /** {@code dst = src} (waits for pending ops that write {@code src}). */
    void copyToHost(Tensor src, float[] dst);

    /** {@code dst = src} (waits for pending ops that write {@code src}). */
    void copyToHost(Tensor src, double[] dst);
}
