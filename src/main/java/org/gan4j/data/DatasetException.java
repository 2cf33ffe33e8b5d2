package org.gan4j.data;

/**
 * Data that cannot be loaded: a missing, truncated or malformed file, or a loader that failed. The message names the
 * file (where there is one), what is wrong and, where there is one, the fix.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with this message. */
    public DatasetException(String message) {
        super(message);
    }

    /** An error with this message, caused by {@code cause}. */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
