package org.gan4j.backend;

/**
 * The state of one counter-based random stream (Philox4x32-10, see {@link Philox}): a 64-bit key (the seed) and a
 * 64-bit block counter that every random op advances. Made by {@link Backend#newRandom(long)}; on CUDA the counter
 * lives on the device so that a captured iteration can be replayed. Saving {@link #counter()} and restoring it with
 * {@link #setCounter(long)} resumes the stream exactly.
 */
public abstract class RandomState implements AutoCloseable {
    private final long seed;

    protected RandomState(long seed) {
        this.seed = seed;
    }

    /** The key of the stream. */
    public final long seed() {
        return seed;
    }

    /** The next unused Philox block (synchronises on CUDA). */
    public abstract long counter();

    /** Moves the stream to block {@code counter}. */
    public abstract void setCounter(long counter);

    @Override
    public void close() {
    }
}
