package org.gan4j.backend.cpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Tensor;

/**
 * The three convolution passes through the native implicit-GEMM kernels ({@link CpuKernels}; the formula and the
 * packed layout are in {@code src/main/cpp/cpu/gan4j_cpu.h}), for {@link CpuBackend}: no column matrix, the input
 * zero-padded once per chunk of samples, the weights (or, for the filter gradient, {@code dy}) packed in panels of 16
 * channels. The columns of each product are a whole chunk's pixels (or, for the filter gradient, the reduction runs
 * over the chunk's samples and pixels), so small images (G64's 1x1 -> 4x4 layer) still fill the tiles.
 * <ul>
 *   <li>forward: {@code y[n, co, p] = sum_k A[k][co] x_pad[n][ioff[p] + koff[k]]}, A = w transposed,
 *       {@code k = (ci, kh, kw)}, {@code koff[k] = ci*Hp*Wp + kh*Wp + kw}, {@code ioff[p] = oh*sH*Wp + ow*sW};</li>
 *   <li>filter gradient: {@code dw[co, k] += sum_{n, p} dy[n, co, p] x_pad[n][koff[k] + ioff[p]]}: the same tables
 *       with the roles of columns and reduction swapped, the sum running over the batch inside each tile;</li>
 *   <li>data gradient: split by the phase {@code ((ih + pH) mod sH, (iw + pW) mod sW)} of the input pixel, each phase
 *       a stride-1 correlation of the zero-padded {@code dy} with the taps {@code kh = rh + sH*th} of that phase, so
 *       every {@code dx} element is written once, with no scatter (col2im) and no atomics.</li>
 * </ul>
 * Work is split over the backend's pool by output tiles (16 channels x 6 pixels or taps), or for the data gradient of
 * a large enough batch by samples (see {@link #backwardData}); each output element is one tile's sum in a fixed
 * order, so the results do not depend on the thread count. A pass is taken only where it pays: the kernels
 * vectorise over the pass's output channels ({@code Cout} forward and for the filter gradient, {@code Cin} for the
 * data gradient), and below {@link #MIN_ROWS} of them most of each 16-wide panel would be zeros, so im2col +
 * OpenBLAS does those.
 *
 * <p>Convolutions with at most {@link #SMALL_CHANNELS} input channels (D's first layer, and G's last transposed
 * layer, whose forward pass is this class's data gradient) take their data and filter gradients, and their forward
 * pass where it has fewer than {@link #SMALL_FORWARD_TAPS} taps or {@link #MIN_ROWS} output channels, through the
 * kernels of {@code smallconv.cpp} instead, which vectorise over pixels, or for the 4x4 stride-2 filter gradient over
 * taps, not over the image side's 1-3 channels (the formulas are in {@code gan4j_cpu.h}):
 * the forward pass over a block of output rows lowered into a buffer on the native stack (4 channels x 24 pixels of
 * accumulators); the filter gradient of a 4x4 stride-2 convolution (every DCGAN layer) from the taps gathered
 * pixel-major from the unpadded {@code x}, the taps as the vector lanes ({@link #smallFilterS2}), that of other
 * geometries over the lowered block (4 channels x 3 taps with the pixels as the reduction), either sum cut into at
 * most {@link #SMALL_SEGMENTS} segments fixed by the geometry and added in order; the data gradient of a 4x4 stride-2
 * padding-1 convolution as the products of every tap with the unpadded {@code dy}, then each {@code dx} pixel's sum
 * of its 4 taps' products ({@link #smallDataS2}), that of other geometries over the flat grid of every stride phase
 * at once, up to 4 phases sharing each {@code dy} load. Each is split over the pool by blocks of rows, segments or
 * samples, with the same independence from the thread count.
 *
 * <p>Everything is checked here before crossing into native code: tensor shapes by {@link org.gan4j.backend.Backend},
 * and that every offset the kernels form fits an {@code int} (else the pass falls back).
 */
final class NativeConv implements AutoCloseable {
    /** System property that switches the native kernels off ({@code -Dgan4j.cpu.native=false}). */
    static final String PROPERTY = "gan4j.cpu.native";
    /** Channels per packed panel and pixels (or taps) per tile: {@code GAN4J_CPU_PANEL}, {@code GAN4J_CPU_TILE}. */
    static final int PANEL = 16;
    static final int TILE = 6;
    /** Fewest output channels of a pass taken natively (a choice: below it most of each 16-row panel is zeros). */
    static final int MIN_ROWS = 8;
    /** Pixels (samples x P) per chunk of the filter gradient: a panel's packed {@code dy} is 128 KiB, kept in L2. */
    private static final long FILTER_CHUNK_COLUMNS = 2048;
    /**
     * Floats of {@code dx} per chunk of the data gradient (512 KiB: a Zen 3 core's L2): its stride phases each write
     * every {@code sH*sW}-th element, so the later phases find the chunk's {@code dx} lines still in cache instead of
     * fetching them again. Measured (D28 conv2, batch 64, kernel alone, one thread): 11.5 ms with the whole batch as
     * one chunk, 10.5 ms with chunks of 4-16 samples.
     */
    private static final long DATA_CHUNK_OUTPUT = 1 << 17;
    /** Floats of input a block of columns reads at most (256 KiB: half of a Zen 3 core's L2). */
    private static final long BLOCK_INPUT = 1 << 16;
    /**
     * Most channels on the image side ({@code Cin}) for which every pass runs through the pixel-vectorised kernels
     * of {@code smallconv.cpp} (D's first convolution, G's last transposed one), whatever {@code Cout}.
     */
    static final int SMALL_CHANNELS = 3;
    /**
     * Taps ({@code Cin*kH*kW}) from which a forward pass with {@link #MIN_ROWS} or more output channels goes to the
     * 16-channel kernel rather than the pixel-vectorised one. Measured (batch 64, one thread, JMH, CPU time, load
     * 10-12): D28's first layer (16 taps) 0.64-0.77 ms pixel-vectorised vs 1.04-1.11 ms; D64's (48 taps) 9.8-11.9 ms
     * vs 7.8-9.5 ms.
     */
    private static final int SMALL_FORWARD_TAPS = 32;
    /** Output pixels per item of the small forward pass and filter gradient at most: a lowered block stays in L2. */
    private static final int SMALL_BLOCK_PIXELS = 256;
    /** Floats of the small kernels' lowered block on the native stack ({@code GAN4J_CPU_SMALL_LOWERED}). */
    private static final int SMALL_LOWERED = 16384;
    /**
     * Segments the small filter gradient cuts a chunk's reduction into at most, each summed on its own and then all in
     * order: fixed by the geometry, so the bits do not depend on the threads, and enough to split over them.
     */
    private static final int SMALL_SEGMENTS = 16;
    /** Most {@code Cout} of {@code gan4j_cpu_small_data_s2}'s packed dy tile ({@code GAN4J_CPU_SMALL_TILE / 24}). */
    private static final int SMALL_DATA_S2_COUT = 256;
    /** Floats after each sample's padded {@code dy} for the small data gradient ({@code GAN4J_CPU_SMALL_SLACK}). */
    private static final int SMALL_DATA_SLACK = 96;
    /** Samples per thread from which the data gradient is split by samples (a choice: at most 1/4 imbalance). */
    private static final int MIN_SAMPLES_PER_PART = 4;
    /** Plans kept per backend before the cache is emptied (a model has a handful of shapes). */
    private static final int MAX_PLANS = 64;

    /** Whether the native kernels run here, and what was found or why not. */
    record Status(boolean usable, String reason) {
    }

    /** The parallel loop of the backend ({@code CpuBackend.parallelFor}). */
    @FunctionalInterface
    interface Loop {
        void run(int n, long workPerItem, CpuBackend.RangeBody body);
    }

    /** The answer of the first probe in this JVM, constant afterwards. */
    static Status status() {
        return Probe.STATUS;
    }

    private static final class Probe {
        static final Status STATUS = probe(System.getProperty(PROPERTY, "true"));
    }

    /** Probes now, with {@code switchValue} the value of {@link #PROPERTY} ("false" switches the kernels off). */
    static Status probe(String switchValue) {
        if ("false".equalsIgnoreCase(switchValue)) {
            return new Status(false, "switched off by -D" + PROPERTY + "=false");
        }
        try {
            if (CpuKernels.gan4j_cpu_supported() != 1) {
                return new Status(false, "this CPU lacks AVX2/FMA");
            }
            return new Status(true, "native AVX2+FMA convolution kernels");
        } catch (Throwable t) {
            return new Status(false, "native convolution kernels not in this build for " + Loader.getPlatform()
                    + " (" + t.getClass().getSimpleName() + "; built by Maven on x86-64 with g++)");
        }
    }

    /** One convolution: {@code x (N, cin, h, w)}, {@code w (cout, cin, kh, kw)}, {@code y (N, cout, ho, wo)}. */
    record Geometry(int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo) {
        static Geometry of(Tensor x, Tensor w, ConvParams p, Tensor y) {
            return new Geometry(x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), p.strideH(),
                    p.strideW(), p.padH(), p.padW(), y.dim(2), y.dim(3));
        }

        int k() {
            return cin * kh * kw;
        }

        int p() {
            return ho * wo;
        }

        /** Whether this is DCGAN's resampling convolution: a 4x4 kernel, stride 2, padding 1. */
        boolean k4s2p1() {
            return kh == 4 && kw == 4 && sh == 2 && sw == 2 && ph == 1 && pw == 1;
        }

        /** Whether the input's sides are exactly twice the output's (even inputs of a {@link #k4s2p1} one). */
        boolean halves() {
            return h == 2 * ho && w == 2 * wo;
        }
    }

    /** A loop that runs every item on the calling thread (inside a part already split over the pool). */
    private static final Loop SERIAL = (n, workPerItem, body) -> body.run(0, n);

    private final Loop loop;
    /** The backend's thread count: the parts of a data gradient split by samples. */
    private final int threads;
    private final Map<PlanKey, ForwardPlan> forwardPlans = new HashMap<>();
    private final Map<PlanKey, DataPlan> dataPlans = new HashMap<>();
    private final Map<PlanKey, SmallPlan> smallPlans = new HashMap<>();
    /** The Winograd filter gradient of 4x4 / stride 2 / pad 1 convolutions where it applies. */
    final WinogradFilter winogradFilter;
    private CpuStorage workspace;
    /** Native passes run by this instance; a test checks the native path is the one taken here. */
    long passes;
    /** The Winograd forward pass and data gradient of 4x4 / stride-2 / pad-1 convolutions, where they fit. */
    final WinogradConv winograd;

    NativeConv(Loop loop, int threads) {
        this.loop = loop;
        this.threads = threads;
        this.winogradFilter = new WinogradFilter(loop);
        winograd = new WinogradConv(loop, threads, this::workspace);
    }

    /** {@code y = conv(x, w)} natively, or false (nothing done) when this pass is left to im2col + OpenBLAS. */
    boolean forward(Geometry g, int n, CpuStorage x, long xOff, CpuStorage w, long wOff, CpuStorage y, long yOff,
            long target) {
        if (winograd.forward(g, n, x, xOff, w, wOff, y, yOff, target)) {
            passes++;
            return true;
        }
        if (small(g) && (g.cout < MIN_ROWS || g.k() < SMALL_FORWARD_TAPS)
                && smallForward(g, n, x, xOff, w, wOff, y, yOff, target)) {
            return true;
        }
        ForwardPlan plan = usable(g.cout) ? forwardPlan(g, n, target, Long.MAX_VALUE) : null;
        if (plan == null) {
            return false;
        }
        int k = g.k();
        int p = g.p();
        int panels = panels(g.cout);
        long aSize = (long) panels * k * PANEL;
        CpuStorage ws = workspace(aSize + plan.nb * plan.padded);
        FloatPointer a = at(ws, 0);
        FloatPointer xp = at(ws, aSize);
        FloatPointer wp = at(w, wOff);
        loop.run(panels, (long) k * PANEL,
                (f, t) -> CpuKernels.gan4j_cpu_pack(wp, k, g.cout, plan.identK, k, a, f, t));
        long xSample = (long) g.cin * g.h * g.w;
        long ySample = (long) g.cout * p;
        for (int n0 = 0; n0 < n; n0 += plan.nb) {
            int cols = Math.min(plan.nb, n - n0) * p;
            pad(at(x, xOff + n0 * xSample), xp, cols / p * g.cin, g.h, g.w, plan.hp, plan.wp, g.ph, g.pw);
            FloatPointer ys = at(y, yOff + n0 * ySample);
            loop.run(panels * tiles(cols), 2L * k * PANEL * TILE,
                    (f, t) -> CpuKernels.gan4j_cpu_igemm(a, xp, plan.koff, k, plan.cols, cols, ys, p, plan.outCols,
                            g.cout, 0, blockTiles(plan.padded, p), f, t));
        }
        passes++;
        return true;
    }

    /** {@code dw += corr(x, dy)} natively, or false (nothing done) when left to im2col + OpenBLAS. */
    boolean backwardFilter(Geometry g, int n, CpuStorage x, long xOff, CpuStorage dy, long dyOff, CpuStorage dw,
            long dwOff, long target) {
        if (small(g) && smallFilter(g, n, x, xOff, dy, dyOff, dw, dwOff, target)) {
            return true;
        }
        if (winogradFilter.enabled && WinogradFilter.applies(g, n)
                && winogradFilter.backwardFilter(g, n, x, xOff, dy, dyOff, dw, dwOff, target, this::workspace)) {
            passes++;
            return true;
        }
        ForwardPlan plan = usable(g.cout) ? forwardPlan(g, n, target, FILTER_CHUNK_COLUMNS / g.p()) : null;
        if (plan == null) {
            return false;
        }
        int k = g.k();
        int p = g.p();
        int panels = panels(g.cout);
        long aSize = (long) panels * plan.nb * p * PANEL;
        CpuStorage ws = workspace(aSize + plan.nb * plan.padded);
        FloatPointer a = at(ws, 0);
        FloatPointer xp = at(ws, aSize);
        FloatPointer dws = at(dw, dwOff);
        long xSample = (long) g.cin * g.h * g.w;
        long dySample = (long) g.cout * p;
        for (int n0 = 0; n0 < n; n0 += plan.nb) {
            int r = Math.min(plan.nb, n - n0) * p;
            FloatPointer dys = at(dy, dyOff + n0 * dySample);
            loop.run(panels, (long) r * PANEL,
                    (f, t) -> CpuKernels.gan4j_cpu_pack(dys, p, g.cout, plan.outCols, r, a, f, t));
            pad(at(x, xOff + n0 * xSample), xp, r / p * g.cin, g.h, g.w, plan.hp, plan.wp, g.ph, g.pw);
            loop.run(panels * tiles(k), 2L * r * PANEL * TILE,
                    (f, t) -> CpuKernels.gan4j_cpu_igemm(a, xp, plan.cols, r, plan.koff, k, dws, k, plan.identK,
                            g.cout, 1, blockTiles(r / p * (long) plan.hp * plan.wp, g.kh * g.kw), f, t));
        }
        passes++;
        return true;
    }

    /**
     * {@code dx = conv_transpose(dy, w)} natively, or false (nothing done) when left to im2col + OpenBLAS.
     *
     * <p>With at least {@link #MIN_SAMPLES_PER_PART} samples per thread the batch is split by samples into one part
     * per thread, each padding and computing its own chunks (its own slot of the padded {@code dy}) in a single
     * hand-off to the pool, instead of handing off the padding and each stride phase of every chunk (about 5 per
     * chunk of 2-8 samples at the DCGAN64 shapes); each thread then also keeps its own chunk's {@code dx} in its
     * core's cache across the phases. Every {@code dx} element is still one tile's sum in the same order (a column's
     * sum does not depend on the tile or chunk it falls in), so the bits do not depend on the split.
     */
    boolean backwardData(Geometry g, int n, CpuStorage dy, long dyOff, CpuStorage w, long wOff, CpuStorage dx,
            long dxOff, long target) {
        if (winograd.backwardData(g, n, dy, dyOff, w, wOff, dx, dxOff, target)) {
            passes++;
            return true;
        }
        if (small(g) && smallData(g, n, dy, dyOff, w, wOff, dx, dxOff, target)) {
            return true;
        }
        DataPlan plan = usable(g.cin) && !wastefulDataGradient(g) ? dataPlan(g, n, target) : null;
        if (plan == null) {
            return false;
        }
        int panels = panels(g.cin);
        long aSize = (long) panels * PANEL * g.cout * g.kh * g.kw;
        int parts = n >= MIN_SAMPLES_PER_PART * threads ? threads : 1;
        CpuStorage ws = workspace(aSize + parts * plan.nb * plan.padded);
        FloatPointer wp = at(w, wOff);
        List<Phase> phases = plan.phases;
        loop.run(phases.size() * panels, (long) g.cout * g.kh * g.kw * PANEL / phases.size(), (f, t) -> {
            for (int i = f; i < t; i++) {
                Phase ph = phases.get(i / panels);
                CpuKernels.gan4j_cpu_pack(wp, (long) g.kh * g.kw, g.cin, ph.wOff, ph.r, at(ws, ph.aOffset),
                        i % panels, i % panels + 1);
            }
        });
        if (parts == 1) {
            for (int n0 = 0; n0 < n; n0 += plan.nb) {
                dataChunk(g, plan, ws, aSize, dy, dyOff, dx, dxOff, n0, Math.min(plan.nb, n - n0), loop);
            }
        } else {
            loop.run(parts, Long.MAX_VALUE / (4L * parts), (f, t) -> {
                for (int part = f; part < t; part++) {
                    int hi = (int) ((long) n * (part + 1) / parts);
                    long slot = aSize + part * plan.nb * plan.padded;
                    for (int n0 = (int) ((long) n * part / parts); n0 < hi; n0 += plan.nb) {
                        dataChunk(g, plan, ws, slot, dy, dyOff, dx, dxOff, n0, Math.min(plan.nb, hi - n0), SERIAL);
                    }
                }
            });
        }
        passes++;
        return true;
    }

    /**
     * The data gradient of samples {@code [n0, n0 + cnt)}: pads their {@code dy} into {@code ws} at {@code padOff},
     * then runs every stride phase over them, splitting the padding and each phase by {@code inner}.
     */
    private static void dataChunk(Geometry g, DataPlan plan, CpuStorage ws, long padOff, CpuStorage dy, long dyOff,
            CpuStorage dx, long dxOff, int n0, int cnt, Loop inner) {
        FloatPointer dyp = at(ws, padOff);
        pad(inner, at(dy, dyOff + n0 * (long) g.cout * g.p()), dyp, cnt * g.cout, g.ho, g.wo, plan.hp, plan.wp,
                plan.top, plan.left);
        FloatPointer dxs = at(dx, dxOff + n0 * (long) g.cin * g.h * g.w);
        int panels = panels(g.cin);
        for (Phase ph : plan.phases) {
            FloatPointer a = at(ws, ph.aOffset);
            int cols = cnt * ph.j;
            inner.run(panels * tiles(cols), 2L * ph.r * PANEL * TILE,
                    (f, t) -> CpuKernels.gan4j_cpu_igemm(a, dyp, ph.roff, ph.r, ph.base, cols, dxs,
                            (long) g.h * g.w, ph.outOff, g.cin, 0, blockTiles(plan.padded, ph.j), f, t));
        }
    }

    /**
     * Whether the data gradient's phases would compute many more products than im2col + OpenBLAS's {@code W^T dy}
     * (which computes {@code Ho*kH x Wo*kW} per channel pair): with stride 1 and an output much smaller than the
     * input (G64's 1x1 -> 4x4 layer: 16 times as many, most of them on padding), while that GEMM has a deep enough
     * inner dimension ({@code Cout >= 16}) to run well. Measured (batch 64, one thread): G64's first layer 21 ms
     * native vs 9.5 ms OpenBLAS; D64's last layer (Cout = 1, the same geometry) 1.0 ms native vs 8.8 ms.
     */
    private static boolean wastefulDataGradient(Geometry g) {
        double ratio = (double) phaseTaps(g.h, g.kh, g.sh, g.ph) / ((long) g.ho * g.kh)
                * phaseTaps(g.w, g.kw, g.sw, g.pw) / ((long) g.wo * g.kw);
        return ratio > 2 && g.cout >= PANEL;
    }

    /** Taps the data gradient's phases compute along one dimension: for each input position, those of its phase. */
    private static long phaseTaps(int in, int k, int s, int pad) {
        long taps = 0;
        for (int i = 0; i < in; i++) {
            int r = (i + pad) % s;
            taps += r < k ? ceilDiv(k - r, s) : 0;
        }
        return taps;
    }

    private static boolean usable(int rows) {
        return rows >= MIN_ROWS && status().usable();
    }

    private void pad(FloatPointer src, FloatPointer dst, int planes, int h, int w, int hp, int wp, int top, int left) {
        pad(loop, src, dst, planes, h, w, hp, wp, top, left);
    }

    private static void pad(Loop loop, FloatPointer src, FloatPointer dst, int planes, int h, int w, int hp, int wp,
            int top, int left) {
        loop.run(planes, (long) hp * wp,
                (f, t) -> CpuKernels.gan4j_cpu_pad(src, dst, h, w, hp, wp, top, left, f, t));
    }

    /**
     * Tiles per block of columns, so that the inputs a block reads (about {@code inputPerGroup} floats for each
     * {@code columnsPerGroup} columns: a sample's padded input per its pixels, or a channel's padded planes per its
     * taps) stay within {@link #BLOCK_INPUT} while every panel passes over them.
     */
    private static int blockTiles(long inputPerGroup, int columnsPerGroup) {
        long groups = Math.max(1, BLOCK_INPUT / Math.max(1, inputPerGroup));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, groups * columnsPerGroup / TILE));
    }

    private static int panels(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    private static int tiles(int columns) {
        return (columns + TILE - 1) / TILE;
    }

    /**
     * Samples per chunk: as many padded samples of {@code padded} floats as fit {@code target} (at most
     * {@code limit}), at least 1; 0 when a chunk's offsets ({@code padded} and {@code out} floats per sample) would
     * not fit an int.
     */
    private static int chunk(int n, long padded, long out, long target, long limit) {
        int nb = (int) Math.max(1, Math.min(Math.min(n, limit), target / padded));
        return fitsInt(nb * padded) && fitsInt(nb * out) ? nb : 0;
    }

    static FloatPointer at(CpuStorage s, long offset) {
        return (FloatPointer) s.pointerAt(offset);
    }

    private CpuStorage workspace(long elements) {
        if (workspace == null || workspace.capacity() < elements) {
            if (workspace != null) {
                workspace.close();
                workspace = null;
            }
            workspace = new CpuStorage(org.gan4j.tensor.DType.F32, elements);
        }
        return workspace;
    }

    /** An int table for the kernels, at least one element long (JavaCPP gives no memory for zero). */
    private static IntPointer table(int[] values) {
        return new IntPointer(values.length == 0 ? new int[1] : values);
    }

    private static int[] identity(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
        }
        return t;
    }

    /** Whether every offset below {@code elements} (one padded sample) fits an int; else the pass falls back. */
    private static boolean fitsInt(long elements) {
        return elements < Integer.MAX_VALUE;
    }

    /** A plan's key: the geometry and the samples per chunk its tables cover. */
    private record PlanKey(Geometry g, int nb) {
    }

    /**
     * Tables of the forward pass and the filter gradient over chunks of {@code nb} samples, the input padded to
     * {@code hp x wp} ({@code pH}, {@code pW} zeros on each side): {@code koff} over {@code k = (ci, kh, kw)},
     * {@code cols} over the chunk's output pixels {@code (s, oh, ow)} ({@code s*padded + oh*sH*Wp + ow*sW}),
     * {@code outCols} their offsets in {@code y} (or {@code dy}) without the channel ({@code s*Cout*P + oh*Wo + ow}).
     */
    private static final class ForwardPlan implements AutoCloseable {
        final int nb;
        final int hp;
        final int wp;
        final long padded;
        final IntPointer koff;
        final IntPointer cols;
        final IntPointer outCols;
        final IntPointer identK;

        ForwardPlan(Geometry g, int nb) {
            this.nb = nb;
            hp = g.h + 2 * g.ph;
            wp = g.w + 2 * g.pw;
            padded = (long) g.cin * hp * wp;
            int[] k = new int[g.k()];
            for (int ci = 0, i = 0; ci < g.cin; ci++) {
                for (int y = 0; y < g.kh; y++) {
                    for (int x = 0; x < g.kw; x++) {
                        k[i++] = (ci * hp + y) * wp + x;
                    }
                }
            }
            int[] c = new int[nb * g.p()];
            int[] o = new int[c.length];
            for (int s = 0, i = 0; s < nb; s++) {
                for (int oy = 0; oy < g.ho; oy++) {
                    for (int ox = 0; ox < g.wo; ox++, i++) {
                        c[i] = (int) (s * padded) + oy * g.sh * wp + ox * g.sw;
                        o[i] = s * g.cout * g.p() + oy * g.wo + ox;
                    }
                }
            }
            koff = table(k);
            cols = table(c);
            outCols = table(o);
            identK = table(identity(g.k()));
        }

        @Override
        public void close() {
            koff.close();
            cols.close();
            outCols.close();
            identK.close();
        }
    }

    private ForwardPlan forwardPlan(Geometry g, int n, long target, long limit) {
        long padded = (long) g.cin * (g.h + 2L * g.ph) * (g.w + 2L * g.pw);
        int nb = chunk(n, padded, (long) g.cout * g.p(), target, Math.max(1, limit));
        if (nb == 0 || !fitsInt((long) g.cout * g.k())) {
            return null;
        }
        PlanKey key = new PlanKey(g, nb);
        ForwardPlan plan = forwardPlans.get(key);
        if (plan == null) {
            trim();
            plan = new ForwardPlan(g, nb);
            forwardPlans.put(key, plan);
        }
        return plan;
    }

    /**
     * One phase {@code (rh, rw)} of the data gradient: the {@code dx} pixels with {@code (ih + pH) mod sH = rh} and
     * {@code (iw + pW) mod sW = rw} ({@code j} of them per sample; {@code base} and {@code outOff} list them for each
     * sample of a chunk, {@code dx} offsets in {@code outOff} without the channel), each the sum over
     * {@code r = (co, th, tw)} of {@code w[co, ci, rh + sH*th, rw + sW*tw] * dy_pad[base + roff[r]]}, where
     * {@code base} is the padded {@code dy} position {@code (q_h + top, q_w + left)} with
     * {@code q = (i + pad) div stride} and {@code roff[r] = co*Hp*Wp - th*Wp - tw}. A phase with no taps
     * ({@code r = 0}) writes zeros.
     */
    private record Phase(int r, int j, IntPointer roff, IntPointer base, IntPointer outOff, IntPointer wOff,
            long aOffset) implements AutoCloseable {
        @Override
        public void close() {
            roff.close();
            base.close();
            outOff.close();
            wOff.close();
        }
    }

    /**
     * The data gradient's phases over chunks of {@code nb} samples of {@code dy}, each padded to {@code hp x wp}
     * ({@code top}, {@code left} zeros before); a phase's columns are the chunk's {@code dx} pixels of that phase.
     */
    private record DataPlan(int nb, int hp, int wp, int top, int left, long padded, List<Phase> phases)
            implements AutoCloseable {
        @Override
        public void close() {
            phases.forEach(Phase::close);
        }
    }

    private DataPlan dataPlan(Geometry g, int n, long target) {
        int top = ceilDiv(g.kh, g.sh) - 1;
        int left = ceilDiv(g.kw, g.sw) - 1;
        long hp = Math.max(g.ho, (g.h - 1L + g.ph) / g.sh + 1) + top;
        long wp = Math.max(g.wo, (g.w - 1L + g.pw) / g.sw + 1) + left;
        long padded = g.cout * hp * wp;
        long dxSample = (long) g.cin * g.h * g.w;
        int nb = chunk(n, padded, dxSample, target, Math.max(1, DATA_CHUNK_OUTPUT / dxSample));
        if (nb == 0 || !fitsInt((long) g.cout * g.k())) {
            return null;
        }
        PlanKey key = new PlanKey(g, nb);
        DataPlan plan = dataPlans.get(key);
        if (plan != null) {
            return plan;
        }
        trim();
        List<Phase> phases = new ArrayList<>();
        long aOffset = 0;
        for (int rh = 0; rh < g.sh; rh++) {
            for (int rw = 0; rw < g.sw; rw++) {
                Phase ph = phase(g, nb, rh, rw, (int) hp, (int) wp, top, left, aOffset);
                phases.add(ph);
                aOffset += (long) panels(g.cin) * PANEL * ph.r;
            }
        }
        plan = new DataPlan(nb, (int) hp, (int) wp, top, left, padded, List.copyOf(phases));
        dataPlans.put(key, plan);
        return plan;
    }

    private static Phase phase(Geometry g, int nb, int rh, int rw, int hp, int wp, int top, int left, long aOffset) {
        int th = rh < g.kh ? ceilDiv(g.kh - rh, g.sh) : 0;
        int tw = rw < g.kw ? ceilDiv(g.kw - rw, g.sw) : 0;
        int[] roff = new int[g.cout * th * tw];
        int[] wOff = new int[roff.length];
        for (int co = 0, i = 0; co < g.cout; co++) {
            for (int a = 0; a < th; a++) {
                for (int b = 0; b < tw; b++, i++) {
                    roff[i] = co * hp * wp - a * wp - b;
                    wOff[i] = ((co * g.cin) * g.kh + rh + g.sh * a) * g.kw + rw + g.sw * b;
                }
            }
        }
        List<Integer> rows = new ArrayList<>();
        for (int ih = 0; ih < g.h; ih++) {
            if ((ih + g.ph) % g.sh == rh) {
                rows.add(ih);
            }
        }
        List<Integer> cols = new ArrayList<>();
        for (int iw = 0; iw < g.w; iw++) {
            if ((iw + g.pw) % g.sw == rw) {
                cols.add(iw);
            }
        }
        int j = rows.size() * cols.size();
        int[] base = new int[nb * j];
        int[] out = new int[base.length];
        int i = 0;
        for (int s = 0; s < nb; s++) {
            for (int ih : rows) {
                for (int iw : cols) {
                    base[i] = (s * g.cout * hp + (ih + g.ph) / g.sh + top) * wp + (iw + g.pw) / g.sw + left;
                    out[i++] = s * g.cin * g.h * g.w + ih * g.w + iw;
                }
            }
        }
        return new Phase(roff.length, j, table(roff), table(base), table(out), table(wOff), aOffset);
    }

    // ---------------------------------------------------------------- few image-side channels (smallconv.cpp)

    /** Whether the passes of this convolution go to the pixel-vectorised kernels ({@code Cin <= 3}). */
    private static boolean small(Geometry g) {
        return g.cin <= SMALL_CHANNELS && status().usable();
    }

    /** {@code y = conv(x, w)} by pixel vectors, or false (nothing done) when the geometry does not fit the kernel. */
    private boolean smallForward(Geometry g, int n, CpuStorage x, long xOff, CpuStorage w, long wOff, CpuStorage y,
            long yOff, long target) {
        SmallPlan plan = smallPlan(g, n, target, 0);
        if (plan == null) {
            return false;
        }
        CpuStorage ws = workspace(plan.nb * plan.xsSample);
        FloatPointer xs = at(ws, 0);
        FloatPointer wp = at(w, wOff);
        long ySample = (long) g.cout * g.p();
        long itemWork = 2L * g.k() * g.cout * plan.rows * g.wo;
        smallChunks(g, n, plan, x, xOff, xs, (n0, cnt) -> {
            FloatPointer ys = at(y, yOff + n0 * ySample);
            loop.run(cnt * plan.blocks, itemWork, (f, t) -> CpuKernels.gan4j_cpu_small_forward(wp, g.cout, g.k(), xs,
                    plan.koff, plan.xsSample, plan.rowStep, g.ho, g.wo, ys, plan.rows, f, t));
        });
        passes++;
        return true;
    }

    /**
     * {@code dw += corr(x, dy)} by pixel vectors, the reduction over each chunk cut into at most
     * {@link #SMALL_SEGMENTS} fixed segments of blocks of output rows, their 8-lane partial sums then added in order;
     * or false (nothing done) when the geometry does not fit the kernel.
     */
    private boolean smallFilter(Geometry g, int n, CpuStorage x, long xOff, CpuStorage dy, long dyOff, CpuStorage dw,
            long dwOff, long target) {
        int unitRows = filterUnitRows(g);
        if (unitRows > 0) {
            smallFilterS2(g, n, x, xOff, dy, dyOff, dw, dwOff, unitRows);
            return true;
        }
        long segFloats = (long) ceilDiv(g.cout, 4) * 4 * g.k() * 8;
        SmallPlan plan = smallPlan(g, n, target, SMALL_SEGMENTS * segFloats);
        if (plan == null) {
            return false;
        }
        long accSize = SMALL_SEGMENTS * segFloats;
        CpuStorage ws = workspace(accSize + plan.nb * plan.xsSample);
        FloatPointer acc = at(ws, 0);
        FloatPointer xs = at(ws, accSize);
        FloatPointer dws = at(dw, dwOff);
        long dySample = (long) g.cout * g.p();
        long unitWork = 2L * g.k() * g.cout * plan.rows * g.wo;
        smallChunks(g, n, plan, x, xOff, xs, (n0, cnt) -> {
            long units = (long) cnt * plan.blocks;
            long perSegment = (units + SMALL_SEGMENTS - 1) / SMALL_SEGMENTS;
            int segments = (int) ((units + perSegment - 1) / perSegment);
            FloatPointer dys = at(dy, dyOff + n0 * dySample);
            loop.run(segments, perSegment * unitWork, (f, t) -> CpuKernels.gan4j_cpu_small_filter(dys, g.cout, g.k(),
                    xs, plan.koff, plan.xsSample, plan.rowStep, g.ho, g.wo, plan.rows, units, perSegment, acc, f, t));
            loop.run(g.cout * g.k(), 8L * segments, (f, t) -> CpuKernels.gan4j_cpu_small_filter_sum(acc, segments,
                    g.cout, g.k(), dws, f, t));
        });
        passes++;
        return true;
    }

    /**
     * {@code dx = conv_transpose(dy, w)} by pixel vectors, one item per sample (which pads its {@code dy} as for the
     * 16-channel data gradient, {@link #dataPlan}, then computes every stride phase of its {@code dx}); or false
     * (nothing done) when an offset would not fit an int.
     */
    private boolean smallData(Geometry g, int n, CpuStorage dy, long dyOff, CpuStorage w, long wOff, CpuStorage dx,
            long dxOff, long target) {
        int rows = dataBlockRows(g);
        if (rows > 0) {
            smallDataS2(g, n, dy, dyOff, w, wOff, dx, dxOff, rows);
            return true;
        }
        int top = ceilDiv(g.kh, g.sh) - 1;
        int left = ceilDiv(g.kw, g.sw) - 1;
        long hd = Math.max(g.ho, (g.h - 1L + g.ph) / g.sh + 1) + top;
        long wd = Math.max(g.wo, (g.w - 1L + g.pw) / g.sw + 1) + left;
        long padded = g.cout * hd * wd + SMALL_DATA_SLACK;
        long dxSample = (long) g.cin * g.h * g.w;
        long packed = (long) g.cout * g.cin * ceilDiv(g.kh, g.sh) * ceilDiv(g.kw, g.sw) * g.sh * g.sw;
        int nb = chunk(n, padded, dxSample, Math.max(1, target - packed), n);
        if (nb == 0 || !fitsInt(packed)) {
            return false;
        }
        CpuStorage ws = workspace(packed + nb * padded);
        FloatPointer pw = at(ws, 0);
        FloatPointer dyp = at(ws, packed);
        CpuKernels.gan4j_cpu_small_data_pack(at(w, wOff), g.cout, g.cin, g.kh, g.kw, g.sh, g.sw, pw);
        long dySample = (long) g.cout * g.p();
        long itemWork = 2L * g.cout * g.kh * g.kw * dxSample;
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            FloatPointer dys = at(dy, dyOff + n0 * dySample);
            FloatPointer dxs = at(dx, dxOff + n0 * dxSample);
            loop.run(cnt, itemWork, (f, t) -> CpuKernels.gan4j_cpu_small_data(dys, dyp, g.cout, g.ho, g.wo, (int) hd,
                    (int) wd, top, left, pw, g.cin, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, dxs, g.h, g.w, f, t));
        }
        passes++;
        return true;
    }

    /**
     * Rows of {@code dy} per block of {@code gan4j_cpu_small_data_s2} for this geometry: at most
     * {@link #SMALL_BLOCK_PIXELS} pixels whose tap products fit the kernel's stack buffer; 0 when the geometry is not
     * a 4x4 stride-2 padding-1 convolution with an input of exactly twice the output's size, has more than
     * {@link #SMALL_DATA_S2_COUT} output channels, or has rows too long for the buffer.
     */
    private static int dataBlockRows(Geometry g) {
        if (!g.k4s2p1() || !g.halves() || g.cout > SMALL_DATA_S2_COUT || !fitsInt((long) g.cin * g.h * g.w)) {
            return 0;
        }
        int rows = Math.max(1, Math.min(g.ho, SMALL_BLOCK_PIXELS / g.wo));
        while (rows > 0 && 16L * g.cin * productPitch(rows, g.wo) > SMALL_LOWERED) {
            rows--;
        }
        return rows;
    }

    /** Floats per tap of {@code gan4j_cpu_small_data_s2}'s product buffer ({@code ceil8(8 + (rows + 1)*wo + 24)}). */
    private static long productPitch(int rows, int wo) {
        return (8 + (rows + 1L) * wo + 24 + 7) / 8 * 8;
    }

    /**
     * {@code dx = conv_transpose(dy, w)} of a 4x4 stride-2 padding-1 convolution by {@code gan4j_cpu_small_data_s2}:
     * per block of {@code rows} rows of {@code dy} the products of every tap ({@code dy} unpadded, its channels the
     * reduction), then each {@code dx} pixel as the sum of its 4 taps' products, one item per sample.
     */
    private void smallDataS2(Geometry g, int n, CpuStorage dy, long dyOff, CpuStorage w, long wOff, CpuStorage dx,
            long dxOff, int rows) {
        CpuStorage ws = workspace(16L * g.cin * g.cout);
        FloatPointer pt = at(ws, 0);
        CpuKernels.gan4j_cpu_small_taps_pack(at(w, wOff), g.cout, g.cin, pt);
        FloatPointer dys = at(dy, dyOff);
        FloatPointer dxs = at(dx, dxOff);
        loop.run(n, 2L * g.cout * g.kh * g.kw * g.cin * g.p(), (f, t) -> CpuKernels.gan4j_cpu_small_data_s2(dys,
                g.cout, g.ho, g.wo, pt, g.cin, dxs, rows, f, t));
        passes++;
    }

    /**
     * Output rows per unit of {@code gan4j_cpu_small_filter_s2} for this geometry: at most {@link #SMALL_BLOCK_PIXELS}
     * pixels whose gathered taps fit the kernel's stack buffer; 0 when the geometry is not a 4x4 stride-2 convolution
     * or one output row's taps exceed the buffer.
     */
    private static int filterUnitRows(Geometry g) {
        if (g.kh != 4 || g.kw != 4 || g.sh != 2 || g.sw != 2 || (long) g.wo * g.k() > SMALL_LOWERED
                || !fitsInt((long) g.cout * g.k())) {
            return 0;
        }
        int rows = Math.max(1, Math.min(g.ho, SMALL_BLOCK_PIXELS / g.wo));
        while ((long) rows * g.wo * g.k() > SMALL_LOWERED) {
            rows--;
        }
        return rows;
    }

    /**
     * {@code dw += corr(x, dy)} of a 4x4 stride-2 convolution by {@code gan4j_cpu_small_filter_s2}: the units (sample,
     * block of {@code rows} output rows) of the whole batch cut into at most {@link #SMALL_SEGMENTS} segments, each
     * gathering its units' taps pixel-major from the unpadded {@code x} and summing them against {@code dy} with the
     * taps as the vector lanes, then the segments' sums added in order.
     */
    private void smallFilterS2(Geometry g, int n, CpuStorage x, long xOff, CpuStorage dy, long dyOff, CpuStorage dw,
            long dwOff, int rows) {
        long segFloats = (long) g.cout * g.k();
        int blocks = ceilDiv(g.ho, rows);
        long units = (long) n * blocks;
        long perSegment = (units + SMALL_SEGMENTS - 1) / SMALL_SEGMENTS;
        int segments = (int) ((units + perSegment - 1) / perSegment);
        CpuStorage ws = workspace(segments * segFloats);
        FloatPointer acc = at(ws, 0);
        FloatPointer xs = at(x, xOff);
        FloatPointer dys = at(dy, dyOff);
        FloatPointer dws = at(dw, dwOff);
        loop.run(segments, perSegment * 2L * g.k() * g.cout * rows * g.wo, (f, t) -> CpuKernels
                .gan4j_cpu_small_filter_s2(xs, dys, g.cin, g.h, g.w, g.cout, g.ho, g.wo, g.ph, g.pw, rows, units,
                        perSegment, acc, f, t));
        loop.run((int) segFloats, segments, (f, t) -> CpuKernels.gan4j_cpu_small_sum_segments(acc, segments,
                segFloats, dws, f, t));
        passes++;
    }

    /** One chunk of samples {@code [n0, n0 + cnt)} of the small forward pass or filter gradient. */
    @FunctionalInterface
    private interface SmallChunk {
        void run(int n0, int cnt);
    }

    /** Runs {@code body} over the chunks of {@code plan}, each after padding its input into {@code xs}. */
    private void smallChunks(Geometry g, int n, SmallPlan plan, CpuStorage x, long xOff, FloatPointer xs,
            SmallChunk body) {
        long xSample = (long) g.cin * g.h * g.w;
        for (int n0 = 0; n0 < n; n0 += plan.nb) {
            int cnt = Math.min(plan.nb, n - n0);
            FloatPointer src = at(x, xOff + n0 * xSample);
            loop.run(cnt * g.cin, (long) plan.hp * g.sw * plan.wu, (f, t) -> CpuKernels.gan4j_cpu_pad_columns(src, xs,
                    g.h, g.w, plan.hp, g.ph, g.pw, g.sw, plan.wu, f, t));
            body.run(n0, cnt);
        }
    }

    /**
     * The small forward pass's and filter gradient's tables over chunks of {@code nb} samples: the input padded to
     * {@code hp} rows and split by column phase into {@code sW} runs of {@code wu} floats per row
     * ({@code gan4j_cpu_pad_columns}), {@code koff} over the taps {@code k = (ci, kh, kw)}, items of {@code rows}
     * output rows ({@code blocks} per sample).
     */
    private static final class SmallPlan implements AutoCloseable {
        final int nb;
        final int hp;
        final int wu;
        final long rowStep;
        final long xsSample;
        final int rows;
        final int blocks;
        final IntPointer koff;

        SmallPlan(Geometry g, int nb, int hp, int wu, int rows) {
            this.nb = nb;
            this.hp = hp;
            this.wu = wu;
            this.rows = rows;
            long rowPitch = (long) g.sw * wu;
            rowStep = g.sh * rowPitch;
            xsSample = g.cin * hp * rowPitch;
            blocks = ceilDiv(g.ho, rows);
            int[] k = new int[g.k()];
            for (int ci = 0, i = 0; ci < g.cin; ci++) {
                for (int y = 0; y < g.kh; y++) {
                    for (int x = 0; x < g.kw; x++) {
                        k[i++] = (int) ((ci * hp + y) * rowPitch + (x % g.sw) * wu + x / g.sw);
                    }
                }
            }
            koff = table(k);
        }

        @Override
        public void close() {
            koff.close();
        }
    }

    /**
     * The plan for chunks of as many samples as fit {@code target} beside {@code reserved} floats, or null when one
     * output row's lowered block exceeds the kernels' stack buffer or a sample's offsets would not fit an int.
     */
    private SmallPlan smallPlan(Geometry g, int n, long target, long reserved) {
        int hp = g.h + 2 * g.ph;
        int wu = g.wo + (g.kw - 1) / g.sw;
        long xsSample = (long) g.cin * hp * g.sw * wu;
        int rows = Math.max(1, Math.min(g.ho, SMALL_BLOCK_PIXELS / g.wo));
        while (rows > 1 && (long) g.k() * lowered(rows, g.wo) > SMALL_LOWERED) {
            rows--;
        }
        int nb = chunk(n, xsSample, (long) g.cout * g.p(), Math.max(1, target - reserved), n);
        if ((long) g.k() * lowered(rows, g.wo) > SMALL_LOWERED || nb == 0 || !fitsInt((long) g.cout * g.k())) {
            return null;
        }
        PlanKey key = new PlanKey(g, nb);
        SmallPlan plan = smallPlans.get(key);
        if (plan == null) {
            trim();
            plan = new SmallPlan(g, nb, hp, wu, rows);
            smallPlans.put(key, plan);
        }
        return plan;
    }

    /** Floats of one lowered tap row: the block's pixels rounded up to 16 ({@code lowered} in smallconv.cpp). */
    private static long lowered(int rows, int wo) {
        return ((long) rows * wo + 15) / 16 * 16;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Empties the plan caches when a run has met more shapes than a model has (tests, shape sweeps). */
    private void trim() {
        if (forwardPlans.size() + dataPlans.size() + smallPlans.size() >= MAX_PLANS) {
            clearPlans();
        }
    }

    private void clearPlans() {
        forwardPlans.values().forEach(ForwardPlan::close);
        dataPlans.values().forEach(DataPlan::close);
        smallPlans.values().forEach(SmallPlan::close);
        forwardPlans.clear();
        dataPlans.clear();
        smallPlans.clear();
    }

    @Override
    public void close() {
        clearPlans();
        winogradFilter.close();
        winograd.close();
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }
}
