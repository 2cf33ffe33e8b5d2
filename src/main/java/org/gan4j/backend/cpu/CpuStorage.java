package org.gan4j.backend.cpu;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Storage;

/**
 * Off-heap host memory for the CPU backend: a JavaCPP {@link FloatPointer} (F32) or {@link DoublePointer} (F64),
 * zero-filled when allocated, with a direct buffer view for Java loops. OpenBLAS reads and writes the same memory
 * through the pointer, so nothing is copied. {@link #close()} frees it and is idempotent; any later access throws
 * {@link IllegalStateException} instead of touching freed memory.
 */
final class CpuStorage implements Storage {
    private final DType dtype;
    private final int capacity;
    private Pointer pointer;
    private FloatBuffer floats;
    private DoubleBuffer doubles;

    CpuStorage(DType dtype, long elements) {
        if (elements < 1 || elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CPU storage holds 1 to 2^31-1 elements, asked for " + elements);
        }
        this.dtype = dtype;
        this.capacity = (int) elements;
        if (dtype == DType.F32) {
            FloatPointer p = new FloatPointer(elements);
            floats = p.asBuffer();
            pointer = p;
        } else {
            DoublePointer p = new DoublePointer(elements);
            doubles = p.asBuffer();
            pointer = p;
        }
        if (pointer.isNull()) {
            throw new OutOfMemoryError("could not allocate " + elements + " " + dtype + " elements off-heap");
        }
        Pointer.memset(pointer, 0, elements * dtype.bytes());
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** The F32 view; throws when closed. */
    FloatBuffer floats() {
        checkOpen();
        return floats;
    }

    /** The F64 view; throws when closed. */
    DoubleBuffer doubles() {
        checkOpen();
        return doubles;
    }

    /** A pointer {@code offset} elements into the memory, for OpenBLAS; throws when closed. */
    Pointer pointerAt(long offset) {
        checkOpen();
        return pointer.getPointer(offset);
    }

    boolean isClosed() {
        return pointer == null;
    }

    private void checkOpen() {
        if (pointer == null) {
            throw new IllegalStateException("this tensor's CPU storage was already closed (freed); allocate a new "
                    + "tensor instead of using a closed one");
        }
    }

    @Override
    public void close() {
        if (pointer != null) {
            pointer.deallocate();
            pointer = null;
            floats = null;
            doubles = null;
        }
    }
}
