package org.gan4j.backend.cuda;

import org.gan4j.backend.RandomState;

/**
 * A Philox stream of the CUDA backend: the key on the host, the 64-bit block counter in device memory, advanced by
 * the random kernels themselves (so a captured iteration draws fresh numbers on every replay). {@link #counter()}
 * reads it back (synchronises); {@link #setCounter} is enqueued on the backend's stream. Close to free the counter.
 */
public final class CudaRandomState extends RandomState {
    private final CudaBackend backend;
    private final DeviceBuffer counter;

    CudaRandomState(CudaBackend backend, long seed, DeviceBuffer counter) {
        super(seed);
        this.backend = backend;
        this.counter = counter;
    }

    CudaBackend backend() {
        return backend;
    }

    DeviceBuffer counterBuffer() {
        return counter;
    }

    @Override
    public long counter() {
        return backend.readCounter(this);
    }

    @Override
    public void setCounter(long value) {
        backend.writeCounter(this, value);
    }

    @Override
    public void close() {
        counter.close();
    }
}
