package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.BytePointer;

/**
 * A CUDA, cuDNN, cuBLAS or gan4j kernel call that returned an error status. The message names the call, the status
 * number and its name and description, e.g. {@code "gan4j_batchnorm_train_forward failed: 700
 * cudaErrorIllegalAddress (an illegal memory access was encountered)"}. After an asynchronous fault (a kernel that
 * failed on the device) the CUDA context is unusable: close the backend and create a new one.
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

    /** Throws when a CUDA runtime call or one of gan4j's launchers (which return {@code cudaError_t}) failed. */
    static void checkCuda(int status, String call) {
        if (status != 0) {
            throw new CudaException(call, status, call + " failed: " + status + " " + string(cudaGetErrorName(status))
                    + " (" + string(cudaGetErrorString(status)) + ")");
        }
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
