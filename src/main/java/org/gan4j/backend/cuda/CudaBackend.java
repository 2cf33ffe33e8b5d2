package org.gan4j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.*;
import static org.bytedeco.cuda.global.cudart.*;
import static org.bytedeco.cuda.global.cudnn.*;
import static org.gan4j.backend.cuda.CudaException.checkCublas;
import static org.gan4j.backend.cuda.CudaException.checkCuda;
import static org.gan4j.backend.cuda.CudaException.checkCudnn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.Capabilities;
import org.gan4j.backend.CapturedStep;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.HostReadback;
import org.gan4j.backend.HostStaging;
import org.gan4j.backend.Precision;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Storage;
import org.gan4j.tensor.Tensor;

/**
 * The CUDA backend: float32 tensors in GPU memory, every op enqueued on one stream this backend owns, so ops return
 * before the GPU has finished; {@link #copyToHost}, {@link #readScalar} and {@link #synchronize()} wait. Nothing on
 * the hot path allocates, copies between host and device, or synchronises: workspaces, scratch and cuDNN
 * descriptors are planned on the first call with a given shape and reused.
 *
 * <ul>
 *   <li>Precision ({@link Precision}, chosen at creation): TF32 (the default, as PyTorch's
 *       {@code torch.backends.cudnn.allow_tf32}; {@code -Dgan4j.tf32=false} makes it FP32), FP32, or BF16.</li>
 *   <li>Convolutions: cuDNN (legacy API), algorithm per shape and direction measured once with
 *       {@code cudnnFind*} and cached. FP32/TF32: float32 NCHW. BF16: cuDNN runs with bfloat16 NHWC descriptors,
 *       float32 accumulation and {@code CUDNN_TENSOR_OP_MATH} (tensor cores). Its outputs (forward {@code y},
 *       backward-data {@code dx}) stay <em>resident</em> as bfloat16 NHWC in a second buffer of the tensor's
 *       storage (see {@link CudaStorage}); a training batch norm (fused with its activation) whose input is resident
 *       reads it and writes its {@code y} (forward) or {@code dx} (backward) resident too, with float32 statistics
 *       (channels a multiple of 8: 16-byte vector kernels in batchnorm.cu); a convolution reads a resident operand
 *       directly. So a conv -> batch norm + activation -> conv chain runs with no conversion pass. Any other op
 *       reading such a tensor first converts it back to float32 NCHW (one pass, then the copy is dropped); operands
 *       that are not resident (weights, images, linear-layer outputs) are converted to a bfloat16 NHWC staging
 *       buffer (rounding to nearest even) for each convolution, and weight gradients are widened and added to the
 *       float32 {@code dw}. The rounding points are those of the CPU reference
 *       {@link org.gan4j.backend.cpu.Bf16EmulationBackend} (batch norm's {@code y}, {@code dx} rounded also where
 *       the float32 kernels run).</li>
 *   <li>gemm: cuBLAS {@code sgemm}, row-major through the transposition identity
 *       {@code C^T = op(B)^T op(A)^T}; TF32 likewise ({@code CUBLAS_TF32_TENSOR_OP_MATH}); BF16: operands converted
 *       to bfloat16, {@code cublasGemmEx} with float32 accumulation and a float32 result.</li>
 *   <li>Everything else: gan4j's kernels ({@code src/main/cpp}), matching the CPU backend (the reference).</li>
 * </ul>
 *
 * <p><b>CUDA graphs.</b> {@link #captureGraph(Runnable)} records a fixed sequence of ops (a training iteration) once
 * and returns a {@link CudaGraph} whose {@link CudaGraph#replay()} runs it as one launch. Everything an iteration
 * does is capture-safe once it has run eagerly with the same shapes: buffers, workspaces and cuDNN algorithms are
 * planned then; random counters and Adam's step count live on the device. While capturing, whatever would break the
 * recording (allocating, copying to or from the host, synchronising, planning a new convolution shape, growing
 * scratch) throws {@link IllegalStateException} naming it, and the capture is abandoned.
 *
 * <p>Errors: every status is checked and raises {@link CudaException} naming the call, except running out of device
 * memory, which raises {@link org.gan4j.backend.OutOfDeviceMemoryException} (sizes asked, free and held by this
 * backend; see {@link #deviceMemoryHeld()}). Threads: one thread at a
 * time, as every backend; the device is selected for the creating thread.
 */
public final class CudaBackend extends Backend {
    /** System property that turns TF32 off for convolutions and gemm when {@code false}. */
    public static final String TF32_PROPERTY = "gan4j.tf32";
    /** System property that restricts cuDNN to deterministic convolution algorithms when {@code true}. */
    public static final String DETERMINISTIC_PROPERTY = "gan4j.cudnn.deterministic";

    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());

    private final int device;
    private final Precision precision;
    private final boolean deterministic;
    private final String description;
    /**
     * Every native resource made once in the constructor, in creation order: {@link #close()} releases them in
     * reverse (cuBLAS before its workspace, the stream last).
     */
    private final NativeResources resources = new NativeResources();
    private final CUstream_st stream;
    private final cudnnContext cudnn;
    private final cublasContext cublas;
    /** Host scalars 1 and 0 for cuDNN's alpha/beta (read by cuDNN at call time). */
    private final FloatPointer one;
    private final FloatPointer zero;
    /** Host scalars for cuBLAS's alpha/beta (host pointer mode: read before cublasSgemm returns). */
    private final FloatPointer gemmAlpha;
    private final FloatPointer gemmBeta;
    private final DeviceBuffer adamTicket;
    private final Map<ConvKey, ConvPlan> convPlans = new HashMap<>();
    /** Bytes of this backend's live device allocations (tensors, workspaces, scratch, counters). */
    private final AtomicLong deviceBytes = new AtomicLong();
    /** Grown at plan time (replaced, never resized): owned here, released by close() or {@link #release}. */
    private DeviceBuffer scratch;
    private long scratchChannels;
    private DeviceBuffer workspace;
    /**
     * BF16 only: three staging buffers (two operands and a result) that convolutions and gemm convert into and out
     * of (bfloat16, or float32 on the fallback path); grown at plan time like the workspace, shared by every op (the
     * stream orders them).
     */
    private final DeviceBuffer[] stage = new DeviceBuffer[3];
    /** Graphs captured on this backend and not yet closed: they hold raw addresses of the buffers below. */
    private final List<CudaGraph> graphs = new ArrayList<>();
    /** Scratch and workspaces replaced while a graph lived: freed once no graph can use them. */
    private final List<DeviceBuffer> retired = new ArrayList<>();
    /** Storages given a resident bf16 copy (BF16), weakly: what a captured graph's replay marks (checkReplay). */
    private final Set<CudaStorage> mirrored = Collections.newSetFromMap(new WeakHashMap<>());
    /** Per live graph: each mirrored storage's resident region as the captured iteration left it. */
    private final Map<CudaGraph, Map<CudaStorage, CudaStorage.Mirror>> graphMirrors = new IdentityHashMap<>();
    private boolean capturing;
    private boolean closed;

    private record ConvKey(Shape x, Shape w, ConvParams p) {
    }

    private CudaBackend(int device, Precision precision, boolean deterministic) {
        super(DType.F32);
        this.device = device;
        this.precision = precision;
        this.deterministic = deterministic;
        try {
            checkCuda(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            stream = resources.own(NativeHandle.stream()).get();
            one = resources.own(new FloatPointer(1f));
            zero = resources.own(new FloatPointer(0f));
            gemmAlpha = resources.own(new FloatPointer(1));
            gemmBeta = resources.own(new FloatPointer(1));
            cudnn = resources.own(NativeHandle.create(new cudnnContext(), h -> cudnnCreate(h),
                    "cudnnCreate", h -> cudnnDestroy(h), "cudnnDestroy",
                    CudaException::checkCudnn)).get();
            checkCudnn(cudnnSetStream(cudnn, stream), "cudnnSetStream");
            // An explicit workspace (after cublasSetStream, which resets it to the default pool): gemm then never
            // allocates, which a captured iteration (captureGraph) relies on. Sizes as the cuBLAS docs advise. Made
            // before the handle, so that close() destroys the handle first.
            long cublasBytes = (computeMajor(device) >= 9 ? 32L : 4L) << 20;
            DeviceBuffer cublasWorkspace = resources.own(DeviceBuffer.allocate(cublasBytes, "the cuBLAS workspace",
                    deviceBytes));
            cublas = resources.own(NativeHandle.create(new cublasContext(), h -> cublasCreate_v2(h),
                    "cublasCreate", h -> cublasDestroy_v2(h), "cublasDestroy",
                    CudaException::checkCublas)).get();
            checkCublas(cublasSetStream_v2(cublas, stream), "cublasSetStream");
            checkCublas(cublasSetWorkspace_v2(cublas, cublasWorkspace.pointer(0), cublasBytes), "cublasSetWorkspace");
            checkCublas(cublasSetMathMode(cublas, precision == Precision.TF32 ? CUBLAS_TF32_TENSOR_OP_MATH
                    : CUBLAS_DEFAULT_MATH), "cublasSetMathMode"); // BF16 gemm: cublasGemmEx, bf16 inputs

            adamTicket = resources.own(DeviceBuffer.allocate(Integer.BYTES, "the Adam step ticket", deviceBytes));
            checkCuda(cudaMemsetAsync(adamTicket.pointer(0), 0, Integer.BYTES, stream), "cudaMemsetAsync");
            ensureScratch(1024);
            description = describe(device, precision, deterministic);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * A backend on GPU 0 with TF32 as {@code -Dgan4j.tf32} says (allowed by default) and cuDNN algorithms as
     * {@code -Dgan4j.cudnn.deterministic} says (the fastest by default).
     */
    public static CudaBackend create() {
        return create(Precision.TF32);
    }

    /**
     * A backend on GPU 0 in {@code precision} (TF32 turned into FP32 when {@code -Dgan4j.tf32=false}), cuDNN
     * algorithms as {@code -Dgan4j.cudnn.deterministic} says.
     */
    public static CudaBackend create(Precision precision) {
        Precision p = precision == Precision.TF32
                && "false".equalsIgnoreCase(System.getProperty(TF32_PROPERTY, "true")) ? Precision.FP32 : precision;
        return create(0, p, Boolean.getBoolean(DETERMINISTIC_PROPERTY));
    }

    /** A backend on GPU {@code device}, TF32 allowed or not, the fastest cuDNN algorithms. */
    public static CudaBackend create(int device, boolean tf32) {
        return create(device, tf32, false);
    }

    /** As {@link #create(int, Precision, boolean)} with TF32 or FP32. */
    public static CudaBackend create(int device, boolean tf32, boolean deterministic) {
        return create(device, tf32 ? Precision.TF32 : Precision.FP32, deterministic);
    }

    /**
     * A backend on GPU {@code device} computing in {@code precision} (see {@link Precision}: FP32, TF32 tensor cores
     * allowed for convolutions and gemm, or BF16 mixed precision), and cuDNN's convolution
     * algorithms restricted to deterministic ones or not (then the same inputs give the same bits every run, at some
     * cost in speed; gan4j's own kernels and cuBLAS are deterministic either way).
     *
     * @throws IllegalStateException when CUDA cannot run here, with the reason from {@link CudaProbe}
     */
    public static CudaBackend create(int device, Precision precision, boolean deterministic) {
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null; use fp32, tf32 or bf16");
        }
        if (device < 0) {
            throw new IllegalArgumentException("CUDA device index must be >= 0, got " + device);
        }
        CudaProbe.Result probe = CudaProbe.result();
        if (!probe.usable()) {
            throw new IllegalStateException("the CUDA backend cannot run here: " + probe.reason());
        }
        return new CudaBackend(device, precision, deterministic);
    }

    private static int computeMajor(int device) {
        int[] major = {0};
        checkCuda(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device),
                "cudaDeviceGetAttribute(compute capability)");
        return major[0];
    }

    private static String describe(int device, Precision precision, boolean deterministic) {
        cudaDeviceProp p = new cudaDeviceProp();
        checkCuda(cudaGetDeviceProperties(p, device), "cudaGetDeviceProperties");
        int[] driver = {0};
        cudaDriverGetVersion(driver);
        return String.format(Locale.ROOT,
                "%s (GPU %d, sm_%d%d, %d SMs, %.1f GiB), CUDA driver %d.%d, cuDNN %d%s, precision %s",
                p.name().getString(), device, p.major(), p.minor(), p.multiProcessorCount(),
                p.totalGlobalMem() / (1024.0 * 1024 * 1024), driver[0] / 1000, (driver[0] % 1000) / 10,
                cudnnGetVersion(), deterministic ? " (deterministic algorithms)" : "", precision.cliName());
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceDescription() {
        return description;
    }

    /**
     * Bytes of device memory this backend holds in its own live allocations ({@code cudaMalloc}: tensors,
     * workspaces, scratch, random counters), not counting what cuDNN, cuBLAS and the CUDA context allocate inside.
     * Any thread (an atomic counter).
     */
    public long deviceMemoryHeld() {
        return deviceBytes.get();
    }

    /**
     * Bytes of the device's memory in use by anyone ({@code cudaMemGetInfo}: total - free): this backend, the
     * libraries and CUDA context behind it, and other processes on the same GPU. Does not synchronise.
     */
    public long deviceMemoryUsed() {
        ensureOpen();
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            checkCuda(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return total.get() - free.get();
        }
    }

    /** Whether TF32 tensor cores may be used for convolutions and gemm (precision TF32). */
    public boolean tf32() {
        return precision == Precision.TF32;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** Whether cuDNN's convolution algorithms are restricted to deterministic ones. */
    public boolean deterministic() {
        return deterministic;
    }

    @Override
    public void synchronize() {
        ensureOpen();
        notCapturing("synchronize");
        checkCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    @Override
    public RandomState newRandom(long seed) {
        ensureOpen();
        notCapturing("newRandom (it allocates)");
        DeviceBuffer counter = DeviceBuffer.allocate(Long.BYTES, "a random stream's counter", deviceBytes);
        try {
            checkCuda(cudaMemsetAsync(counter.pointer(0), 0, Long.BYTES, stream), "cudaMemsetAsync");
        } catch (RuntimeException e) {
            counter.close();
            throw e;
        }
        return new CudaRandomState(this, seed, counter);
    }

    long readCounter(CudaRandomState rng) {
        ensureOpen();
        notCapturing("reading a random counter");
        try (LongPointer host = new LongPointer(1)) {
            checkCuda(cudaMemcpyAsync(host, rng.counterBuffer().pointer(0), Long.BYTES, cudaMemcpyDeviceToHost,
                    stream), "cudaMemcpyAsync(counter to host)");
            synchronize();
            return host.get();
        }
    }

    void writeCounter(CudaRandomState rng, long value) {
        ensureOpen();
        notCapturing("setting a random counter (a replay would set it again every time)");
        checkCuda(CudaKernels.gan4j_random_set_counter(value, counterOf(rng), stream), "gan4j_random_set_counter");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (capturing) { // closed from a finally block inside captureGraph's iteration: end the capture first
            capturing = false;
            CUgraph_st partial = new CUgraph_st();
            cudaStreamEndCapture(stream, partial);
            if (!partial.isNull()) {
                cudaGraphDestroy(partial);
            }
        }
        closed = true;
        if (stream != null) {
            cudaStreamSynchronize(stream); // let pending work finish before its memory goes
        }
        // Every resource is released even if one release fails (e.g. after a sticky device fault), in reverse order
        // of creation as try-with-resources would: graphs, plans, grown buffers, then what the constructor made.
        List<AutoCloseable> all = new ArrayList<>();
        all.add(scratch);
        all.add(workspace);
        all.addAll(List.of(stage).stream().filter(java.util.Objects::nonNull).toList());
        java.util.Arrays.fill(stage, null);
        all.addAll(retired);
        all.addAll(convPlans.values());
        all.addAll(graphs);
        scratch = null;
        workspace = null;
        retired.clear();
        convPlans.clear();
        resources.closeAll(all);
        graphs.clear();
        graphMirrors.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this CUDA backend is closed; create a new one (Backends.create(\"cuda\"))");
        }
    }

    // ---------------------------------------------------------------- CUDA graphs

    /** FP32, TF32 and BF16; NCHW tensors; step capture as a CUDA graph ({@link #captureStep}). */
    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    private static final Capabilities CAPABILITIES = new Capabilities(
            Set.of(Precision.FP32, Precision.TF32, Precision.BF16), Set.of(Capabilities.Layout.NCHW), true);

    /** {@link #captureGraph(Runnable)}: the step recorded as a CUDA graph. */
    @Override
    public CapturedStep captureStep(Runnable step) {
        return captureGraph(step);
    }

    /**
     * Records the ops {@code iteration} issues on this backend (without running them) into a CUDA graph: stream
     * capture in thread-local mode on the backend's stream, then {@code cudaGraphInstantiate}. Run the same
     * iteration eagerly at least once before, so that every buffer, workspace and cuDNN algorithm it needs exists;
     * then {@link CudaGraph#replay()} does what one eager run would do. The iteration must issue only device work on
     * this backend: no allocation, host copy, synchronisation or host-side read of a device value.
     *
     * @throws IllegalStateException when the iteration does something that cannot be captured (named in the
     *                               message; the capture is abandoned and the backend stays usable), or when a
     *                               capture is already running
     */
    public CudaGraph captureGraph(Runnable iteration) {
        ensureOpen();
        if (iteration == null) {
            throw new IllegalArgumentException("iteration must not be null");
        }
        if (capturing) {
            throw new IllegalStateException("a CUDA graph capture is already running on this backend; captures do "
                    + "not nest");
        }
        checkCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        capturing = true;
        CUgraph_st graph = new CUgraph_st();
        try {
            iteration.run();
        } catch (RuntimeException | Error e) {
            capturing = false;
            cudaStreamEndCapture(stream, graph); // ends the (possibly invalidated) capture: the stream is usable again
            if (!graph.isNull()) {
                cudaGraphDestroy(graph);
            }
            cudaGetLastError(); // a capture error is not sticky; do not report it from the next launch
            throw e;
        }
        capturing = false;
        checkCuda(cudaStreamEndCapture(stream, graph), "cudaStreamEndCapture (the iteration used an operation that "
                + "cannot be captured, e.g. a copy from pageable host memory)");
        CUgraphExec_st exec = new CUgraphExec_st();
        int nodes;
        try (SizeTPointer count = new SizeTPointer(1)) {
            checkCuda(cudaGraphGetNodes(graph, null, count), "cudaGraphGetNodes");
            nodes = (int) count.get();
            checkCuda(cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
        } catch (RuntimeException e) {
            cudaGraphDestroy(graph);
            throw e;
        }
        CudaGraph g = new CudaGraph(this, graph, exec, nodes);
        graphs.add(g);
        Map<CudaStorage, CudaStorage.Mirror> after = new IdentityHashMap<>();
        for (CudaStorage s : mirrored) {
            after.put(s, s.mirror());
        }
        graphMirrors.put(g, after);
        return g;
    }

    /** The convolution plans made so far (tests read their measured algorithms). */
    List<ConvPlan> convPlans() {
        return List.copyOf(convPlans.values());
    }

    /** Whether {@link #captureGraph} is recording right now. */
    public boolean isCapturing() {
        return capturing;
    }

    CUstream_st stream() {
        return stream;
    }

    /**
     * Before {@code g} replays: open, not capturing; the resident bf16 copies are marked as the captured iteration
     * leaves them (eager ops since the capture may have changed the marks, not what the replay does).
     */
    void checkReplay(CudaGraph g) {
        ensureOpen();
        notCapturing("replaying a CUDA graph");
        graphMirrors.getOrDefault(g, Map.of()).forEach(CudaStorage::mirror);
    }

    /** Called by {@link CudaGraph#close()}: buffers retired while graphs lived are freed when the last one goes. */
    void graphClosed(CudaGraph g) {
        graphs.remove(g);
        graphMirrors.remove(g);
        if (graphs.isEmpty() && !retired.isEmpty() && !closed) {
            checkCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            for (DeviceBuffer b : retired) {
                b.close();
            }
            retired.clear();
        }
    }

    private void notCapturing(String what) {
        if (capturing) {
            throw new IllegalStateException(what + " is not allowed while a CUDA graph is being captured: a captured "
                    + "iteration may only issue device work. Run the iteration eagerly once before capturing (so "
                    + "buffers, workspaces and convolution algorithms are planned), and do host copies and reads "
                    + "outside it");
        }
    }

    /** Frees {@code b} now, or later when a live graph may still use its address. */
    private void release(DeviceBuffer b) {
        if (graphs.isEmpty()) {
            synchronize(); // kernels still queued may use it
            b.close();
        } else {
            retired.add(b);
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    protected Storage allocateStorage(long elements) {
        ensureOpen();
        notCapturing("allocating a tensor");
        DeviceBuffer buffer = DeviceBuffer.allocate(elements * Float.BYTES, "a tensor of " + elements + " floats",
                deviceBytes);
        try {
            checkCuda(cudaMemsetAsync(buffer.pointer(0), 0, elements * Float.BYTES, stream), "cudaMemsetAsync");
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return new CudaStorage(buffer, elements, this::materialise);
    }

    /**
     * Pinned host buffers, a copy stream and device staging: batches cross the bus while the previous step runs
     * (see {@link CudaHostStaging}).
     */
    @Override
    public HostStaging newHostStaging(int buffers, int floats) {
        ensureOpen();
        notCapturing("making host staging (it allocates)");
        return new CudaHostStaging(this, device, buffers, floats);
    }

    /** Pinned slots and an event each: metrics copied to the host in stream order (see {@link CudaHostReadback}). */
    @Override
    public HostReadback newHostReadback(int slots, int floats) {
        ensureOpen();
        notCapturing("making a host readback (it allocates)");
        return new CudaHostReadback(this, slots, floats);
    }

    /** A device buffer counted in this backend's ledger ({@link #deviceMemoryHeld()}). */
    DeviceBuffer allocateBuffer(long bytes, String what) {
        return DeviceBuffer.allocate(bytes, what, deviceBytes);
    }

    /** Called by host staging and readback before enqueuing a copy: the backend is open and not capturing. */
    void checkHostCopy() {
        ensureOpen();
        notCapturing("copying between pinned host memory and the device");
    }

    /** Waits for the stream, ignoring its status (for closing what used it); nothing once closed. */
    void synchronizeQuietly() {
        if (!closed) {
            cudaStreamSynchronize(stream);
        }
    }

    @Override
    protected void doCopyFromHost(float[] src, Tensor dst) {
        ensureOpen();
        notCapturing("copyFromHost");
        try (FloatPointer host = new FloatPointer(src)) {
            checkCuda(cudaMemcpyAsync(ptr(dst), host, (long) src.length * Float.BYTES, cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(host to device)");
            synchronize(); // the host buffer is freed when this returns
        }
    }

    @Override
    protected void doCopyFromHost(double[] src, Tensor dst) {
        float[] f = new float[src.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) src[i];
        }
        doCopyFromHost(f, dst);
    }

    @Override
    protected void doCopyToHost(Tensor src, float[] dst) {
        ensureOpen();
        notCapturing("copyToHost");
        try (FloatPointer host = new FloatPointer(dst.length)) {
            checkCuda(cudaMemcpyAsync(host, ptr(src), (long) dst.length * Float.BYTES, cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync(device to host)");
            synchronize();
            host.get(dst);
        }
    }

    @Override
    protected void doCopyToHost(Tensor src, double[] dst) {
        float[] f = new float[dst.length];
        doCopyToHost(src, f);
        for (int i = 0; i < f.length; i++) {
            dst[i] = f[i];
        }
    }

    /** Device pointer to element 0 of {@code t}; null for a null tensor. */
    /**
     * The float32 elements of {@code t} for any op (read or write): a resident bf16 copy of its storage is first
     * converted back when it alone holds the value, and dropped (see {@link CudaStorage}).
     */
    static DevicePointer ptr(Tensor t) {
        if (t == null) {
            return null;
        }
        CudaStorage s = (CudaStorage) t.storage();
        s.floatAccess();
        return new DevicePointer(s.address(t.offset()));
    }

    // ---------------------------------------------------------------- resident bf16 NHWC activations (BF16)

    /** {@code t}'s resident bf16 NHWC copy (see {@link CudaStorage}), or null when its float32 elements hold it. */
    private DevicePointer resident(Tensor t) {
        if (precision != Precision.BF16 || t.shape().rank() != 4) {
            return null;
        }
        CudaStorage s = (CudaStorage) t.storage();
        return s.mirrors(t.offset(), t.shape()) ? new DevicePointer(s.bf16Address(t.offset())) : null;
    }

    /** Convolution operand {@code t} (N, C, H, W) as bf16 NHWC: its resident copy, or converted into {@code slot}. */
    private DevicePointer bf16Input(Tensor t, int slot) {
        DevicePointer r = resident(t);
        return r != null ? r : toNhwc(t, slot);
    }

    /**
     * Where an op writes {@code t} (N, C, H, W) as bf16 NHWC: its storage's bf16 copy, which becomes {@code t}'s
     * value (its float32 elements stale until some op reads them through {@link #ptr}). Makes the copy's buffer on
     * first use (plan time). Null when {@code t} cannot be resident (not rank 4, or its offset not a multiple of 8
     * elements, which would leave the copy off 16-byte alignment): the caller converts as before.
     */
    private DevicePointer residentOutput(Tensor t) {
        if (t.shape().rank() != 4 || t.offset() % 8 != 0) {
            return null;
        }
        CudaStorage s = (CudaStorage) t.storage();
        if (!s.mirrors(t.offset(), t.shape())) {
            s.floatAccess(); // another region of this storage may be stale: bring it up to date first
        }
        if (!s.hasBf16()) {
            notCapturing("allocating a resident bf16 activation (" + t.shape() + ")");
            s.attachBf16(DeviceBuffer.allocate(2L * s.capacity(), "a resident bf16 activation", deviceBytes));
            mirrored.add(s);
        }
        s.mirror(new CudaStorage.Mirror(t.offset(), t.shape(), true));
        return new DevicePointer(s.bf16Address(t.offset()));
    }

    /** Converts the stale bf16 NHWC region of {@code s} back into its float32 NCHW elements (stream order). */
    private void materialise(CudaStorage s) {
        CudaStorage.Mirror m = s.mirror();
        Shape sh = m.shape();
        launched(CudaKernels.gan4j_from_bf16_nhwc(new DevicePointer(s.bf16Address(m.offset())), sh.dim(0), sh.dim(1),
                sh.dim(2) * sh.dim(3), 0, new DevicePointer(s.address(m.offset())), stream), "gan4j_from_bf16_nhwc");
    }

    /**
     * Whether the batch norm of {@code x} (and the tensors beside it) runs on the resident bf16 NHWC kernels: BF16,
     * {@code x} resident, rank 4, channels a multiple of 8 and every operand 16-byte aligned (offsets multiples of 8).
     */
    private boolean bf16BatchNorm(Tensor x, Tensor... others) {
        if (resident(x) == null || x.dim(1) % 8 != 0 || x.offset() % 8 != 0) {
            return false;
        }
        for (Tensor t : others) {
            if (t.offset() % 8 != 0) {
                return false;
            }
        }
        return true;
    }

    /** Reduction scratch big enough for per-channel ops over {@code channels} channels (grows at plan time). */
    private DoublePointer scratch(long channels) {
        ensureScratch(channels);
        return new DoublePointer(scratch.pointer(0));
    }

    private void ensureScratch(long channels) {
        if (scratch == null || channels > scratchChannels) {
            notCapturing("growing the reduction scratch (to " + channels + " channels)");
            long bytes = CudaKernels.gan4j_scratch_bytes(channels);
            if (scratch != null) {
                release(scratch);
                scratch = null;
            }
            scratch = DeviceBuffer.allocate(bytes, "reduction scratch", deviceBytes);
            scratchChannels = channels;
        }
    }

    /** The convolution workspace, at least {@code bytes} (grows at plan time; null when none is needed). */
    private DevicePointer workspace(long bytes) {
        if (bytes == 0) {
            return null;
        }
        if (workspace == null || workspace.bytes() < bytes) {
            notCapturing("growing the convolution workspace (to " + bytes + " bytes)");
            if (workspace != null) {
                release(workspace);
                workspace = null;
            }
            workspace = DeviceBuffer.allocate(bytes, "the cuDNN convolution workspace", deviceBytes);
        }
        return workspace.pointer(0);
    }

    /**
     * Staging buffer {@code slot} of the BF16 path, at least {@code bytes} (grows at plan time, like the
     * workspace).
     */
    private DevicePointer stage(int slot, long bytes) {
        DeviceBuffer b = stage[slot];
        if (b == null || b.bytes() < bytes) {
            notCapturing("growing a bf16 staging buffer (to " + bytes + " bytes)");
            if (b != null) {
                release(b);
                stage[slot] = null;
            }
            stage[slot] = DeviceBuffer.allocate(bytes, "a bf16 staging buffer", deviceBytes);
        }
        return stage[slot].pointer(0);
    }

    /** {@code t} (a gemm operand) rounded to bf16 into staging {@code slot}, as stored (row-major). */
    private DevicePointer toBf16(Tensor t, int slot) {
        DevicePointer dst = stage(slot, 2L * t.size());
        launched(CudaKernels.gan4j_to_bf16(ptr(t), dst, t.size(), stream), "gan4j_to_bf16");
        return dst;
    }

    /** {@code t} (N, C, H, W) (an image or a filter) rounded to bf16 into staging {@code slot} as (N, H, W, C). */
    private DevicePointer toNhwc(Tensor t, int slot) {
        DevicePointer dst = stage(slot, 2L * t.size());
        launched(CudaKernels.gan4j_to_bf16_nhwc(ptr(t), t.dim(0), t.dim(1), t.dim(2) * t.dim(3), dst, stream),
                "gan4j_to_bf16_nhwc");
        return dst;
    }

    /** {@code t} rounded to bf16 values, kept in float32, in staging {@code slot} (the fallback path). */
    private DevicePointer roundedCopy(Tensor t, int slot) {
        DevicePointer dst = stage(slot, (long) Float.BYTES * t.size());
        launched(CudaKernels.gan4j_round_bf16(ptr(t), dst, t.size(), stream), "gan4j_round_bf16");
        return dst;
    }

    /** Rounds {@code n} float32 values at {@code p} to bf16 values in place. */
    private void roundInPlace(DevicePointer p, long n) {
        launched(CudaKernels.gan4j_round_bf16(p, p, n, stream), "gan4j_round_bf16");
    }

    /**
     * The bf16 algorithm of direction {@code d} of a BF16 plan (measured on first use), or null when cuDNN has none
     * for this shape (e.g. a channel count it cannot run in bf16): that direction then runs on the plan's float32
     * fallback with bf16-rounded operands and result, the same rounding points (logged once per shape).
     */
    private ConvPlan.Algo bf16Algo(ConvPlan plan, ConvPlan.Direction d) {
        if (plan.usesFallback(d)) {
            return null;
        }
        try {
            return switch (d) {
                case FORWARD -> plan.forward(cudnn);
                case BACKWARD_DATA -> plan.backwardData(cudnn);
                case BACKWARD_FILTER -> plan.backwardFilter(cudnn);
            };
        } catch (CudaException e) {
            if (e.status() != CUDNN_STATUS_NOT_SUPPORTED && e.status() != CUDNN_STATUS_BAD_PARAM) {
                throw e;
            }
            plan.markNoBf16(d);
            LOG.log(System.Logger.Level.WARNING, "gan4j: cuDNN has no bf16 " + d + " algorithm for " + plan
                    + " (" + e.getMessage() + "); it runs in float32 on bf16-rounded operands (same rounding points)");
            return null;
        }
    }

    /** {@code t} (N, C, H, W) {@code =} (or {@code +=}) the bf16 (N, H, W, C) values at {@code src}. */
    private void fromNhwc(DevicePointer src, Tensor t, boolean accumulate) {
        launched(CudaKernels.gan4j_from_bf16_nhwc(src, t.dim(0), t.dim(1), t.dim(2) * t.dim(3), accumulate ? 1 : 0,
                ptr(t), stream), "gan4j_from_bf16_nhwc");
    }

    private static LongPointer counterOf(CudaRandomState rng) {
        return new LongPointer(rng.counterBuffer().pointer(0));
    }

    private CudaRandomState own(RandomState rng) {
        if (!(rng instanceof CudaRandomState s) || s.backend() != this) {
            throw new IllegalArgumentException("random state " + rng.getClass().getSimpleName()
                    + " was not made by this CUDA backend; use this backend's newRandom(seed)");
        }
        return s;
    }

    private static void launched(int status, String launcher) {
        checkCuda(status, launcher);
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    protected void doFill(float value, Tensor dst) {
        ensureOpen();
        launched(CudaKernels.gan4j_fill(value, ptr(dst), dst.size(), stream), "gan4j_fill");
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        ensureOpen();
        launched(CudaKernels.gan4j_copy(ptr(src), ptr(dst), dst.size(), stream), "gan4j_copy");
    }

    @Override
    protected void doScale(float alpha, Tensor x) {
        ensureOpen();
        launched(CudaKernels.gan4j_scale(alpha, ptr(x), x.size(), stream), "gan4j_scale");
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        ensureOpen();
        launched(CudaKernels.gan4j_axpy(alpha, ptr(x), ptr(y), x.size(), stream), "gan4j_axpy");
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        ensureOpen();
        launched(CudaKernels.gan4j_multiply(ptr(a), ptr(b), ptr(out), a.size(), stream), "gan4j_multiply");
    }

    @Override
    protected void doMean(Tensor x, Activation act, Tensor out) {
        ensureOpen();
        launched(CudaKernels.gan4j_mean(ptr(x), x.size(), kind(act), act.slope(), ptr(out), scratch(1), stream),
                "gan4j_mean");
    }

    @Override
    protected void doSumOfSquares(Tensor x, Tensor out) {
        ensureOpen();
        launched(CudaKernels.gan4j_sum_of_squares(ptr(x), x.size(), ptr(out), scratch(1), stream),
                "gan4j_sum_of_squares");
    }

    // ---------------------------------------------------------------- matrix product

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        ensureOpen();
        // Row-major C (m x n) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands, keep the flags.
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        if (precision == Precision.BF16) { // operands rounded to bf16, float32 accumulation and result
            DevicePointer ab = toBf16(a, 0);
            DevicePointer bb = toBf16(b, 1);
            checkCublas(cublasGemmEx(cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                    n, m, k, gemmAlpha.put(0, alpha), bb, CUDA_R_16BF, ldb, ab, CUDA_R_16BF, lda,
                    gemmBeta.put(0, beta), ptr(c), CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "cublasGemmEx(bf16, " + m + "x" + n + "x" + k + ")");
            return;
        }
        checkCublas(cublasSgemm_v2(cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n,
                m, k, gemmAlpha.put(0, alpha), ptr(b), ldb, ptr(a), lda, gemmBeta.put(0, beta), ptr(c), n),
                "cublasSgemm(" + m + "x" + n + "x" + k + ")");
    }

    // ---------------------------------------------------------------- bias + activation

    @Override
    protected void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        ensureOpen();
        Layout l = Layout.of(x);
        launched(CudaKernels.gan4j_bias_activation_forward(ptr(x), ptr(bias), l.n, l.channels, l.spatial, kind(act),
                act.slope(), ptr(y), stream), "gan4j_bias_activation_forward");
    }

    @Override
    protected void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        ensureOpen();
        Layout l = Layout.of(y);
        launched(CudaKernels.gan4j_bias_activation_backward(ptr(y), ptr(dy), l.n, l.channels, l.spatial, kind(act),
                act.slope(), ptr(dx), ptr(dbias), scratch(l.channels), stream), "gan4j_bias_activation_backward");
    }

    // ---------------------------------------------------------------- batch norm

    @Override
    protected void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        ensureOpen();
        Layout l = Layout.of(x);
        if (bf16BatchNorm(x, y)) { // bf16 NHWC in and out, float32 statistics
            DevicePointer xb = resident(x);
            launched(CudaKernels.gan4j_batchnorm_train_forward_bf16_nhwc(xb, ptr(gamma), ptr(beta),
                    (long) l.n * l.spatial, l.channels, eps, momentum, kind(act), act.slope(), ptr(runningMean),
                    ptr(runningVar), residentOutput(y), ptr(saveMean), ptr(saveInvStd), scratch(l.channels), stream),
                    "gan4j_batchnorm_train_forward_bf16_nhwc");
            return;
        }
        launched(CudaKernels.gan4j_batchnorm_train_forward(ptr(x), ptr(gamma), ptr(beta), l.n, l.channels, l.spatial,
                eps, momentum, kind(act), act.slope(), ptr(runningMean), ptr(runningVar), ptr(y), ptr(saveMean),
                ptr(saveInvStd), scratch(l.channels), stream), "gan4j_batchnorm_train_forward");
        if (precision == Precision.BF16) { // the stored activation is bf16 (Bf16EmulationBackend's rounding point)
            roundInPlace(ptr(y), y.size());
        }
    }

    @Override
    protected void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        Layout l = Layout.of(x);
        if (bf16BatchNorm(x, y, dy, dx) && resident(y) != null && resident(dy) != null) { // bf16 NHWC x, y, dy, dx
            launched(CudaKernels.gan4j_batchnorm_train_backward_bf16_nhwc(resident(x), resident(y), resident(dy),
                    ptr(gamma), ptr(saveMean), ptr(saveInvStd), (long) l.n * l.spatial, l.channels, kind(act),
                    act.slope(), residentOutput(dx), ptr(dgamma), ptr(dbeta), scratch(l.channels), stream),
                    "gan4j_batchnorm_train_backward_bf16_nhwc");
            return;
        }
        launched(CudaKernels.gan4j_batchnorm_train_backward(ptr(x), ptr(y), ptr(dy), ptr(gamma), ptr(saveMean),
                ptr(saveInvStd), l.n, l.channels, l.spatial, kind(act), act.slope(), ptr(dx), ptr(dgamma), ptr(dbeta),
                scratch(l.channels), stream), "gan4j_batchnorm_train_backward");
        if (precision == Precision.BF16) { // the stored gradient is bf16 (Bf16EmulationBackend's rounding point)
            roundInPlace(ptr(dx), dx.size());
        }
    }

    @Override
    protected void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        ensureOpen();
        Layout l = Layout.of(x);
        launched(CudaKernels.gan4j_batchnorm_eval_forward(ptr(x), ptr(gamma), ptr(beta), ptr(runningMean),
                ptr(runningVar), l.n, l.channels, l.spatial, eps, kind(act), act.slope(), ptr(y), stream),
                "gan4j_batchnorm_eval_forward");
    }

    @Override
    protected void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        Layout l = Layout.of(x);
        launched(CudaKernels.gan4j_batchnorm_eval_backward(ptr(x), ptr(y), ptr(dy), ptr(gamma), ptr(runningMean),
                ptr(runningVar), l.n, l.channels, l.spatial, eps, kind(act), act.slope(), ptr(dx), ptr(dgamma),
                ptr(dbeta), scratch(l.channels), stream), "gan4j_batchnorm_eval_backward");
    }

    // ---------------------------------------------------------------- convolution

    private ConvPlan plan(Shape x, Shape w, ConvParams p) {
        ConvKey key = new ConvKey(x, w, p);
        ConvPlan plan = convPlans.get(key);
        if (plan == null) {
            notCapturing("planning a new convolution shape (x " + x + ", w " + w + ")");
            plan = new ConvPlan(x, w, p, precision, deterministic);
            convPlans.put(key, plan);
        }
        return plan;
    }

    @Override
    protected void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        ensureOpen();
        ConvPlan plan = measuredPlan(x.shape(), w.shape(), p, ConvPlan.Direction.FORWARD);
        if (precision == Precision.BF16 && bf16Algo(plan, ConvPlan.Direction.FORWARD) == null) {
            ConvPlan f = plan.fallback();
            ConvPlan.Algo fa = f.forward(cudnn);
            checkCudnn(cudnnConvolutionForward(cudnn, one, f.x, roundedCopy(x, 0), f.w, roundedCopy(w, 1),
                    f.forwardConv, fa.algo(), workspace(fa.workspaceBytes()), fa.workspaceBytes(), zero, f.y, ptr(y)),
                    "cudnnConvolutionForward(bf16 fallback)");
            roundInPlace(ptr(y), y.size());
            return;
        }
        ConvPlan.Algo algo = plan.forward(cudnn);
        if (precision == Precision.BF16) { // x (resident or converted), w to bf16 NHWC; y stays resident bf16
            DevicePointer resident = residentOutput(y);
            DevicePointer yb = resident != null ? resident : stage(2, 2L * y.size());
            checkCudnn(cudnnConvolutionForward(cudnn, one, plan.x, bf16Input(x, 0), plan.w, toNhwc(w, 1),
                    plan.forwardConv, algo.algo(), workspace(algo.workspaceBytes()), algo.workspaceBytes(), zero,
                    plan.y, yb), "cudnnConvolutionForward(bf16)");
            if (resident == null) {
                fromNhwc(yb, y, false);
            }
            return;
        }
        checkCudnn(cudnnConvolutionForward(cudnn, one, plan.x, ptr(x), plan.w, ptr(w), plan.forwardConv, algo.algo(),
                workspace(algo.workspaceBytes()), algo.workspaceBytes(), zero, plan.y, ptr(y)),
                "cudnnConvolutionForward");
    }

    /**
     * The plan for this shape, refusing (during graph capture) a direction whose cuDNN algorithm has not been measured
     * yet: cudnnFind runs kernels and synchronises, which a capture cannot record.
     */
    private ConvPlan measuredPlan(Shape x, Shape w, ConvParams p, ConvPlan.Direction direction) {
        ConvPlan plan = plan(x, w, p);
        if (capturing && !plan.measured(direction)) {
            notCapturing("measuring cuDNN algorithms (cudnnFind) for " + plan);
        }
        return plan;
    }

    @Override
    protected void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        ensureOpen();
        ConvPlan plan = measuredPlan(dx.shape(), w.shape(), p, ConvPlan.Direction.BACKWARD_DATA);
        if (precision == Precision.BF16 && bf16Algo(plan, ConvPlan.Direction.BACKWARD_DATA) == null) {
            ConvPlan f = plan.fallback();
            ConvPlan.Algo fa = f.backwardData(cudnn);
            checkCudnn(cudnnConvolutionBackwardData(cudnn, one, f.w, roundedCopy(w, 1), f.y, roundedCopy(dy, 0),
                    f.backwardDataConv, fa.algo(), workspace(fa.workspaceBytes()), fa.workspaceBytes(), zero, f.x,
                    ptr(dx)), "cudnnConvolutionBackwardData(bf16 fallback)");
            roundInPlace(ptr(dx), dx.size());
            return;
        }
        ConvPlan.Algo algo = plan.backwardData(cudnn);
        if (precision == Precision.BF16) { // dy (resident or converted), w to bf16 NHWC; dx stays resident bf16
            DevicePointer resident = residentOutput(dx);
            DevicePointer dxb = resident != null ? resident : stage(2, 2L * dx.size());
            checkCudnn(cudnnConvolutionBackwardData(cudnn, one, plan.w, toNhwc(w, 1), plan.y, bf16Input(dy, 0),
                    plan.backwardDataConv, algo.algo(), workspace(algo.workspaceBytes()), algo.workspaceBytes(), zero,
                    plan.x, dxb), "cudnnConvolutionBackwardData(bf16)");
            if (resident == null) {
                fromNhwc(dxb, dx, false);
            }
            return;
        }
        checkCudnn(cudnnConvolutionBackwardData(cudnn, one, plan.w, ptr(w), plan.y, ptr(dy), plan.backwardDataConv,
                algo.algo(), workspace(algo.workspaceBytes()), algo.workspaceBytes(), zero, plan.x, ptr(dx)),
                "cudnnConvolutionBackwardData");
    }

    @Override
    protected void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        ensureOpen();
        ConvPlan plan = measuredPlan(x.shape(), dw.shape(), p, ConvPlan.Direction.BACKWARD_FILTER);
        if (precision == Precision.BF16 && bf16Algo(plan, ConvPlan.Direction.BACKWARD_FILTER) == null) {
            ConvPlan f = plan.fallback();
            ConvPlan.Algo fa = f.backwardFilter(cudnn);
            DevicePointer part = stage(2, (long) Float.BYTES * dw.size());
            checkCudnn(cudnnConvolutionBackwardFilter(cudnn, one, f.x, roundedCopy(x, 0), f.y, roundedCopy(dy, 1),
                    f.backwardFilterConv, fa.algo(), workspace(fa.workspaceBytes()), fa.workspaceBytes(), zero, f.w,
                    part), "cudnnConvolutionBackwardFilter(bf16 fallback)");
            roundInPlace(part, dw.size());
            launched(CudaKernels.gan4j_axpy(1f, part, ptr(dw), dw.size(), stream), "gan4j_axpy"); // dw + part
            return;
        }
        ConvPlan.Algo algo = plan.backwardFilter(cudnn);
        if (precision == Precision.BF16) { // x, dy to bf16 NHWC; this call's bf16 gradient, then dw += it in float32
            DevicePointer dwb = stage(2, 2L * dw.size());
            checkCudnn(cudnnConvolutionBackwardFilter(cudnn, one, plan.x, bf16Input(x, 0), plan.y, bf16Input(dy, 1),
                    plan.backwardFilterConv, algo.algo(), workspace(algo.workspaceBytes()), algo.workspaceBytes(),
                    zero, plan.w, dwb), "cudnnConvolutionBackwardFilter(bf16)");
            fromNhwc(dwb, dw, true);
            return;
        }
        // beta = 1: dw accumulates
        checkCudnn(cudnnConvolutionBackwardFilter(cudnn, one, plan.x, ptr(x), plan.y, ptr(dy), plan.backwardFilterConv,
                algo.algo(), workspace(algo.workspaceBytes()), algo.workspaceBytes(), one, plan.w, ptr(dw)),
                "cudnnConvolutionBackwardFilter");
    }

    // ---------------------------------------------------------------- losses

    @Override
    protected void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        launched(CudaKernels.gan4j_bce_with_logits_loss(ptr(logits), ptr(targets), logits.size(), scale, ptr(loss),
                ptr(dlogits), scratch(1), stream), "gan4j_bce_with_logits_loss");
    }

    @Override
    protected void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        ensureOpen();
        launched(CudaKernels.gan4j_squared_error_loss(ptr(pred), ptr(targets), pred.size(), scale, ptr(loss),
                ptr(dpred), scratch(1), stream), "gan4j_squared_error_loss");
    }

    @Override
    protected void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        launched(CudaKernels.gan4j_hinge_loss(ptr(logits), ptr(targets), logits.size(), scale, ptr(loss),
                ptr(dlogits), scratch(1), stream), "gan4j_hinge_loss");
    }

    // ---------------------------------------------------------------- spectral normalisation

    @Override
    protected void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        ensureOpen();
        int out = u.size();
        int k = v.size();
        // the kernel keeps max(out, k) + 1 doubles in the per-channel slots (4 per channel) of the scratch
        long channels = (Math.max(out, k) + 1 + 3) / 4;
        launched(CudaKernels.gan4j_spectral_norm_forward(ptr(w), ptr(u), ptr(v), out, k, update ? 1 : 0, ptr(sigma),
                ptr(wsn), scratch(channels), stream), "gan4j_spectral_norm_forward");
    }

    @Override
    protected void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        ensureOpen();
        launched(CudaKernels.gan4j_spectral_norm_backward(ptr(dwsn), ptr(wsn), ptr(u), ptr(v), ptr(sigma), u.size(),
                v.size(), ptr(dw), scratch(1), stream), "gan4j_spectral_norm_backward");
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    protected void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        ensureOpen();
        launched(CudaKernels.gan4j_adam_step(ptr(grad), grad.size(), lr, null, beta1, beta2, eps, weightDecay,
                ptr(param), ptr(m), ptr(v), ptr(step), new IntPointer(adamTicket.pointer(0)), stream),
                "gan4j_adam_step");
    }

    /** The kernel reads the rate from {@code lr} on the device: a captured step replays with the current one. */
    @Override
    protected void doAdamStep(Tensor grad, Tensor lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        ensureOpen();
        launched(CudaKernels.gan4j_adam_step(ptr(grad), grad.size(), 0f, ptr(lr), beta1, beta2, eps, weightDecay,
                ptr(param), ptr(m), ptr(v), ptr(step), new IntPointer(adamTicket.pointer(0)), stream),
                "gan4j_adam_step");
    }

    @Override
    protected void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        ensureOpen();
        launched(CudaKernels.gan4j_sgd_step(ptr(grad), grad.size(), lr, momentum, weightDecay, ptr(param),
                momentum == 0f ? null : ptr(momentumBuffer), stream), "gan4j_sgd_step");
    }

    // ---------------------------------------------------------------- random

    @Override
    protected void doRandomNormal(RandomState rng, float mean, float std, Tensor dst) {
        ensureOpen();
        CudaRandomState s = own(rng);
        launched(CudaKernels.gan4j_random_normal(s.seed(), counterOf(s), mean, std, ptr(dst), dst.size(), stream),
                "gan4j_random_normal");
    }

    @Override
    protected void doRandomUniform(RandomState rng, float low, float high, Tensor dst) {
        ensureOpen();
        CudaRandomState s = own(rng);
        launched(CudaKernels.gan4j_random_uniform(s.seed(), counterOf(s), low, high, ptr(dst), dst.size(), stream),
                "gan4j_random_uniform");
    }

    @Override
    protected void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        ensureOpen();
        CudaRandomState s = own(rng);
        launched(CudaKernels.gan4j_fill_targets(s.seed(), counterOf(s), value, flippedValue, flipProbability, noise,
                ptr(dst), dst.size(), stream), "gan4j_fill_targets");
    }

    @Override
    protected void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        ensureOpen();
        CudaRandomState s = own(rng);
        launched(CudaKernels.gan4j_dropout_forward(s.seed(), counterOf(s), p, ptr(x), ptr(mask), ptr(y), x.size(),
                stream), "gan4j_dropout_forward");
    }

    // ---------------------------------------------------------------- helpers

    /** The kernels' activation enum for {@code act}. */
    private static CudaKernels.ActivationKind kind(Activation act) {
        return CudaKernels.ActivationKind.of(act);
    }

    /** A tensor read as (n, channels, spatial), as the CPU reference reads it: channels = dim 1 (1 for rank 1). */
    private record Layout(int n, int channels, int spatial) {
        static Layout of(Tensor t) {
            int n = t.dim(0);
            int channels = t.shape().rank() >= 2 ? t.dim(1) : 1;
            return new Layout(n, channels, t.size() / (n * channels));
        }
    }
}
