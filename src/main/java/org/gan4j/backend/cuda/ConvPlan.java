package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;
import static org.gan4j.backend.cuda.CudaException.checkCudnn;

import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;

/**
 * The cuDNN descriptors of one convolution shape (x {@code (N, Cin, H, W)}, w {@code (Cout, Cin, kH, kW)}, stride and
 * padding) and, for each direction (forward, backward data, backward filter), the algorithm cuDNN measured fastest
 * ({@code cudnnFind*}, run once, the first time that direction is used) with its workspace size. One convolution
 * descriptor per direction, because each direction's chosen algorithm may want its own math type. TF32 is allowed
 * ({@code CUDNN_DEFAULT_MATH}) or not ({@code CUDNN_FMA_MATH}) as the backend says. Owned and closed by
 * {@link CudaBackend}.
 */
final class ConvPlan implements AutoCloseable {
    /** The three uses of one convolution shape. */
    enum Direction { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    /** A measured choice: algorithm and the workspace it needs. */
    record Algo(int algo, long workspaceBytes) {
    }

    private final String description;
    final cudnnTensorStruct x = new cudnnTensorStruct();
    final cudnnFilterStruct w = new cudnnFilterStruct();
    final cudnnTensorStruct y = new cudnnTensorStruct();
    final cudnnConvolutionStruct forwardConv = new cudnnConvolutionStruct();
    final cudnnConvolutionStruct backwardDataConv = new cudnnConvolutionStruct();
    final cudnnConvolutionStruct backwardFilterConv = new cudnnConvolutionStruct();
    private int created;
    private Algo forward;
    private Algo backwardData;
    private Algo backwardFilter;

    ConvPlan(Shape xs, Shape ws, ConvParams p, boolean tf32) {
        Shape ys = p.outputShape(xs, ws);
        description = "x " + xs + ", w " + ws + ", " + p;
        try {
            checkCudnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
            created++;
            checkCudnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
            created++;
            checkCudnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
            created++;
            for (cudnnConvolutionStruct c : convs()) {
                checkCudnn(cudnnCreateConvolutionDescriptor(c), "cudnnCreateConvolutionDescriptor");
                created++;
            }
            checkCudnn(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, xs.dim(0), xs.dim(1),
                    xs.dim(2), xs.dim(3)), "cudnnSetTensor4dDescriptor(x " + xs + ")");
            checkCudnn(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, ws.dim(0), ws.dim(1),
                    ws.dim(2), ws.dim(3)), "cudnnSetFilter4dDescriptor(w " + ws + ")");
            checkCudnn(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, ys.dim(0), ys.dim(1),
                    ys.dim(2), ys.dim(3)), "cudnnSetTensor4dDescriptor(y " + ys + ")");
            for (cudnnConvolutionStruct c : convs()) {
                checkCudnn(cudnnSetConvolution2dDescriptor(c, p.padH(), p.padW(), p.strideH(), p.strideW(), 1, 1,
                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor(" + p + ")");
                checkCudnn(cudnnSetConvolutionMathType(c, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
                        "cudnnSetConvolutionMathType");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private cudnnConvolutionStruct[] convs() {
        return new cudnnConvolutionStruct[] {forwardConv, backwardDataConv, backwardFilterConv};
    }

    /** Whether {@code d}'s algorithm has been measured already (so using it runs no cudnnFind). */
    boolean measured(Direction d) {
        return switch (d) {
            case FORWARD -> forward != null;
            case BACKWARD_DATA -> backwardData != null;
            case BACKWARD_FILTER -> backwardFilter != null;
        };
    }

    @Override
    public String toString() {
        return description;
    }

    /** The fastest forward algorithm (measured on first use). */
    Algo forward(cudnnContext handle) {
        if (forward == null) {
            int n = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
            try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(n)) {
                int[] returned = {0};
                checkCudnn(cudnnFindConvolutionForwardAlgorithm(handle, x, w, forwardConv, y, n, returned, perf),
                        "cudnnFindConvolutionForwardAlgorithm(" + description + ")");
                for (int i = 0; i < returned[0]; i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS) {
                        checkCudnn(cudnnSetConvolutionMathType(forwardConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        forward = new Algo(perf.algo(), perf.memory());
                        break;
                    }
                }
                perf.position(0);
            }
            if (forward == null) {
                throw noAlgorithm("forward");
            }
        }
        return forward;
    }

    /** The fastest backward-data algorithm (measured on first use). */
    Algo backwardData(cudnnContext handle) {
        if (backwardData == null) {
            int n = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
            try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(n)) {
                int[] returned = {0};
                checkCudnn(cudnnFindConvolutionBackwardDataAlgorithm(handle, w, y, backwardDataConv, x, n, returned,
                        perf), "cudnnFindConvolutionBackwardDataAlgorithm(" + description + ")");
                for (int i = 0; i < returned[0]; i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS) {
                        checkCudnn(cudnnSetConvolutionMathType(backwardDataConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        backwardData = new Algo(perf.algo(), perf.memory());
                        break;
                    }
                }
                perf.position(0);
            }
            if (backwardData == null) {
                throw noAlgorithm("backward data");
            }
        }
        return backwardData;
    }

    /** The fastest backward-filter algorithm (measured on first use). */
    Algo backwardFilter(cudnnContext handle) {
        if (backwardFilter == null) {
            int n = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
            try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(n)) {
                int[] returned = {0};
                checkCudnn(cudnnFindConvolutionBackwardFilterAlgorithm(handle, x, y, backwardFilterConv, w, n,
                        returned, perf), "cudnnFindConvolutionBackwardFilterAlgorithm(" + description + ")");
                for (int i = 0; i < returned[0]; i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS) {
                        checkCudnn(cudnnSetConvolutionMathType(backwardFilterConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        backwardFilter = new Algo(perf.algo(), perf.memory());
                        break;
                    }
                }
                perf.position(0);
            }
            if (backwardFilter == null) {
                throw noAlgorithm("backward filter");
            }
        }
        return backwardFilter;
    }

    private CudaException noAlgorithm(String direction) {
        return new CudaException("cudnnFind", CUDNN_STATUS_NOT_SUPPORTED, "cuDNN found no working " + direction
                + " convolution algorithm for " + description);
    }

    @Override
    public void close() {
        // destroy what was created, in creation order
        int left = created;
        created = 0;
        if (left-- > 0) cudnnDestroyTensorDescriptor(x);
        if (left-- > 0) cudnnDestroyFilterDescriptor(w);
        if (left-- > 0) cudnnDestroyTensorDescriptor(y);
        for (cudnnConvolutionStruct c : convs()) {
            if (left-- > 0) cudnnDestroyConvolutionDescriptor(c);
        }
    }
}
