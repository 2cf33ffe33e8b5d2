package org.gan4j.backend;

import java.nio.FloatBuffer;
import org.gan4j.tensor.Tensor;

/**
 * Host buffers for input batches that loader threads fill, and their upload into a tensor of the backend without
 * stalling it: PyTorch's {@code DataLoader(pin_memory=True)} with {@code tensor.to(device, non_blocking=True)}.
 *
 * <p>The cycle of buffer {@code i}: a host thread calls {@link #awaitWritable(int) awaitWritable(i)}, writes
 * {@link #floats()} values into {@link #buffer(int) buffer(i)}, and hands {@code i} to the backend's thread, which
 * calls {@link #upload(int, Tensor) upload(i, dst)}; ops enqueued after that see the values in {@code dst}. On the
 * CPU (this class's default, {@link Backend#newHostStaging}) the buffers are Java arrays and the upload is
 * {@link Backend#copyFromHost(float[], Tensor)}; the CUDA backend uses pinned memory, copies on a stream of its own
 * into a device staging buffer (double-buffered) and has its compute stream wait for that copy on the device, so
 * the training thread never waits for a batch to cross the bus.
 *
 * <p>Threads: {@link #buffer} and {@link #awaitWritable} from any thread; {@link #upload} and {@link #close()} from
 * the backend's thread. Close it before its backend.
 */
public abstract class HostStaging implements AutoCloseable {
    private final int buffers;
    private final int floats;
    private final FloatBuffer[] views;

    protected HostStaging(int buffers, int floats) {
        if (buffers < 1 || floats < 1) {
            throw new IllegalArgumentException("host staging needs at least one buffer of at least one float, got "
                    + buffers + " buffers of " + floats + " floats");
        }
        this.buffers = buffers;
        this.floats = floats;
        this.views = new FloatBuffer[buffers];
    }

    /** Number of buffers. */
    public final int buffers() {
        return buffers;
    }

    /** Values per buffer: the size of the tensors it uploads into. */
    public final int floats() {
        return floats;
    }

    /** Buffer {@code i} (position 0, capacity {@link #floats()}); write it only between awaitWritable and upload. */
    public final FloatBuffer buffer(int i) {
        checkIndex(i);
        return views[i];
    }

    /** Blocks the calling thread until buffer {@code i}'s last upload has finished reading it. */
    public abstract void awaitWritable(int i);

    /**
     * Enqueues {@code dst = buffer(i)} on the backend, in order with its ops: what is enqueued afterwards sees the
     * new values. Returns without waiting for the copy on backends that can.
     *
     * @throws IllegalArgumentException when {@code dst} is not a tensor of this backend with {@link #floats()} values
     */
    public abstract void upload(int i, Tensor dst);

    /** Frees the buffers (idempotent). */
    @Override
    public abstract void close();

    /**
     * Sets what {@link #buffer(int) buffer(i)} returns (a view of {@link #floats()} values at position 0): a subclass's
     * constructor sets every buffer once.
     */
    protected final void setBuffer(int i, FloatBuffer view) {
        checkIndex(i);
        views[i] = view;
    }

    /** Checks a buffer index. */
    protected final void checkIndex(int i) {
        if (i < 0 || i >= buffers) {
            throw new IndexOutOfBoundsException("staging buffer " + i + " of " + buffers);
        }
    }

    /** Checks an upload's destination against {@code backend}. */
    protected final void checkDestination(Backend backend, Tensor dst) {
        if (dst == null || dst.backend() != backend || dst.size() != floats) {
            throw new IllegalArgumentException("upload destination must be a tensor of " + floats + " values on the "
                    + backend.name() + " backend that made this staging, got " + (dst == null ? "null"
                    : dst.shape() + " on " + dst.backend().name()));
        }
    }

    /** The CPU default: arrays, uploaded by {@link Backend#copyFromHost(float[], Tensor)} (which returns when done). */
    static final class OnHeap extends HostStaging {
        private final Backend backend;
        private final float[][] arrays;

        OnHeap(Backend backend, int buffers, int floats) {
            super(buffers, floats);
            this.backend = backend;
            arrays = new float[buffers][floats];
            for (int i = 0; i < buffers; i++) {
                setBuffer(i, FloatBuffer.wrap(arrays[i]));
            }
        }

        @Override
        public void awaitWritable(int i) {
            checkIndex(i); // an upload has finished reading when it returns
        }

        @Override
        public void upload(int i, Tensor dst) {
            checkIndex(i);
            checkDestination(backend, dst);
            backend.copyFromHost(arrays[i], dst);
        }

        @Override
        public void close() {
        }
    }
}
