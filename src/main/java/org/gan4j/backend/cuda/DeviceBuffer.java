package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;

import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.gan4j.backend.OutOfDeviceMemoryException;

/**
 * One {@code cudaMalloc} allocation, freed by {@link #close()} (idempotent). Out of memory raises an
 * {@link OutOfDeviceMemoryException} that says how much was asked for, how much is free, and what to do about it;
 * every other failed status a {@link CudaException}. A buffer may count itself in its owner's ledger of bytes held
 * (added on allocation, subtracted on close), which the exception reports and the backend exposes.
 */
final class DeviceBuffer implements AutoCloseable {
    private final long bytes;
    private final AtomicLong ledger;
    private long address;

    private DeviceBuffer(long address, long bytes, AtomicLong ledger) {
        this.address = address;
        this.bytes = bytes;
        this.ledger = ledger;
    }

    /** {@code bytes} (at least 1) of device memory for {@code what} (named in an out-of-memory message). */
    static DeviceBuffer allocate(long bytes, String what) {
        return allocate(bytes, what, null);
    }

    /**
     * {@code bytes} (at least 1) of device memory for {@code what}, counted in {@code ledger} (null: not counted)
     * while the buffer lives.
     *
     * @throws OutOfDeviceMemoryException on {@code cudaErrorMemoryAllocation}
     */
    static DeviceBuffer allocate(long bytes, String what, AtomicLong ledger) {
        long size = Math.max(1, bytes);
        Pointer p = new Pointer();
        int status = cudaMalloc(p, size);
        if (status == cudaErrorMemoryAllocation) {
            cudaGetLastError(); // clear the (non-sticky) error so later calls do not report it again
            String failed = "cudaMalloc of " + OutOfDeviceMemoryException.mib(size) + " for " + what;
            throw CudaException.outOfMemory(failed, size, ledger == null ? -1 : ledger.get());
        }
        CudaException.checkCuda(status, "cudaMalloc(" + size + " bytes for " + what + ")");
        if (ledger != null) {
            ledger.addAndGet(size);
        }
        return new DeviceBuffer(p.address(), size, ledger);
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
            if (ledger != null) {
                ledger.addAndGet(-bytes);
            }
            CudaException.checkCuda(cudaFree(new DevicePointer(a)), "cudaFree");
        }
    }
}
