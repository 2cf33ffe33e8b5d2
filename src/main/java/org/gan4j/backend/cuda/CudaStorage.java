package org.gan4j.backend.cuda;

import org.gan4j.tensor.DType;
import org.gan4j.tensor.Storage;

/** Float32 tensor elements in GPU memory: one {@link DeviceBuffer}, freed on {@link #close()}. */
final class CudaStorage implements Storage {
    private final DeviceBuffer buffer;
    private final long capacity;

    CudaStorage(DeviceBuffer buffer, long capacity) {
        this.buffer = buffer;
        this.capacity = capacity;
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        return buffer.address() + offset * Float.BYTES;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
