package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.javacpp.FloatPointer;
import org.gan4j.backend.HostReadback;
import org.gan4j.tensor.Tensor;

/**
 * {@link HostReadback} of the CUDA backend: per slot a pinned host buffer and an event. {@code start} enqueues
 * {@code cudaMemcpyAsync} (device to pinned host) on the backend's stream and records the slot's event; {@code finish}
 * waits for that event ({@code cudaEventSynchronize}), so it returns as soon as the copy is done even while later
 * steps run. Every handle has an owner; {@link #close()} releases them all.
 */
final class CudaHostReadback extends HostReadback {
    private final CudaBackend backend;
    private final long bytes;
    private final NativeResources resources = new NativeResources();
    private final FloatPointer[] pinned;
    private final CUevent_st[] done;

    CudaHostReadback(CudaBackend backend, int slots, int floats) {
        super(slots, floats);
        this.backend = backend;
        this.bytes = (long) floats * Float.BYTES;
        pinned = new FloatPointer[slots];
        done = new CUevent_st[slots];
        try {
            for (int i = 0; i < slots; i++) {
                pinned[i] = resources.pinnedFloats(floats);
                done[i] = resources.own(NativeHandle.event()).get();
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public void start(int slot, Tensor src) {
        check(slot, backend, src);
        resources.ensureOpen("host readback");
        backend.checkHostCopy();
        CudaException.checkCuda(cudaMemcpyAsync(pinned[slot], CudaBackend.ptr(src), bytes, cudaMemcpyDeviceToHost,
                backend.stream()), "cudaMemcpyAsync(device to pinned host)");
        CudaException.checkCuda(cudaEventRecord(done[slot], backend.stream()), "cudaEventRecord");
    }

    @Override
    public void finish(int slot, float[] dst) {
        check(slot, backend, null);
        resources.ensureOpen("host readback");
        CudaException.checkCuda(cudaEventSynchronize(done[slot]), "cudaEventSynchronize(readback)");
        pinned[slot].get(dst, 0, floats());
    }

    @Override
    public void close() {
        if (!resources.beginClose()) {
            return;
        }
        backend.synchronizeQuietly(); // no copy may still write pinned memory
        resources.closeAll();
    }
}
