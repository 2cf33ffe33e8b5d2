package org.gan4j.backend;

import org.gan4j.tensor.Tensor;

/**
 * Copies of small device results (training metrics) to the host that do not stall the backend: {@link #start}
 * enqueues the copy of a tensor into a slot in order with the ops before it and returns; {@link #finish} waits for
 * that copy alone, not for the ops enqueued after it. So a trainer can start reading step k's metrics, enqueue step
 * k + 1, and only then collect step k's values while the device is busy. On the CPU (this class's default,
 * {@link Backend#newHostReadback}) ops run when called, and {@code start} copies at once; the CUDA backend copies
 * into pinned memory on its stream and records an event per slot.
 *
 * <p>Threads: the backend's thread. Close it before its backend.
 */
public abstract class HostReadback implements AutoCloseable {
    private final int slots;
    private final int floats;

    protected HostReadback(int slots, int floats) {
        if (slots < 1 || floats < 1) {
            throw new IllegalArgumentException("a host readback needs at least one slot of at least one float, got "
                    + slots + " slots of " + floats + " floats");
        }
        this.slots = slots;
        this.floats = floats;
    }

    /** Number of slots. */
    public final int slots() {
        return slots;
    }

    /** Values per slot: the size of the tensors it reads. */
    public final int floats() {
        return floats;
    }

    /** Enqueues {@code slot = src} (its values as of the ops enqueued before this call). */
    public abstract void start(int slot, Tensor src);

    /** Waits for {@code slot}'s last {@link #start} to complete and copies its values into {@code dst}. */
    public abstract void finish(int slot, float[] dst);

    /** Frees the slots (idempotent). */
    @Override
    public abstract void close();

    /** Checks a slot and a tensor against {@code backend}. */
    protected final void check(int slot, Backend backend, Tensor src) {
        if (slot < 0 || slot >= slots) {
            throw new IndexOutOfBoundsException("readback slot " + slot + " of " + slots);
        }
        if (src != null && (src.backend() != backend || src.size() != floats)) {
            throw new IllegalArgumentException("readback source must be a tensor of " + floats + " values on the "
                    + backend.name() + " backend that made this readback, got " + src.shape() + " on "
                    + src.backend().name());
        }
    }

    /** The CPU default: {@code start} copies at once (the backend's ops have finished when they return). */
    static final class OnHeap extends HostReadback {
        private final Backend backend;
        private final float[][] values;

        OnHeap(Backend backend, int slots, int floats) {
            super(slots, floats);
            this.backend = backend;
            values = new float[slots][floats];
        }

        @Override
        public void start(int slot, Tensor src) {
            check(slot, backend, src);
            backend.copyToHost(src, values[slot]);
        }

        @Override
        public void finish(int slot, float[] dst) {
            check(slot, backend, null);
            System.arraycopy(values[slot], 0, dst, 0, floats());
        }

        @Override
        public void close() {
        }
    }
}
