package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.gan4j.backend.OutOfDeviceMemoryException;

/**
 * A CUDA, cuDNN, cuBLAS or gan4j kernel call that returned an error status. The message names the call, the status
 * number and its name and description, e.g. {@code "gan4j_batchnorm_train_forward failed: 700
 * cudaErrorIllegalAddress (an illegal memory access was encountered)"}. After an asynchronous fault (a kernel that
 * failed on the device) the CUDA context is unusable: close the backend and create a new one. Running out of device
 * memory is not one of these: it raises the backend-neutral {@link OutOfDeviceMemoryException}.
 */
public class CudaException extends RuntimeException {
    private final String call;
    private final int status;

    CudaException(String call, int status, String message) {
        super(message);
        this.call = call;
        this.status = status;
    }

    /** The failed call, e.g. {@code cudaMalloc} or {@code gan4j_adam_step}. */
    public String call() {
        return call;
    }

    /** The status it returned ({@code cudaError_t}, {@code cudnnStatus_t} or {@code cublasStatus_t}). */
    public int status() {
        return status;
    }

    /**
     * Throws when a CUDA runtime call or one of gan4j's launchers (which return {@code cudaError_t}) failed:
     * {@link OutOfDeviceMemoryException} for {@code cudaErrorMemoryAllocation} (size asked unknown here;
     * {@link DeviceBuffer#allocate} reports it for its own allocations), this exception for every other status.
     */
    static void checkCuda(int status, String call) {
        if (status == cudaErrorMemoryAllocation) {
            cudaGetLastError(); // not sticky: clear it so later calls do not report it again
            throw outOfMemory(call, -1, -1);
        }
        if (status != 0) {
            throw new CudaException(call, status, call + " failed: " + status + " " + string(cudaGetErrorName(status))
                    + " (" + string(cudaGetErrorString(status)) + ")");
        }
    }

    /**
     * The exception for "{@code failed} failed (cudaErrorMemoryAllocation)", with the device's free and total
     * memory as {@code cudaMemGetInfo} reports them now (-1 when it cannot); {@code asked} and {@code held} bytes,
     * -1 where unknown.
     */
    static OutOfDeviceMemoryException outOfMemory(String failed, long asked, long held) {
        long free = -1;
        long total = -1;
        try (SizeTPointer f = new SizeTPointer(1); SizeTPointer t = new SizeTPointer(1)) {
            if (cudaMemGetInfo(f, t) == 0) {
                free = f.get();
                total = t.get();
            }
        }
        String state = free < 0 ? "free memory unknown"
                : OutOfDeviceMemoryException.mib(free) + " free of " + OutOfDeviceMemoryException.mib(total);
        return new OutOfDeviceMemoryException("out of GPU memory: " + failed + " failed (cudaErrorMemoryAllocation); "
                + state + ". Use a smaller batch size, or free GPU memory held by other processes (nvidia-smi).",
                asked, free, total, held);
    }

    /** Throws when a cuDNN call failed. */
    static void checkCudnn(int status, String call) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) {
            throw new CudaException(call, status, call + " failed: cuDNN status " + status + " ("
                    + string(cudnn.cudnnGetErrorString(status)) + ")");
        }
    }

    /** Throws when a cuBLAS call failed. */
    static void checkCublas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call, status, call + " failed: cuBLAS status " + status + " "
                    + string(cublas.cublasGetStatusName(status)) + " (" + string(cublas.cublasGetStatusString(status))
                    + ")");
        }
    }

    private static String string(BytePointer p) {
        return p == null || p.isNull() ? "unknown" : p.getString();
    }
}
