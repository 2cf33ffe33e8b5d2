package org.gan4j.backend;

/**
 * A sequence of backend ops recorded once by {@link Backend#captureStep(Runnable)} and replayed as one launch (on CUDA,
 * a CUDA graph: PyTorch's {@code torch.cuda.CUDAGraph}). A replay runs the recorded ops on the same memory with the
 * same host-side scalars as at capture, so the tensors used must stay open while it lives, and a changed host-side
 * setting (a learning rate) needs a new capture. Close to free it (idempotent).
 */
public interface CapturedStep extends AutoCloseable {
    /** Enqueues one run of the recorded ops (may return before the device finishes). */
    void replay();

    @Override
    void close();
}
