package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.gan4j.backend.HostStaging;
import org.gan4j.tensor.Tensor;

/**
 * {@link HostStaging} of the CUDA backend: pinned host buffers ({@code cudaHostAlloc}), a copy stream of its own and
 * two device staging buffers used in turn. {@code upload(i, dst)} enqueues, without waiting on the host:
 * <pre>
 * copy stream:    wait until staging[j] is free; staging[j] = pinned[i] (cudaMemcpyAsync); record copied[i]
 * compute stream: wait for copied[i]; dst = staging[j] (device to device); record stagingFree[j]
 * </pre>
 * so the bus transfer of batch k+1 overlaps step k, and {@code dst} (whose address a captured CUDA graph may hold)
 * changes only in order with the compute stream. {@code awaitWritable(i)} waits for {@code copied[i]} on the
 * calling thread (a loader thread), never on the compute stream. Every handle has an owner ({@link NativeHandle},
 * {@link DeviceBuffer}); {@link #close()} releases them all.
 */
final class CudaHostStaging extends HostStaging {
    private final CudaBackend backend;
    private final int device;
    private final long bytes;
    private final NativeResources resources = new NativeResources();
    private final CUstream_st copyStream;
    private final FloatPointer[] pinned;
    private final CUevent_st[] copied;
    private final DeviceBuffer[] staging = new DeviceBuffer[2];
    private final CUevent_st[] stagingFree = new CUevent_st[2];
    private int nextStaging;

    CudaHostStaging(CudaBackend backend, int device, int buffers, int floats) {
        super(buffers, floats);
        this.backend = backend;
        this.device = device;
        this.bytes = (long) floats * Float.BYTES;
        pinned = new FloatPointer[buffers];
        copied = new CUevent_st[buffers];
        try {
            copyStream = resources.own(NativeHandle.stream()).get();
            for (int i = 0; i < buffers; i++) {
                pinned[i] = resources.pinnedFloats(floats);
                setBuffer(i, pinned[i].asBuffer());
                copied[i] = resources.own(NativeHandle.event()).get();
            }
            for (int j = 0; j < 2; j++) {
                staging[j] = resources.own(backend.allocateBuffer(bytes, "a batch staging buffer"));
                stagingFree[j] = resources.own(NativeHandle.event()).get();
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public void awaitWritable(int i) {
        checkIndex(i);
        resources.ensureOpen("host staging");
        CudaException.checkCuda(cudaSetDevice(device), "cudaSetDevice(" + device + ")"); // per thread
        CudaException.checkCuda(cudaEventSynchronize(copied[i]), "cudaEventSynchronize(batch copy)");
    }

    @Override
    public void upload(int i, Tensor dst) {
        checkIndex(i);
        resources.ensureOpen("host staging");
        checkDestination(backend, dst);
        backend.checkHostCopy();
        int j = nextStaging;
        nextStaging ^= 1;
        Pointer target = staging[j].pointer(0);
        CUstream_st compute = backend.stream();
        CudaException.checkCuda(cudaStreamWaitEvent(copyStream, stagingFree[j], 0), "cudaStreamWaitEvent");
        CudaException.checkCuda(cudaMemcpyAsync(target, pinned[i], bytes, cudaMemcpyHostToDevice, copyStream),
                "cudaMemcpyAsync(batch, host to device)");
        CudaException.checkCuda(cudaEventRecord(copied[i], copyStream), "cudaEventRecord");
        CudaException.checkCuda(cudaStreamWaitEvent(compute, copied[i], 0), "cudaStreamWaitEvent");
        CudaException.checkCuda(cudaMemcpyAsync(CudaBackend.ptr(dst), target, bytes, cudaMemcpyDeviceToDevice,
                compute), "cudaMemcpyAsync(batch, device to device)");
        CudaException.checkCuda(cudaEventRecord(stagingFree[j], compute), "cudaEventRecord");
    }

    @Override
    public void close() {
        if (!resources.beginClose()) {
            return;
        }
        if (copyStream != null) {
            cudaStreamSynchronize(copyStream); // no copy may still read pinned memory or write staging
        }
        backend.synchronizeQuietly(); // nor a device copy read staging
        resources.closeAll();
    }
}
