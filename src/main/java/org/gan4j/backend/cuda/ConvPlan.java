package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;
import static org.gan4j.backend.cuda.CudaException.checkCudnn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Pointer;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.Precision;
import org.gan4j.tensor.Shape;

/**
 * The cuDNN descriptors of one convolution shape (x {@code (N, Cin, H, W)}, w {@code (Cout, Cin, kH, kW)}, stride and
 * padding) and, for each direction (forward, backward data, backward filter), the algorithm cuDNN measured fastest
 * ({@code cudnnFind*}, run once, the first time that direction is used) with its workspace size. One convolution
 * descriptor per direction, because each direction's chosen algorithm may want its own math type. By precision:
 * FP32 {@code CUDNN_FMA_MATH} on float32 NCHW; TF32 {@code CUDNN_DEFAULT_MATH} (TF32 tensor cores allowed) on float32
 * NCHW; BF16 {@code CUDNN_TENSOR_OP_MATH} on bfloat16 NHWC descriptors with float32 accumulation (the backend
 * converts the tensors to and from these layouts around each call). With {@code deterministic} only
 * algorithms cuDNN reports as {@code CUDNN_DETERMINISTIC} are chosen (PyTorch's
 * {@code torch.backends.cudnn.deterministic}): the fastest backward algorithms often add partial sums with atomics,
 * so two runs on the same inputs differ in the last bits. Each descriptor has a {@link NativeHandle} owner; the plan
 * is owned and closed by {@link CudaBackend}.
 */
final class ConvPlan implements AutoCloseable {
    /** The three uses of one convolution shape. */
    enum Direction { FORWARD, BACKWARD_DATA, BACKWARD_FILTER }

    /**
     * A measured choice: algorithm, the workspace it needs, and its math type ({@code CUDNN_TENSOR_OP_MATH}: tensor
     * cores).
     */
    record Algo(int algo, long workspaceBytes, int mathType) {
        /** Whether the algorithm runs on tensor cores (a tensor-op math type). */
        boolean tensorCores() {
            return mathType == CUDNN_TENSOR_OP_MATH || mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
        }
    }

    private final String description;
    private final boolean deterministic;
    private final Shape xShape;
    private final Shape wShape;
    private final ConvParams params;
    /** BF16 plans: the directions for which cuDNN has no bf16 algorithm for this shape (see {@link #fallback()}). */
    private final java.util.EnumSet<Direction> noBf16 = java.util.EnumSet.noneOf(Direction.class);
    /** BF16 plans: the float32 plan of the same shape for the directions in {@link #noBf16}; made on first need. */
    private ConvPlan fallback;
    /** Every descriptor below, in creation order (closed in reverse). */
    private final List<NativeHandle<?>> handles = new ArrayList<>();
    final cudnnTensorStruct x;
    final cudnnFilterStruct w;
    final cudnnTensorStruct y;
    final cudnnConvolutionStruct forwardConv;
    final cudnnConvolutionStruct backwardDataConv;
    final cudnnConvolutionStruct backwardFilterConv;
    private Algo forward;
    private Algo backwardData;
    private Algo backwardFilter;

    ConvPlan(Shape xs, Shape ws, ConvParams p, Precision precision, boolean deterministic) {
        Shape ys = p.outputShape(xs, ws);
        description = "x " + xs + ", w " + ws + ", " + p + ", " + precision.cliName();
        this.deterministic = deterministic;
        this.xShape = xs;
        this.wShape = ws;
        this.params = p;
        try {
            x = tensorDescriptor();
            w = own(NativeHandle.create(new cudnnFilterStruct(), cudnn::cudnnCreateFilterDescriptor,
                    "cudnnCreateFilterDescriptor", cudnn::cudnnDestroyFilterDescriptor, "cudnnDestroyFilterDescriptor",
                    CudaException::checkCudnn));
            y = tensorDescriptor();
            forwardConv = convolutionDescriptor();
            backwardDataConv = convolutionDescriptor();
            backwardFilterConv = convolutionDescriptor();
            // bf16: NHWC bfloat16 data (the backend converts around each call), float32 accumulation, tensor cores
            boolean bf16 = precision == Precision.BF16;
            int format = bf16 ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
            int data = bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
            int math = switch (precision) {
                case BF16 -> CUDNN_TENSOR_OP_MATH;
                case TF32 -> CUDNN_DEFAULT_MATH;
                case FP32 -> CUDNN_FMA_MATH;
            };
            checkCudnn(cudnnSetTensor4dDescriptor(x, format, data, xs.dim(0), xs.dim(1), xs.dim(2), xs.dim(3)),
                    "cudnnSetTensor4dDescriptor(x " + xs + ")");
            checkCudnn(cudnnSetFilter4dDescriptor(w, data, format, ws.dim(0), ws.dim(1), ws.dim(2), ws.dim(3)),
                    "cudnnSetFilter4dDescriptor(w " + ws + ")");
            checkCudnn(cudnnSetTensor4dDescriptor(y, format, data, ys.dim(0), ys.dim(1), ys.dim(2), ys.dim(3)),
                    "cudnnSetTensor4dDescriptor(y " + ys + ")");
            for (cudnnConvolutionStruct c : convs()) {
                checkCudnn(cudnnSetConvolution2dDescriptor(c, p.padH(), p.padW(), p.strideH(), p.strideW(), 1, 1,
                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor(" + p + ")");
                checkCudnn(cudnnSetConvolutionMathType(c, math), "cudnnSetConvolutionMathType");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private <T extends Pointer> T own(NativeHandle<T> handle) {
        handles.add(handle);
        return handle.get();
    }

    private cudnnTensorStruct tensorDescriptor() {
        return own(NativeHandle.create(new cudnnTensorStruct(), cudnn::cudnnCreateTensorDescriptor,
                "cudnnCreateTensorDescriptor", cudnn::cudnnDestroyTensorDescriptor, "cudnnDestroyTensorDescriptor",
                CudaException::checkCudnn));
    }

    private cudnnConvolutionStruct convolutionDescriptor() {
        return own(NativeHandle.create(new cudnnConvolutionStruct(), cudnn::cudnnCreateConvolutionDescriptor,
                "cudnnCreateConvolutionDescriptor", cudnn::cudnnDestroyConvolutionDescriptor,
                "cudnnDestroyConvolutionDescriptor", CudaException::checkCudnn));
    }

    /** Whether a measured algorithm may be chosen: it ran, and is deterministic when the plan must be. */
    private boolean usable(int status, int determinism) {
        return status == CUDNN_STATUS_SUCCESS && (!deterministic || determinism == CUDNN_DETERMINISTIC);
    }

    private cudnnConvolutionStruct[] convs() {
        return new cudnnConvolutionStruct[] {forwardConv, backwardDataConv, backwardFilterConv};
    }

    /**
     * BF16 plans: records that cuDNN has no bf16 algorithm for direction {@code d} of this shape (cudnnFind failed or
     * found none), so that direction runs as {@link #fallback()} from now on.
     */
    void markNoBf16(Direction d) {
        noBf16.add(d);
    }

    /** Whether direction {@code d} runs on the float32 {@link #fallback()} (BF16 plans only). */
    boolean usesFallback(Direction d) {
        return noBf16.contains(d);
    }

    /**
     * The FP32 (FMA math, NCHW) plan of the same shape, for the directions cuDNN cannot run in bf16: the backend then
     * rounds the operands to bf16 values in float32 buffers and the result afterwards, the same rounding points.
     * Made on first call (not during a capture: the backend calls it eagerly first), owned and closed by this plan.
     */
    ConvPlan fallback() {
        if (fallback == null) {
            fallback = new ConvPlan(xShape, wShape, params, Precision.FP32, deterministic);
        }
        return fallback;
    }

    /** Whether {@code d}'s algorithm has been measured already (so using it runs no cudnnFind). */
    boolean measured(Direction d) {
        if (noBf16.contains(d)) {
            return fallback != null && fallback.measured(d);
        }
        return switch (d) {
            case FORWARD -> forward != null;
            case BACKWARD_DATA -> backwardData != null;
            case BACKWARD_FILTER -> backwardFilter != null;
        };
    }

    /** The measured choice of direction {@code d}, or null before it is measured. */
    Algo measuredAlgo(Direction d) {
        return switch (d) {
            case FORWARD -> forward;
            case BACKWARD_DATA -> backwardData;
            case BACKWARD_FILTER -> backwardFilter;
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
                    if (usable(perf.status(), perf.determinism())) {
                        checkCudnn(cudnnSetConvolutionMathType(forwardConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        forward = new Algo(perf.algo(), perf.memory(), perf.mathType());
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
                    if (usable(perf.status(), perf.determinism())) {
                        checkCudnn(cudnnSetConvolutionMathType(backwardDataConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        backwardData = new Algo(perf.algo(), perf.memory(), perf.mathType());
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
                    if (usable(perf.status(), perf.determinism())) {
                        checkCudnn(cudnnSetConvolutionMathType(backwardFilterConv, perf.mathType()),
                                "cudnnSetConvolutionMathType");
                        backwardFilter = new Algo(perf.algo(), perf.memory(), perf.mathType());
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
        return new CudaException("cudnnFind", CUDNN_STATUS_NOT_SUPPORTED, "cuDNN found no working "
                + (deterministic ? "deterministic " : "") + direction + " convolution algorithm for " + description);
    }

    @Override
    public void close() {
        if (fallback != null) {
            fallback.close();
            fallback = null;
        }
        NativeHandle.closeAll(handles);
        handles.clear();
    }
}
