package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;

import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One {@code cudaMalloc} allocation, freed by {@link #close()} (idempotent). Out of memory raises a
 * {@link CudaException} that says how much was asked for, how much is free, and what to do about it.
 */
final class DeviceBuffer implements AutoCloseable {
    private final long bytes;
    private long address;

    private DeviceBuffer(long address, long bytes) {
        this.address = address;
        this.bytes = bytes;
    }

    /** {@code bytes} (at least 1) of device memory for {@code what} (named in an out-of-memory message). */
    static DeviceBuffer allocate(long bytes, String what) {
        long size = Math.max(1, bytes);
        Pointer p = new Pointer();
        int status = cudaMalloc(p, size);
        if (status == cudaErrorMemoryAllocation) {
            cudaGetLastError(); // clear the (non-sticky) error so later calls do not report it again
            throw new CudaException("cudaMalloc", status, outOfMemory(size, what));
        }
        CudaException.checkCuda(status, "cudaMalloc(" + size + " bytes for " + what + ")");
        return new DeviceBuffer(p.address(), size);
    }

    private static String outOfMemory(long asked, String what) {
        String free = "unknown";
        try (SizeTPointer f = new SizeTPointer(1); SizeTPointer t = new SizeTPointer(1)) {
            if (cudaMemGetInfo(f, t) == 0) {
                free = mib(f.get()) + " free of " + mib(t.get());
            }
        }
        return "out of GPU memory: cudaMalloc of " + mib(asked) + " for " + what + " failed (cudaErrorMemoryAllocation); "
                + free + ". Use a smaller batch size, or free GPU memory held by other processes (nvidia-smi).";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    long bytes() {
        return bytes;
    }

    /** The device address; throws once closed. */
    long address() {
        if (address == 0) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes is already freed");
        }
        return address;
    }

    /** The address as a pointer for the bindings, {@code byteOffset} bytes in. */
    DevicePointer pointer(long byteOffset) {
        return new DevicePointer(address() + byteOffset);
    }

    boolean isClosed() {
        return address == 0;
    }

    @Override
    public void close() {
        if (address != 0) {
            long a = address;
            address = 0;
            CudaException.checkCuda(cudaFree(new DevicePointer(a)), "cudaFree");
        }
    }
}
