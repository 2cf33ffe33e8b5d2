package org.gan4j.backend;

/**
 * What a caller may ask of any backend it opens through {@link Backends}; a backend ignores what does not apply to it.
 *
 * @param threads CPU threads for backends that compute on the host, 0 for every available processor
 */
public record BackendOptions(int threads) {
    /** Every processor. */
    public static final BackendOptions DEFAULT = new BackendOptions(0);

    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 means every processor), got " + threads);
        }
    }

    /** {@link #threads()}, with 0 resolved to the number of available processors. */
    public int threadsOrProcessors() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
