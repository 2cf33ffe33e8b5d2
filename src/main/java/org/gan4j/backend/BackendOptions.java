package org.gan4j.backend;

import java.util.Objects;

/**
 * What a caller may ask of any backend it opens through {@link Backends}; a backend ignores what does not apply to it.
 *
 * @param threads   CPU threads for backends that compute on the host, 0 for every available processor
 * @param precision the arithmetic to train in (see {@link Precision}); a backend that cannot compute in it refuses
 *                  at creation with a message naming the precisions it has ({@link Capabilities#precisions()})
 */
public record BackendOptions(int threads, Precision precision) {
    /** Every processor, TF32 (FP32 on the CPU). */
    public static final BackendOptions DEFAULT = new BackendOptions(0, Precision.TF32);

    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 means every processor), got " + threads);
        }
        Objects.requireNonNull(precision, "precision (Precision.TF32 is the default)");
    }

    /** {@code threads} threads, the default precision (TF32). */
    public BackendOptions(int threads) {
        this(threads, Precision.TF32);
    }

    /** {@link #threads()}, with 0 resolved to the number of available processors. */
    public int threadsOrProcessors() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
