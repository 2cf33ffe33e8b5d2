package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import java.util.List;
import java.util.function.ToIntFunction;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;

/**
 * The owner of one native handle that a CUDA library creates and destroys: a stream, a cuDNN or cuBLAS context, a
 * cuDNN descriptor. {@link #create} calls the library's create function on an empty JavaCPP object and checks its
 * status; {@link #close()} (idempotent) calls the matching destroy function once and checks that. So every handle
 * is released by try-with-resources, or by its owner's close, exactly once:
 * <pre>
 * try (var desc = NativeHandle.create(new cudnnTensorStruct(), cudnn::cudnnCreateTensorDescriptor,
 *         "cudnnCreateTensorDescriptor", cudnn::cudnnDestroyTensorDescriptor, "cudnnDestroyTensorDescriptor",
 *         CudaException::checkCudnn)) { ... }
 * </pre>
 *
 * @param <T> the JavaCPP type of the handle, e.g. {@code CUstream_st}, {@code cudnnContext}
 */
final class NativeHandle<T extends Pointer> implements AutoCloseable {
    /** A status check that throws for a failed status: {@link CudaException#checkCuda} and its cuDNN/cuBLAS twins. */
    interface StatusCheck {
        void check(int status, String call);
    }

    private final T handle;
    private final ToIntFunction<T> destroy;
    private final StatusCheck check;
    private final String destroyCall;
    private boolean closed;

    private NativeHandle(T handle, ToIntFunction<T> destroy, StatusCheck check, String destroyCall) {
        this.handle = handle;
        this.destroy = destroy;
        this.check = check;
        this.destroyCall = destroyCall;
    }

    /**
     * Fills {@code empty} with {@code create} and returns its owner, which releases it with {@code destroy}; the
     * call names appear in errors.
     *
     * @throws CudaException (through {@code check}) when the create call failed; nothing is left to release then
     */
    static <T extends Pointer> NativeHandle<T> create(T empty, ToIntFunction<T> create, String createCall,
            ToIntFunction<T> destroy, String destroyCall, StatusCheck check) {
        check.check(create.applyAsInt(empty), createCall);
        return new NativeHandle<>(empty, destroy, check, destroyCall);
    }

    /** The handle, for the library calls that use it; throws once closed. */
    T get() {
        if (closed) {
            throw new IllegalStateException(destroyCall + " already ran: this handle is closed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        check.check(destroy.applyAsInt(handle), destroyCall);
    }

    /** A non-blocking CUDA stream (it does not synchronise with the legacy default stream). */
    static NativeHandle<CUstream_st> stream() {
        return create(new CUstream_st(), s -> cudaStreamCreateWithFlags(s, cudaStreamNonBlocking),
                "cudaStreamCreateWithFlags", s -> cudaStreamDestroy(s), "cudaStreamDestroy", CudaException::checkCuda);
    }

    /** A CUDA event without timing (the cheap kind, for ordering and waiting). */
    static NativeHandle<CUevent_st> event() {
        return create(new CUevent_st(), e -> cudaEventCreateWithFlags(e, cudaEventDisableTiming),
                "cudaEventCreateWithFlags", e -> cudaEventDestroy(e), "cudaEventDestroy", CudaException::checkCuda);
    }

    /** {@code bytes} of pinned (page-locked) host memory, which asynchronous copies need. */
    static NativeHandle<Pointer> pinnedHost(long bytes) {
        return create(new Pointer(), p -> cudaHostAlloc(p, bytes, cudaHostAllocDefault),
                "cudaHostAlloc(" + bytes + " bytes)", p -> cudaFreeHost(p), "cudaFreeHost", CudaException::checkCuda);
    }

    /**
     * Closes every resource in {@code resources} (nulls skipped) in reverse order, all of them even when one fails,
     * then throws the first failure with the others suppressed: the order try-with-resources closes in.
     */
    static void closeAll(List<? extends AutoCloseable> resources) {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            AutoCloseable r = resources.get(i);
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                RuntimeException re = e instanceof RuntimeException x ? x : new IllegalStateException(e);
                if (failure == null) {
                    failure = re;
                } else {
                    failure.addSuppressed(re);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
