package org.gan4j.backend.cpu;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import java.nio.FloatBuffer;
import java.util.Set;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.Capabilities;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.Philox;
import org.gan4j.backend.Precision;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Storage;
import org.gan4j.tensor.Tensor;

/**
 * The fast CPU backend, in F32: every op of {@link Backend} as Java loops over off-heap memory (bulk moves between
 * the buffers and arrays the JIT vectorises, split over the backend's threads), matrix products through OpenBLAS
 * ({@code cblas_sgemm}), convolutions through native kernels or OpenBLAS (below). It is the fallback where CUDA
 * cannot run, and it is tested against the double-precision {@link ReferenceBackend} (the spec of every op, which
 * gradient checks use too).
 *
 * <p><b>Numerics.</b> Every elementwise formula is evaluated in double and rounded once on store; reductions (means,
 * batch-norm statistics, losses, bias gradients) accumulate in double, in the reference's order, so results do not
 * depend on the thread count and the memory-bound ops equal the reference rounded to float. Random ops follow the
 * Philox stream layout of {@link Philox} exactly.
 *
 * <p><b>Native loops.</b> Where the native library loads (as for the convolutions, below), training-mode batch norm +
 * activation, bias + activation (both directions) and Adam run as C++ loops ({@link CpuLoops}) with the same
 * expressions in the same order as the Java loops here, bit for bit, but vectorised: HotSpot 17 runs loops that
 * convert between float and double one element at a time (measured: 2.4-10x faster per op, BENCHMARKS.md). Tanh and
 * Sigmoid, and every op where the library does not load or {@code -Dgan4j.cpu.native=false}, stay in Java.
 *
 * <p><b>Convolution</b> ({@code x: (N, Cin, H, W)}, {@code w: (Cout, Cin, kH, kW)}, {@code y: (N, Cout, Ho, Wo)};
 * PyTorch's {@code F.conv2d}, {@code conv_transpose2d} and the weight gradient): on x86-64 with AVX2 + FMA, gan4j's
 * native implicit-GEMM kernels ({@link NativeConv}, C++ built into the jar) for every pass with 8 or more output
 * channels, and pixel-vectorised ones for the passes of convolutions with 1-3 input channels; otherwise, and
 * wherever the native library does not load (another OS or architecture, an older CPU,
 * {@code -Dgan4j.cpu.native=false}), the portable path: im2col + GEMM forward, GEMM + col2im for the data gradient,
 * im2col + GEMM (accumulating) for the filter gradient, over chunks of samples sized so the column matrix fits a
 * backend-owned workspace that grows as needed and is reused. {@link #deviceDescription()} says which, and why.
 *
 * <p><b>Threads.</b> The backend owns {@code threads - 1} worker threads ({@link WorkPool}): loops over samples,
 * channels or element ranges are cut into chunks that the calling thread and the workers claim as they come free, and
 * so are large matrix products, by blocks of columns, each block one single-threaded OpenBLAS call. Workers park
 * between ops (none spins), and a worker that wakes late leaves its chunks to the calling thread instead of making it
 * wait. It sets OpenBLAS's process-global thread count to 1, which suits every CPU backend in the process.
 * As every backend, it is used by one thread at a time. {@link #close()} stops the pool and frees the workspace; ops
 * after it throw
 * {@link IllegalStateException}.
 */
public final class CpuBackend extends Backend {
    /** Element-operations per chunk of a split loop at the least: a smaller loop runs on the calling thread. */
    private static final long MIN_PARALLEL_WORK = 1 << 15;
    /** Chunks per thread a loop is cut into at most: a late thread leaves little to the others (see WorkPool). */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Elements per block of {@link #doSumOfSquares}'s partial sums (a fixed split, for thread-count-free bits). */
    private static final int SQUARES_BLOCK = 1 << 14;
    /** A matrix product of less work than this (FLOPs, plus floats touched at their cost below) runs as one call. */
    private static final long MIN_PARALLEL_GEMM_FLOPS = 1 << 22;
    /**
     * What a float read or written by a matrix product costs, in FLOPs, when deciding whether to split it: a product
     * with few rows is bound by memory, not by the FMA units (G28's first layer at batch 2, 2 x 6272 x 100, took
     * 0.71 ms on one Zen 3 core: 1.1 ns per float touched, against about 0.02 ns per FLOP in the large products).
     * 32 is a low estimate, so that only products that clearly pay are split.
     */
    private static final long GEMM_FLOPS_PER_FLOAT = 32;
    /** Rows or columns of {@code c} per block at the least when a product is split over threads. */
    private static final int GEMM_SPLIT_MIN = 64;
    /** Target size of the convolution workspace in elements (16 MiB in F32): big GEMMs, bounded memory. */
    private static final long CONV_WORKSPACE_TARGET = 1 << 22;

    private final int threads;
    /** The threads beyond the calling one, or null with one thread. */
    private final WorkPool pool;
    /** Per-thread scratch of the F32 fast paths, grown as needed and reused (no allocation per op once warm). */
    private final ThreadLocal<F32Loops.Scratch> scratch = ThreadLocal.withInitial(() -> new F32Loops.Scratch(0));
    /** Workspace target of this backend; tests lower it to exercise the chunked convolution paths. */
    long convWorkspaceTarget = CONV_WORKSPACE_TARGET;
    private CpuStorage workspace;
    /** The native convolution kernels, or null when this backend uses im2col + OpenBLAS for every convolution. */
    private final NativeConv nativeConv;
    /** Whether batch norm, bias + activation and Adam run through the native loops ({@link CpuLoops}). */
    private final boolean nativeLoops;
    private boolean closed;

    private CpuBackend(int threads, boolean nativeConvolutions, boolean nativeLoops) {
        super(DType.F32);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new WorkPool(threads - 1);
        // One OpenBLAS thread: the backend splits large products over its own pool (see gemm), so no OpenBLAS
        // worker spins on a core between products while the pool runs the loops around them.
        openblas.blas_set_num_threads(1);
        this.nativeConv = nativeConvolutions && NativeConv.status().usable()
                ? new NativeConv(this::parallelFor, threads) : null;
        this.nativeLoops = nativeLoops && LoopsProbe.USABLE;
    }

    /** Whether the native loops load here (they need the native convolution library's CPU check to pass). */
    private static final class LoopsProbe {
        static final boolean USABLE = probe();

        private static boolean probe() {
            if (!NativeConv.status().usable()) {
                return false;
            }
            try {
                Loader.load(CpuLoops.class);
                return true;
            } catch (Throwable t) {
                return false;
            }
        }
    }

    /** A backend using every available processor. */
    public static CpuBackend create() {
        return create(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A backend using {@code threads} threads (its own pool, and OpenBLAS's process-wide count), with the native
     * convolution kernels where they load and pay (see {@link #nativeConvolutions()}) and the native loops for batch
     * norm, bias + activation and Adam where they load.
     */
    public static CpuBackend create(int threads) {
        return new CpuBackend(threads, true, true);
    }

    /**
     * As {@link #create(int)}; {@code nativeConvolutions = false} runs every convolution through im2col + OpenBLAS
     * (the portable path), e.g. to compare the two. {@code -Dgan4j.cpu.native=false} does that process-wide.
     */
    public static CpuBackend create(int threads, boolean nativeConvolutions) {
        return new CpuBackend(threads, nativeConvolutions, true);
    }

    /**
     * As {@link #create(int, boolean)}; {@code nativeLoops = false} runs batch norm, bias + activation and Adam as
     * Java loops even where the native library loads (tests hold both paths to the reference).
     */
    static CpuBackend create(int threads, boolean nativeConvolutions, boolean nativeLoops) {
        return new CpuBackend(threads, nativeConvolutions, nativeLoops);
    }

    /** Whether batch norm, bias + activation and Adam run through the native loops ({@link CpuLoops}). */
    boolean nativeLoops() {
        return nativeLoops;
    }

    /**
     * Whether this backend runs convolutions through gan4j's native kernels (x86-64 with AVX2 + FMA, built into the
     * jar by Maven with g++), where a pass has at least 8 output channels; false: im2col + OpenBLAS everywhere.
     */
    public boolean nativeConvolutions() {
        return nativeConv != null;
    }

    /** Native convolution passes this backend has run (for the test that the native path is the one taken). */
    long nativeConvolutionPasses() {
        return nativeConv == null ? 0 : nativeConv.passes;
    }

    /** Filter gradients run by the Winograd kernels ({@link WinogradFilter}), for tests. */
    long winogradFilterPasses() {
        return nativeConv == null ? 0 : nativeConv.winogradFilter.passes;
    }

    /** Winograd passes run (a subset of {@link #nativeConvolutionPasses()}); for tests. */
    long winogradPasses() {
        return nativeConv == null ? 0 : nativeConv.winograd.passes;
    }

    /**
     * Switches the Winograd paths (forward, data and filter gradients) on or off for this backend (default:
     * {@link WinogradFilter#PROPERTY}); for tests.
     */
    void winograd(boolean on) {
        if (nativeConv != null) {
            nativeConv.winograd.enabled = on;
            nativeConv.winogradFilter.enabled = on;
        }
    }

    /**
     * FP32 and TF32 (which is FP32 here: the host has no TF32 arithmetic), and BF16 emulated by
     * {@link Bf16EmulationBackend}; NCHW; no step capture.
     */
    static final Capabilities CAPABILITIES = new Capabilities(Set.of(Precision.FP32, Precision.TF32, Precision.BF16),
            Set.of(Capabilities.Layout.NCHW), false);

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /** Number of threads the backend computes with. */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceDescription() {
        return "CPU, " + threads + (threads == 1 ? " thread, " : " threads, ")
                + openblas.OPENBLAS_VERSION.trim() + (nativeLoops ? ", native memory-bound loops" : "")
                + ", convolutions: "
                + (nativeConv != null ? NativeConv.status().reason() : "im2col + OpenBLAS"
                        + (NativeConv.status().usable() ? "" : " (" + NativeConv.status().reason() + ")"));
    }

    @Override
    public void synchronize() {
        ensureOpen();
    }

    @Override
    public RandomState newRandom(long seed) {
        ensureOpen();
        return new CpuRandomState(seed);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null) {
            pool.close();
        }
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
        if (nativeConv != null) {
            nativeConv.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this CPU backend is closed; create a new one (CpuBackend.create())");
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    protected Storage allocateStorage(long elements) {
        ensureOpen();
        return new CpuStorage(DType.F32, elements);
    }

    @Override
    protected void doCopyFromHost(float[] src, Tensor dst) {
        ensureOpen();
        storage(dst).floats().put((int) dst.offset(), src);
    }

    /** Rounds each value to float. */
    @Override
    protected void doCopyFromHost(double[] src, Tensor dst) {
        ensureOpen();
        FloatBuffer d = storage(dst).floats();
        int o = (int) dst.offset();
        for (int i = 0; i < src.length; i++) {
            d.put(o + i, (float) src[i]);
        }
    }

    @Override
    protected void doCopyToHost(Tensor src, float[] dst) {
        ensureOpen();
        storage(src).floats().get((int) src.offset(), dst);
    }

    @Override
    protected void doCopyToHost(Tensor src, double[] dst) {
        ensureOpen();
        FloatBuffer s = storage(src).floats();
        int o = (int) src.offset();
        for (int i = 0; i < dst.length; i++) {
            dst[i] = s.get(o + i);
        }
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    protected void doFill(float value, Tensor dst) {
        ensureOpen();
        Acc d = Acc.of(dst);
        parallelFor(dst.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                d.set(i, value);
            }
        });
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        ensureOpen();
        Acc s = Acc.of(src);
        Acc d = Acc.of(dst);
        parallelFor(dst.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                d.set(i, s.get(i));
            }
        });
    }

    @Override
    protected void doScale(float alpha, Tensor x) {
        ensureOpen();
        Acc a = Acc.of(x);
        parallelFor(x.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                a.set(i, alpha * a.get(i));
            }
        });
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        parallelFor(x.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                ya.set(i, ya.get(i) + alpha * xa.get(i));
            }
        });
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        ensureOpen();
        Acc aa = Acc.of(a);
        Acc ba = Acc.of(b);
        Acc oa = Acc.of(out);
        parallelFor(a.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                oa.set(i, aa.get(i) * ba.get(i));
            }
        });
    }

    @Override
    protected void doMean(Tensor x, Activation act, Tensor out) {
        ensureOpen();
        double sum = 0;
        for (float v : values(x)) {
            sum += act.apply(v);
        }
        storage(out).floats().put((int) out.offset(), (float) (sum / x.size()));
    }

    /**
     * {@code out[0] = sum_i x_i^2} in double: blocks of {@link #SQUARES_BLOCK} elements, each summed in order, split
     * over the pool by blocks, their sums added in block order. The blocks do not depend on the thread count, so
     * neither do the bits; against one running sum (the reference) only the double rounding differs, far below
     * float's.
     */
    @Override
    protected void doSumOfSquares(Tensor x, Tensor out) {
        ensureOpen();
        int n = x.size();
        FloatBuffer xb = storage(x).floats();
        int x0 = (int) x.offset();
        double[] sums = new double[(n + SQUARES_BLOCK - 1) / SQUARES_BLOCK];
        parallelFor(sums.length, SQUARES_BLOCK, (from, to) -> {
            float[] v = new float[Math.min(n, SQUARES_BLOCK)];
            for (int b = from; b < to; b++) {
                int i0 = b * SQUARES_BLOCK;
                int len = Math.min(SQUARES_BLOCK, n - i0);
                xb.get(x0 + i0, v, 0, len);
                double s = 0;
                for (int i = 0; i < len; i++) {
                    double d = v[i];
                    s += d * d;
                }
                sums[b] = s;
            }
        });
        double sum = 0;
        for (double s : sums) {
            sum += s;
        }
        storage(out).floats().put((int) out.offset(), (float) sum);
    }

    // ---------------------------------------------------------------- matrix product

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        ensureOpen();
        gemm(transA, transB, m, n, k, alpha, storage(a), a.offset(), transA ? m : k, storage(b), b.offset(),
                transB ? k : n, beta, storage(c), c.offset(), n);
    }

    /**
     * Row-major {@code c = alpha op(a) op(b) + beta c} on storage windows starting at the given offsets, with leading
     * dimensions {@code lda, ldb, ldc} (elements between rows as stored). Callers have checked every bound.
     *
     * <p>OpenBLAS runs single-threaded (see the constructor); a product large enough is split here over the
     * backend's own threads into blocks of columns of {@code c} (or of rows, when it has few columns), one OpenBLAS
     * call per block. Each element of {@code c} is still one dot product over the whole {@code k}, but OpenBLAS may
     * treat a block's edges with another micro-kernel (per CPU model), so a different thread count can change the
     * last bit; the same thread count on the same machine gives the same bits. No OpenBLAS worker thread spins
     * between products while the backend's threads run the loops around them.
     */
    private void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, CpuStorage a, long aOff,
            int lda, CpuStorage b, long bOff, int ldb, double beta, CpuStorage c, long cOff, int ldc) {
        long work = 2L * m * n * k + GEMM_FLOPS_PER_FLOAT * ((long) m * k + (long) k * n + (long) m * n);
        int parts = (int) Math.min(threads, work / MIN_PARALLEL_GEMM_FLOPS);
        boolean byColumns = n >= m || m < 2 * GEMM_SPLIT_MIN;
        int extent = byColumns ? n : m;
        parts = Math.min(parts, extent / GEMM_SPLIT_MIN);
        if (parts <= 1 || pool == null) {
            gemmCall(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int count = parts;
        parallelFor(count, Long.MAX_VALUE / (4L * count), (from, to) -> {
            for (int part = from; part < to; part++) {
                int lo = (int) ((long) extent * part / count);
                int hi = (int) ((long) extent * (part + 1) / count);
                if (byColumns) {
                    long bBlock = bOff + (transB ? (long) lo * ldb : lo);
                    gemmCall(transA, transB, m, hi - lo, k, alpha, a, aOff, lda, b, bBlock, ldb, beta, c, cOff + lo,
                            ldc);
                } else {
                    long aBlock = aOff + (transA ? lo : (long) lo * lda);
                    gemmCall(transA, transB, hi - lo, n, k, alpha, a, aBlock, lda, b, bOff, ldb, beta, c,
                            cOff + (long) lo * ldc, ldc);
                }
            }
        });
    }

    /** One OpenBLAS call. */
    private static void gemmCall(boolean transA, boolean transB, int m, int n, int k, double alpha, CpuStorage a,
            long aOff, int lda, CpuStorage b, long bOff, int ldb, double beta, CpuStorage c, long cOff, int ldc) {
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        openblas.cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float) alpha, (FloatPointer) a.pointerAt(aOff), lda,
                (FloatPointer) b.pointerAt(bOff), ldb, (float) beta, (FloatPointer) c.pointerAt(cOff), ldc);
    }

    // ---------------------------------------------------------------- bias + activation, batch norm
    // The reference's formulas and order (ReferenceBackend), over channels gathered into arrays (see F32Loops);
    // CpuF32FastPathTest holds each to the reference rounded to float.

    /** This thread's scratch, with room for at least {@code count} values. */
    private F32Loops.Scratch scratch(int count) {
        F32Loops.Scratch s = scratch.get();
        if (s.a.length < count) {
            s = new F32Loops.Scratch(count);
            scratch.set(s);
        }
        return s;
    }

    @Override
    protected void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        ensureOpen();
        FloatBuffer xb = storage(x).floats();
        FloatBuffer yb = storage(y).floats();
        int xo = (int) x.offset();
        int yo = (int) y.offset();
        Acc ba = bias == null ? null : Acc.of(bias);
        int channels = x.shape().rank() >= 2 ? x.dim(1) : 1;
        int spatial = x.size() / (x.dim(0) * channels);
        int code = nativeActivation(act);
        if (code >= 0) {
            FloatPointer xp = pointer(x);
            FloatPointer bp = pointer(bias);
            FloatPointer yp = pointer(y);
            parallelFor(x.size() / spatial, spatial, (from, to) -> CpuLoops.gan4j_cpu_bias_act_forward(xp, bp, yp,
                    channels, spatial, code, act.slope(), from, to));
            return;
        }
        // Planes of fewer than 256 values are handled in groups, so every bulk move is at least that long.
        int group = Math.max(1, 256 / spatial);
        int planes = x.size() / spatial;
        parallelFor((planes + group - 1) / group, (long) group * spatial, (from, to) -> {
            F32Loops.Scratch sc = scratch(group * spatial);
            for (int g = from; g < to; g++) {
                int p0 = g * group;
                int p1 = Math.min(planes, p0 + group);
                int len = (p1 - p0) * spatial;
                xb.get(xo + p0 * spatial, sc.a, 0, len);
                for (int plane = p0; plane < p1; plane++) {
                    double b = ba == null ? 0 : ba.get(plane % channels);
                    int base = (plane - p0) * spatial;
                    for (int i = base; i < base + spatial; i++) {
                        sc.d[i] = sc.a[i] + b;
                    }
                }
                F32Loops.activate(act, sc.d, sc.b, len);
                yb.put(yo + p0 * spatial, sc.b, 0, len);
            }
        });
    }

    @Override
    protected void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        ensureOpen();
        FloatBuffer yb = storage(y).floats();
        FloatBuffer dyb = storage(dy).floats();
        FloatBuffer dxb = storage(dx).floats();
        int yo = (int) y.offset();
        int dyo = (int) dy.offset();
        int dxo = (int) dx.offset();
        Acc dba = dbias == null ? null : Acc.of(dbias);
        int n = y.dim(0);
        int channels = y.shape().rank() >= 2 ? y.dim(1) : 1;
        int spatial = y.size() / (n * channels);
        int count = n * spatial;
        double[] sums = new double[channels];
        int code = nativeActivation(act);
        if (code >= 0) {
            FloatPointer yp = pointer(y);
            FloatPointer dyp = pointer(dy);
            FloatPointer dxp = pointer(dx);
            try (DoublePointer out = new DoublePointer(channels)) {
                parallelFor(channels, count, (from, to) -> CpuLoops.gan4j_cpu_bias_act_backward(yp, dyp, dxp, n,
                        channels, spatial, code, act.slope(), out, from, to));
                out.get(sums);
            }
        } else {
            parallelFor(channels, count, (from, to) -> {
                F32Loops.Scratch sc = scratch(count);
                for (int c = from; c < to; c++) {
                    F32Loops.gather(yb, yo, n, channels, spatial, c, sc.a);
                    F32Loops.gather(dyb, dyo, n, channels, spatial, c, sc.b);
                    F32Loops.activationGrad(act, sc.a, sc.b, sc.d, count);
                    double sum = 0;
                    for (int i = 0; i < count; i++) {
                        sum += sc.d[i];
                        sc.c[i] = (float) sc.d[i];
                    }
                    F32Loops.scatter(sc.c, dxb, dxo, n, channels, spatial, c);
                    sums[c] = sum;
                }
            });
        }
        if (dba != null) {
            for (int c = 0; c < channels; c++) {
                dba.add(c, sums[c]);
            }
        }
    }

    @Override
    protected void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        ensureOpen();
        FloatBuffer xb = storage(x).floats();
        FloatBuffer yb = storage(y).floats();
        int xo = (int) x.offset();
        int yo = (int) y.offset();
        Acc ga = Acc.of(gamma);
        Acc ba = beta == null ? null : Acc.of(beta);
        Acc rm = runningMean == null ? null : Acc.of(runningMean);
        Acc rv = runningVar == null ? null : Acc.of(runningVar);
        Acc sm = Acc.of(saveMean);
        Acc si = Acc.of(saveInvStd);
        int n = x.dim(0);
        int channels = x.dim(1);
        int spatial = x.size() / (n * channels);
        int count = n * spatial;
        // Per channel: mean, biased variance, 1 / sqrt(var + eps).
        double[] stats = new double[3 * channels];
        int code = nativeActivation(act);
        if (code >= 0) {
            FloatPointer xp = pointer(x);
            FloatPointer yp = pointer(y);
            FloatPointer gp = pointer(gamma);
            FloatPointer bp = pointer(beta);
            try (DoublePointer out = new DoublePointer(stats.length)) {
                parallelFor(channels, 3L * count, (from, to) -> CpuLoops.gan4j_cpu_bn_forward(xp, yp, n, channels,
                        spatial, gp, bp, eps, code, act.slope(), out, from, to));
                out.get(stats);
            }
        } else {
            parallelFor(channels, 3L * count, (from, to) -> {
                F32Loops.Scratch sc = scratch(count);
                float[] v = sc.a;
                double[] t = sc.d;
                for (int c = from; c < to; c++) {
                    F32Loops.gather(xb, xo, n, channels, spatial, c, v);
                    double sum = 0;
                    for (int i = 0; i < count; i++) {
                        sum += v[i];
                    }
                    double mean = sum / count;
                    double sq = 0;
                    for (int i = 0; i < count; i++) {
                        double d = v[i] - mean;
                        sq += d * d;
                    }
                    double var = sq / count;
                    double invStd = 1 / Math.sqrt(var + eps);
                    double g = ga.get(c);
                    double b = ba == null ? 0 : ba.get(c);
                    for (int i = 0; i < count; i++) {
                        t[i] = g * (v[i] - mean) * invStd + b;
                    }
                    F32Loops.activate(act, t, sc.b, count);
                    F32Loops.scatter(sc.b, yb, yo, n, channels, spatial, c);
                    stats[3 * c] = mean;
                    stats[3 * c + 1] = var;
                    stats[3 * c + 2] = invStd;
                }
            });
        }
        for (int c = 0; c < channels; c++) {
            double mean = stats[3 * c];
            double var = stats[3 * c + 1];
            sm.set(c, mean);
            si.set(c, stats[3 * c + 2]);
            if (rm != null) {
                rm.set(c, (1 - (double) momentum) * rm.get(c) + momentum * mean);
            }
            if (rv != null) {
                rv.set(c, (1 - (double) momentum) * rv.get(c) + momentum * var * count / (count - 1));
            }
        }
    }

    @Override
    protected void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        FloatBuffer xb = storage(x).floats();
        FloatBuffer yb = storage(y).floats();
        FloatBuffer dyb = storage(dy).floats();
        FloatBuffer dxb = storage(dx).floats();
        int xo = (int) x.offset();
        int yo = (int) y.offset();
        int dyo = (int) dy.offset();
        int dxo = (int) dx.offset();
        Acc ga = Acc.of(gamma);
        Acc sm = Acc.of(saveMean);
        Acc si = Acc.of(saveInvStd);
        Acc dga = dgamma == null ? null : Acc.of(dgamma);
        Acc dba = dbeta == null ? null : Acc.of(dbeta);
        int n = x.dim(0);
        int channels = x.dim(1);
        int spatial = x.size() / (n * channels);
        long count = (long) n * spatial;
        int cnt = (int) count;
        // Per channel: sum of dz, sum of dz * xhat.
        double[] sums = new double[2 * channels];
        int code = nativeActivation(act);
        if (code >= 0) {
            FloatPointer xp = pointer(x);
            FloatPointer yp = pointer(y);
            FloatPointer dyp = pointer(dy);
            FloatPointer dxp = pointer(dx);
            FloatPointer gp = pointer(gamma);
            FloatPointer mp = pointer(saveMean);
            FloatPointer ip = pointer(saveInvStd);
            try (DoublePointer out = new DoublePointer(sums.length)) {
                parallelFor(channels, 2 * count, (from, to) -> CpuLoops.gan4j_cpu_bn_backward(xp, yp, dyp, dxp, n,
                        channels, spatial, gp, mp, ip, code, act.slope(), out, from, to));
                out.get(sums);
            }
        } else {
            parallelFor(channels, 2 * count, (from, to) -> {
                F32Loops.Scratch sc = scratch(cnt);
                float[] xv = sc.a;
                double[] dz = sc.d;
                for (int c = from; c < to; c++) {
                    double mean = sm.get(c);
                    double invStd = si.get(c);
                    F32Loops.gather(xb, xo, n, channels, spatial, c, xv);
                    F32Loops.gather(yb, yo, n, channels, spatial, c, sc.b);
                    F32Loops.gather(dyb, dyo, n, channels, spatial, c, sc.c);
                    F32Loops.activationGrad(act, sc.b, sc.c, dz, cnt);
                    double sumDz = 0;
                    double sumDzXhat = 0;
                    for (int i = 0; i < cnt; i++) {
                        sumDz += dz[i];
                        sumDzXhat += dz[i] * (xv[i] - mean) * invStd;
                    }
                    double k = ga.get(c) * invStd / count;
                    for (int i = 0; i < cnt; i++) {
                        double xhat = (xv[i] - mean) * invStd;
                        sc.b[i] = (float) (k * (count * dz[i] - sumDz - xhat * sumDzXhat));
                    }
                    F32Loops.scatter(sc.b, dxb, dxo, n, channels, spatial, c);
                    sums[2 * c] = sumDz;
                    sums[2 * c + 1] = sumDzXhat;
                }
            });
        }
        for (int c = 0; c < channels; c++) {
            if (dga != null) {
                dga.add(c, sums[2 * c + 1]);
            }
            if (dba != null) {
                dba.add(c, sums[2 * c]);
            }
        }
    }

    @Override
    protected void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        Acc ga = Acc.of(gamma);
        Acc ba = beta == null ? null : Acc.of(beta);
        Acc rm = Acc.of(runningMean);
        Acc rv = Acc.of(runningVar);
        int channels = x.dim(1);
        int spatial = x.size() / (x.dim(0) * channels);
        parallelFor(x.size() / spatial, spatial, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int c = plane % channels;
                double mean = rm.get(c);
                double invStd = 1 / Math.sqrt(rv.get(c) + eps);
                double g = ga.get(c);
                double b = ba == null ? 0 : ba.get(c);
                int base = plane * spatial;
                for (int i = base; i < base + spatial; i++) {
                    ya.set(i, act.apply(g * (xa.get(i) - mean) * invStd + b));
                }
            }
        });
    }

    @Override
    protected void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        Acc dya = Acc.of(dy);
        Acc dxa = Acc.of(dx);
        Acc ga = Acc.of(gamma);
        Acc rm = Acc.of(runningMean);
        Acc rv = Acc.of(runningVar);
        Acc dga = dgamma == null ? null : Acc.of(dgamma);
        Acc dba = dbeta == null ? null : Acc.of(dbeta);
        int n = x.dim(0);
        int channels = x.dim(1);
        int spatial = x.size() / (n * channels);
        parallelFor(channels, (long) n * spatial, (from, to) -> {
            for (int c = from; c < to; c++) {
                double mean = rm.get(c);
                double invStd = 1 / Math.sqrt(rv.get(c) + eps);
                double k = ga.get(c) * invStd;
                double sumDz = 0;
                double sumDzXhat = 0;
                for (int s = 0; s < n; s++) {
                    int base = (s * channels + c) * spatial;
                    for (int i = base; i < base + spatial; i++) {
                        double dz = dya.get(i) * act.derivativeFromOutput(ya.get(i));
                        sumDz += dz;
                        sumDzXhat += dz * (xa.get(i) - mean) * invStd;
                        dxa.set(i, k * dz);
                    }
                }
                if (dga != null) {
                    dga.add(c, sumDzXhat);
                }
                if (dba != null) {
                    dba.add(c, sumDz);
                }
            }
        });
    }

    // ---------------------------------------------------------------- convolution

    private static Im2col lowering(Tensor x, Tensor w, ConvParams p, Tensor y) {
        return new Im2col(x.dim(1), x.dim(2), x.dim(3), w.dim(2), w.dim(3), p.strideH(), p.strideW(), p.padH(),
                p.padW(), y.dim(2), y.dim(3));
    }

    /** Samples per chunk: as many as fit the workspace target with {@code perSample} elements each, at least 1. */
    private int chunkSamples(int n, long perSample) {
        return (int) Math.max(1, Math.min(n, convWorkspaceTarget / perSample));
    }

    /** The backend's workspace, grown to at least {@code elements}; its contents are scratch. */
    private CpuStorage workspace(long elements) {
        if (workspace == null || workspace.capacity() < elements) {
            if (workspace != null) {
                workspace.close();
                workspace = null;
            }
            workspace = new CpuStorage(DType.F32, elements);
        }
        return workspace;
    }

    /**
     * Moves a chunk of {@code nb} samples between the sample-major layout {@code (nb, C, P)} of a tensor and the
     * channel-major layout {@code (C, nb*P)} the GEMMs use, in the direction {@code toChannelMajor}: {@code nb*C}
     * contiguous runs of {@code P} elements, each one bulk copy.
     */
    private void transposeChunk(CpuStorage sampleMajor, long smOff, CpuStorage channelMajor, long cmOff, int nb,
            int channels, int p, boolean toChannelMajor) {
        parallelFor(nb * channels, p, (from, to) -> {
            for (int sc = from; sc < to; sc++) {
                int s = sc / channels;
                int c = sc % channels;
                int a = (int) smOff + sc * p;
                int b = (int) cmOff + c * nb * p + s * p;
                if (toChannelMajor) {
                    copyRun(sampleMajor, a, channelMajor, b, p);
                } else {
                    copyRun(channelMajor, b, sampleMajor, a, p);
                }
            }
        });
    }

    /** {@code dst[dstOff .. dstOff+len) = src[srcOff .. srcOff+len)}, one bulk copy. */
    private static void copyRun(CpuStorage src, int srcOff, CpuStorage dst, int dstOff, int len) {
        dst.floats().put(dstOff, src.floats(), srcOff, len);
    }

    /** Work on one (sample, channel) plane of a chunk, with the worker's own scratch arrays. */
    @FunctionalInterface
    private interface PlaneWork {
        void run(int sample, int channel, float[] plane, float[] padded, float[] rows);
    }

    /** Runs {@code work} over the {@code cnt * Cin} (sample, channel) planes of a chunk in parallel. */
    private void forEachPlane(Im2col low, int cnt, PlaneWork work) {
        parallelFor(cnt * low.cin, (long) low.p() * low.kh * low.kw, (from, to) -> {
            float[] plane = new float[low.planeScratch()];
            float[] padded = new float[low.paddedScratch()];
            float[] rows = new float[low.rowsScratch()];
            for (int sc = from; sc < to; sc++) {
                work.run(sc / low.cin, sc % low.cin, plane, padded, rows);
            }
        });
    }

    /**
     * Lowers {@code cnt} samples of {@code x} (from element {@code xOff}) into the column matrix at element 0 of
     * {@code col} (leading dimension {@code ldc}), whole planes and rows in bulk.
     */
    private void im2colChunk(Im2col low, CpuStorage x, long xOff, int cnt, CpuStorage col, int ldc) {
        FloatBuffer xb = x.floats();
        FloatBuffer cb = col.floats();
        forEachPlane(low, cnt, (s, c, plane, padded, rows) ->
                low.im2colF32(xb, (int) xOff, s, c, cb, ldc, plane, padded, rows));
    }

    /** The adjoint of {@link #im2colChunk}: overwrites {@code cnt} samples of {@code dx} from element {@code dxOff}. */
    private void col2imChunk(Im2col low, CpuStorage col, int ldc, int cnt, CpuStorage dx, long dxOff) {
        FloatBuffer cb = col.floats();
        FloatBuffer db = dx.floats();
        forEachPlane(low, cnt, (s, c, plane, padded, rows) ->
                low.col2imF32(cb, ldc, s, c, db, (int) dxOff, plane, padded, rows));
    }

    /** One chunk of a lowered convolution: samples {@code [n0, n0 + cnt)}, {@code cols = cnt * P} columns. */
    @FunctionalInterface
    private interface ConvChunk {
        void run(CpuStorage ws, int n0, int cnt, int cols);
    }

    /**
     * Runs {@code body} over the batch in chunks of samples that fit the workspace, which holds per sample the
     * {@code [K, P]} column matrix and a {@code [Cout, P]} transposed output/gradient (K = Cin*kh*kw, P = Ho*Wo).
     */
    private void convChunks(Im2col low, int n, int cout, ConvChunk body) {
        long perSample = (long) (low.k() + cout) * low.p();
        int nb = chunkSamples(n, perSample);
        CpuStorage ws = workspace(perSample * nb);
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            body.run(ws, n0, cnt, cnt * low.p());
        }
    }

    /** Where a chunk's {@code dy} lies as a channel-major {@code [Cout, cols]} matrix. */
    private record ColumnsAt(CpuStorage store, long offset) {
    }

    /**
     * The chunk's {@code dy} as a {@code [Cout, cnt*P]} matrix: in place for one sample, else transposed from
     * sample-major into the workspace after its {@code [K, cols]} column block.
     */
    private ColumnsAt dyColumns(Tensor dy, Im2col low, int cout, CpuStorage ws, int n0, int cnt, int cols) {
        long dyOff = dy.offset() + (long) n0 * dy.shape().sampleSize();
        if (cnt == 1) {
            return new ColumnsAt(storage(dy), dyOff);
        }
        long dyT = (long) low.k() * cols;
        transposeChunk(storage(dy), dyOff, ws, dyT, cnt, cout, low.p(), true);
        return new ColumnsAt(ws, dyT);
    }

    @Override
    protected void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        ensureOpen();
        if (nativeConv != null && nativeConv.forward(NativeConv.Geometry.of(x, w, p, y), x.dim(0), storage(x),
                x.offset(), storage(w), w.offset(), storage(y), y.offset(), convWorkspaceTarget)) {
            return;
        }
        Im2col low = lowering(x, w, p, y);
        int cout = w.dim(0);
        int k = low.k();
        convChunks(low, x.dim(0), cout, (ws, n0, cnt, cols) -> {
            im2colChunk(low, storage(x), x.offset() + (long) n0 * x.shape().sampleSize(), cnt, ws, cols);
            long yOff = y.offset() + (long) n0 * y.shape().sampleSize();
            if (cnt == 1) {
                gemm(false, false, cout, cols, k, 1, storage(w), w.offset(), k, ws, 0, cols, 0, storage(y), yOff,
                        cols);
            } else {
                long tmp = (long) k * cols;
                gemm(false, false, cout, cols, k, 1, storage(w), w.offset(), k, ws, 0, cols, 0, ws, tmp, cols);
                transposeChunk(storage(y), yOff, ws, tmp, cnt, cout, low.p(), false);
            }
        });
    }

    @Override
    protected void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        ensureOpen();
        if (nativeConv != null && nativeConv.backwardData(NativeConv.Geometry.of(dx, w, p, dy), dx.dim(0),
                storage(dy), dy.offset(), storage(w), w.offset(), storage(dx), dx.offset(), convWorkspaceTarget)) {
            return;
        }
        Im2col low = lowering(dx, w, p, dy);
        int cout = w.dim(0);
        int k = low.k();
        convChunks(low, dx.dim(0), cout, (ws, n0, cnt, cols) -> {
            ColumnsAt g = dyColumns(dy, low, cout, ws, n0, cnt, cols);
            gemm(true, false, k, cols, cout, 1, storage(w), w.offset(), k, g.store(), g.offset(), cols, 0, ws, 0,
                    cols);
            col2imChunk(low, ws, cols, cnt, storage(dx), dx.offset() + (long) n0 * dx.shape().sampleSize());
        });
    }

    @Override
    protected void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        ensureOpen();
        if (nativeConv != null && nativeConv.backwardFilter(NativeConv.Geometry.of(x, dw, p, dy), x.dim(0),
                storage(x), x.offset(), storage(dy), dy.offset(), storage(dw), dw.offset(), convWorkspaceTarget)) {
            return;
        }
        Im2col low = lowering(x, dw, p, dy);
        int cout = dw.dim(0);
        int k = low.k();
        convChunks(low, x.dim(0), cout, (ws, n0, cnt, cols) -> {
            im2colChunk(low, storage(x), x.offset() + (long) n0 * x.shape().sampleSize(), cnt, ws, cols);
            ColumnsAt g = dyColumns(dy, low, cout, ws, n0, cnt, cols);
            gemm(false, true, cout, k, cols, 1, g.store(), g.offset(), cols, ws, 0, cols, 1, storage(dw),
                    dw.offset(), k);
        });
    }

    // ---------------------------------------------------------------- losses

    @Override
    protected void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        float[] x = values(logits);
        float[] t = values(targets);
        float[] d = new float[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            sum += Math.max(xi, 0) - xi * t[i] + Math.log1p(Math.exp(-Math.abs(xi)));
            d[i] = (float) (scale * (Activation.SIGMOID.apply(xi) - t[i]) / x.length);
        }
        storage(dlogits).floats().put((int) dlogits.offset(), d);
        storage(loss).floats().put((int) loss.offset(), (float) (scale * sum / x.length));
    }

    @Override
    protected void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        ensureOpen();
        float[] x = values(pred);
        float[] t = values(targets);
        float[] g = new float[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - t[i];
            sum += d * d;
            g[i] = (float) (scale * 2 * d / x.length);
        }
        storage(dpred).floats().put((int) dpred.offset(), g);
        storage(loss).floats().put((int) loss.offset(), (float) (scale * sum / x.length));
    }

    @Override
    protected void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        StabiliserOps.hingeLoss(logits, targets, scale, loss, dlogits);
    }

    // ---------------------------------------------------------------- spectral normalisation

    @Override
    protected void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        ensureOpen();
        StabiliserOps.spectralNormForward(w, u, v, update, sigma, wsn);
    }

    @Override
    protected void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        ensureOpen();
        StabiliserOps.spectralNormBackward(dwsn, wsn, u, v, sigma, dw);
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    protected void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        ensureOpen();
        Acc sa = Acc.of(step);
        double t = sa.get(0) + 1;
        sa.set(0, t);
        double b1 = beta1;
        double b2 = beta2;
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        if (nativeLoops) {
            final int block = 1024;
            FloatPointer gp = pointer(grad);
            FloatPointer pp = pointer(param);
            FloatPointer mp = pointer(m);
            FloatPointer vp = pointer(v);
            int n = grad.size();
            parallelFor((n + block - 1) / block, 8L * block, (from, to) -> CpuLoops.gan4j_cpu_adam(gp, pp, mp, vp,
                    lr, b1, b2, bc1, bc2, eps, weightDecay, (long) from * block, Math.min(n, (long) to * block)));
            return;
        }
        adamStepF32(grad, lr, b1, b2, bc1, bc2, eps, weightDecay, param, m, v);
    }

    /**
     * The update of {@link #doAdamStep}: the reference's expression, in double, over blocks moved in bulk between
     * the buffers and arrays (plain array loops the JIT can vectorise).
     */
    private void adamStepF32(Tensor grad, float lr, double b1, double b2, double bc1, double bc2, float eps,
            float weightDecay, Tensor param, Tensor m, Tensor v) {
        final int block = 1024;
        FloatBuffer gb = storage(grad).floats();
        FloatBuffer pb = storage(param).floats();
        FloatBuffer mb = storage(m).floats();
        FloatBuffer vb = storage(v).floats();
        int go = (int) grad.offset();
        int po = (int) param.offset();
        int mo = (int) m.offset();
        int vo = (int) v.offset();
        int n = grad.size();
        parallelFor((n + block - 1) / block, 8L * block, (from, to) -> {
            F32Loops.Scratch sc = scratch(block);
            float[] pv = new float[block];
            for (int k = from; k < to; k++) {
                int i0 = k * block;
                int len = Math.min(block, n - i0);
                gb.get(go + i0, sc.a, 0, len);
                pb.get(po + i0, pv, 0, len);
                mb.get(mo + i0, sc.b, 0, len);
                vb.get(vo + i0, sc.c, 0, len);
                for (int i = 0; i < len; i++) {
                    double p = pv[i];
                    double g = sc.a[i] + weightDecay * p;
                    double mi = b1 * sc.b[i] + (1 - b1) * g;
                    double vi = b2 * sc.c[i] + (1 - b2) * g * g;
                    sc.b[i] = (float) mi;
                    sc.c[i] = (float) vi;
                    pv[i] = (float) (p - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
                }
                pb.put(po + i0, pv, 0, len);
                mb.put(mo + i0, sc.b, 0, len);
                vb.put(vo + i0, sc.c, 0, len);
            }
        });
    }

    @Override
    protected void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        ensureOpen();
        Acc ga = Acc.of(grad);
        Acc pa = Acc.of(param);
        Acc ba = momentum == 0f ? null : Acc.of(momentumBuffer);
        parallelFor(grad.size(), 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                double p = pa.get(i);
                double g = ga.get(i) + weightDecay * p;
                if (ba != null) {
                    g = momentum * ba.get(i) + g;
                    ba.set(i, g);
                }
                pa.set(i, p - lr * g);
            }
        });
    }

    // ---------------------------------------------------------------- random

    /** Body of a random op: fills elements {@code from..to-1}, all drawn from the four {@code words} of one block. */
    private interface BlockBody {
        void run(int[] words, int from, int to);
    }

    /**
     * Runs {@code body} for every Philox block an op over {@code n} elements uses with {@code perBlock} elements per
     * block (blocks {@code counter .. counter+ceil(n/perBlock)-1}), then advances the counter past them.
     */
    private void forEachBlock(RandomState rng, int n, int perBlock, BlockBody body) {
        if (!(rng instanceof CpuRandomState state)) {
            throw new IllegalArgumentException("random state " + rng.getClass().getName()
                    + " was not made by a CPU backend; use this backend's newRandom(seed)");
        }
        long seed = state.seed();
        long counter = state.counter();
        int blocks = (int) Philox.blocks(n, perBlock);
        parallelFor(blocks, 16L * perBlock, (from, to) -> {
            int[] words = new int[4];
            for (int b = from; b < to; b++) {
                Philox.block(seed, counter + b, words);
                body.run(words, b * perBlock, Math.min(n, (b + 1) * perBlock));
            }
        });
        state.setCounter(counter + blocks);
    }

    @Override
    protected void doRandomNormal(RandomState rng, float mean, float std, Tensor dst) {
        ensureOpen();
        Acc d = Acc.of(dst);
        forEachBlock(rng, dst.size(), 4, (words, from, to) -> {
            for (int i = from; i < to; i++) {
                int pair = (i - from) & ~1;
                double r = Math.sqrt(-2 * Math.log(Philox.uniformOpenZero(words[pair])));
                double theta = 2 * Math.PI * Philox.uniform(words[pair + 1]);
                double z = ((i - from) & 1) == 0 ? r * Math.cos(theta) : r * Math.sin(theta);
                d.set(i, mean + std * z);
            }
        });
    }

    @Override
    protected void doRandomUniform(RandomState rng, float low, float high, Tensor dst) {
        ensureOpen();
        Acc d = Acc.of(dst);
        double range = (double) high - low;
        forEachBlock(rng, dst.size(), 4, (words, from, to) -> {
            for (int i = from; i < to; i++) {
                d.set(i, low + range * Philox.uniform(words[i - from]));
            }
        });
    }

    @Override
    protected void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        ensureOpen();
        Acc d = Acc.of(dst);
        forEachBlock(rng, dst.size(), Philox.UNIFORMS_PER_ELEMENT_2, (words, from, to) -> {
            for (int i = from; i < to; i++) {
                int j = 2 * (i - from);
                double u1 = Philox.uniform(words[j]);
                double u2 = Philox.uniform(words[j + 1]);
                d.set(i, (u1 < flipProbability ? flippedValue : value) + noise * (2 * u2 - 1));
            }
        });
    }

    @Override
    protected void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ma = Acc.of(mask);
        Acc ya = Acc.of(y);
        double keep = 1 / (1 - (double) p);
        forEachBlock(rng, x.size(), 4, (words, from, to) -> {
            for (int i = from; i < to; i++) {
                double mi = Philox.uniform(words[i - from]) >= p ? keep : 0;
                ma.set(i, mi);
                ya.set(i, xa.get(i) * mi);
            }
        });
    }

    // ---------------------------------------------------------------- helpers

    private static CpuStorage storage(Tensor t) {
        return (CpuStorage) t.storage();
    }

    /** A native pointer to {@code t}'s first element, or null for a null tensor. */
    private static FloatPointer pointer(Tensor t) {
        return t == null ? null : (FloatPointer) storage(t).pointerAt(t.offset());
    }

    /**
     * The activation's code for the native loops (0 identity, 1 ReLU, 2 LeakyReLU), or -1 where the Java loops run
     * it: native loops off here, or Tanh and Sigmoid (their Java {@code Math} functions are what the reference uses,
     * and the C library's may round differently).
     */
    private int nativeActivation(Activation act) {
        if (!nativeLoops) {
            return -1;
        }
        return switch (act.kind()) {
            case IDENTITY -> 0;
            case RELU -> 1;
            case LEAKY_RELU -> 2;
            default -> -1;
        };
    }

    /** A copy of {@code t}'s values, moved in bulk (for the single-pass reductions). */
    private static float[] values(Tensor t) {
        float[] v = new float[t.size()];
        storage(t).floats().get((int) t.offset(), v);
        return v;
    }

    /** Body of a parallel loop over the index range {@code [from, to)}. */
    interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, n)} on the pool ({@link WorkPool}) when the total work ({@code n *
     * workPerItem} element-operations) is worth it: cut into at most {@link #CHUNKS_PER_THREAD} chunks per thread of
     * at least {@link #MIN_PARALLEL_WORK} each, claimed by whichever thread is free. Each item is handled by exactly
     * one chunk, so bodies whose items write disjoint outputs give the same result for any split.
     */
    private void parallelFor(int n, long workPerItem, RangeBody body) {
        long work = n * Math.max(1, workPerItem);
        int chunks = (int) Math.min(Math.min((long) threads * CHUNKS_PER_THREAD, n), work / MIN_PARALLEL_WORK);
        if (chunks <= 1 || pool == null) {
            body.run(0, n);
            return;
        }
        pool.run(n, chunks, body);
    }
}
