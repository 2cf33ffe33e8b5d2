package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.gan4j.backend.cuda.CudaException.checkCuda;

import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.gan4j.backend.CapturedStep;

/**
 * A sequence of backend ops recorded once by {@link CudaBackend#captureGraph(Runnable)} and replayed as one CUDA
 * graph launch on the backend's stream: PyTorch's {@code torch.cuda.CUDAGraph} ({@code g.replay()}).
 *
 * <p>A replay runs the recorded kernels on the same device addresses with the same scalar arguments (learning
 * rates, label values, loss scales) as at capture; values that live on the device (random counters, Adam's step
 * count, parameters, the input buffer's contents) advance as in eager execution. So the tensors the iteration used
 * must stay open and keep their storage while the graph lives, and host-side settings changed after capture (a new
 * learning rate) are not seen: capture again. Like every op, {@link #replay()} is asynchronous; read results with
 * {@code copyToHost} as usual. Close to free the graph (idempotent); closing the backend closes it too.
 */
public final class CudaGraph implements CapturedStep {
    private final CudaBackend backend;
    private final CUgraph_st graph;
    private final CUgraphExec_st exec;
    private final int kernels;
    private boolean closed;

    CudaGraph(CudaBackend backend, CUgraph_st graph, CUgraphExec_st exec, int kernels) {
        this.backend = backend;
        this.graph = graph;
        this.exec = exec;
        this.kernels = kernels;
    }

    /** Enqueues one run of the recorded ops on the backend's stream (returns before the GPU finishes). */
    @Override
    public void replay() {
        if (closed) {
            throw new IllegalStateException("this CUDA graph is closed; capture a new one with captureGraph");
        }
        backend.checkReplay(this);
        checkCuda(cudaGraphLaunch(exec, backend.stream()), "cudaGraphLaunch");
    }

    /** Number of nodes (kernels, memsets, copies) in the graph, for logs and tests. */
    public int nodes() {
        return kernels;
    }

    /** The backend it replays on. */
    public CudaBackend backend() {
        return backend;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // an exec still in flight is freed by CUDA when it completes; the backend keeps the buffers it may use
        int execStatus = cudaGraphExecDestroy(exec);
        int graphStatus = cudaGraphDestroy(graph);
        backend.graphClosed(this);
        checkCuda(execStatus, "cudaGraphExecDestroy");
        checkCuda(graphStatus, "cudaGraphDestroy");
    }
}
