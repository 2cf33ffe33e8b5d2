package org.gan4j.backend.cpu;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The forward pass and the data gradient of 4x4 / stride-2 / pad-1 convolutions (every large DCGAN convolution, and
 * G's transposed ones with the passes' roles swapped) by Winograd's F(4x4, 2x2), through the native kernels of
 * {@code src/main/cpp/cpu/winograd.cpp} ({@link CpuKernels}; layouts in {@code gan4j_cpu_winograd.h}), for
 * {@link NativeConv}. With {@code x (N, Cin, H, W)}, {@code w (Cout, Cin, 4, 4)}, {@code y (N, Cout, H/2, W/2)}:
 * <ul>
 *   <li>forward: a 4x4 stride-2 convolution is the sum over the 4 input phases {@code q = (qh, qw)} of the 2x2
 *       stride-1 correlations of {@code x_pad[2u + qh][2v + qw]} with the taps {@code w[2j + qh][2i + qw]};</li>
 *   <li>data gradient: {@code dx} at parity {@code (rh, rw)} (the pixels {@code (2Q + rh - 1, 2Q' + rw - 1)}) is
 *       the 2x2 stride-1 correlation of {@code dy} (zero outside) with the taps {@code w[rh + 2 - 2t][rw + 2 - 2s]},
 *       as in {@link NativeConv#backwardData}'s phases.</li>
 * </ul>
 * Each 2x2 correlation over 4x4 output tiles is {@code Y = A^T [(G g G^T) . (B^T d B)] A} with a 5x5 input window
 * {@code d} per tile: 25 products per tile and channel pair instead of 64, 2.56 times fewer. Summed over channels,
 * each of the 25 points is a GEMM {@code mt[p] = u[p] v[p]} ({@code M = Cout}, reduction {@code 4 Cin} forward;
 * {@code M = Cin}, reduction {@code Cout} per parity for the data gradient) over the columns {@code (sample, tile)},
 * run by the 16x6 micro-kernel of {@code conv.cpp}. Per call: the weights' taps are regrouped by panel of 16 rows;
 * then per chunk of samples the input is copied blocked by 8 channels and transformed ({@code B^T d B}, 8 channels
 * per vector, stored column by column so that the GEMM reads each column's reduction contiguously) and the 25 GEMMs
 * run (the data gradient: parity by parity, its input transform then its 25 GEMMs, so that its quarter of the
 * transformed input is still in the L2 when they read it), each panel's transformed weights {@code G g G^T} formed on
 * the native stack right before its GEMM (so they never go to memory: D64 conv4's would be 50 MiB); then the output
 * transform writes {@code y} (or {@code dx}: a tile's four parities transformed together, so that after an 8x8
 * transpose over the 8 tiles of a vector each of its rows is stored as one contiguous vector, not scattered at
 * stride 2).
 *
 * <p>Taken only where it fits and pays ({@link #fits}): the kernel, stride and padding above, even input sides with
 * output sides ({@code H/2}, {@code W/2}) multiples of 4, at least {@link #MIN_CHANNELS} channels on both sides (and a
 * reduction of at most {@link #MAX_K}), and at least {@link #MIN_COLUMNS} columns (tiles x samples) to fill the
 * micro-kernel's tile. That leaves DCGAN28 (7x7 and 14x14 outputs) on the direct kernels.
 * {@code -Dgan4j.cpu.winograd=false} ({@link #PROPERTY}) switches it off.
 *
 * <p>Winograd rounds differently from a direct sum: each output is a combination of the tile's 25 products per
 * channel pair with the transforms' coefficients (up to 8), so its rounding error is bounded by the dot-product bound
 * applied to the absolute values through the absolute transforms (WinogradConvTest derives the tolerance).
 *
 * <p>Threads: with at least {@link #MIN_SAMPLES_PER_PART} samples and {@link #MIN_CHUNK_COLUMNS} columns per thread,
 * the batch is split by samples, one part per thread in its own workspace slot, each transforming and multiplying its
 * own chunks: two hand-offs per call (the taps, then the parts). Otherwise every stage of every chunk is split over
 * the pool by items (D64 conv4 at batch 64: one chunk, 4 hand-offs per call; 10 for the data gradient, which
 * transforms and multiplies parity by parity). Each output element is computed by one item in a fixed order whatever
 * the split (a column's GEMM sum and transforms do not depend on the chunk or tile it falls in), so the results do
 * not depend on the thread count.
 */
final class WinogradConv implements AutoCloseable {
    /** System property that switches the Winograd paths off ({@code -Dgan4j.cpu.winograd=false}; WinogradFilter's). */
    static final String PROPERTY = WinogradFilter.PROPERTY;
    /** Fewest channels on either side (a choice: below one 16-row panel most of the micro-kernel is zeros). */
    static final int MIN_CHANNELS = 16;
    /** Fewest columns (tiles x samples) of a call: the micro-kernel's tile width ({@code GAN4J_CPU_TILE}). */
    static final int MIN_COLUMNS = NativeConv.TILE;
    /** Largest reduction ({@code 4 Cin} forward, {@code Cout} data): the native stack's panel buffer. */
    static final int MAX_K = 2048;
    /**
     * Columns per chunk at least where the batch has them: each GEMM panel's weight transform (4 multiply-adds per
     * weight) is then at most 1/16 of its GEMM (one multiply-add per weight and column).
     */
    private static final int MIN_CHUNK_COLUMNS = 64;
    /** Output tile side, interpolation points per tile and tiles per transform vector. */
    private static final int TILE_SIDE = 4;
    private static final int POINTS = 25;
    private static final int LANES = 8;
    /** Unused floats after each point's block ({@code GAN4J_CPU_WINO_SKEW}: the blocks apart in the cache sets). */
    private static final int SKEW = 16;
    /** Samples per thread from which the batch is split by samples (as {@link NativeConv}'s data gradient). */
    private static final int MIN_SAMPLES_PER_PART = 4;
    /** Floats of transformed input and GEMM output per chunk (4 MiB, within L3) unless that is under 64 columns. */
    private static final long CHUNK_FLOATS = 1 << 20;
    private static final int MAX_PLANS = 32;
    private static final int PANEL = NativeConv.PANEL;
    /** A loop that runs every item on the calling thread (inside a part already split over the pool). */
    private static final NativeConv.Loop SERIAL = (count, workPerItem, body) -> body.run(0, count);


    private final NativeConv.Loop loop;
    private final int threads;
    private final Map<PlanKey, Plan> plans = new HashMap<>();
    /** NativeConv's grow-only scratch buffer: at least the floats asked for, valid until the next request. */
    private final LongFunction<CpuStorage> workspace;
    /** Whether calls take this path (tests switch it off to check the direct kernels). */
    boolean enabled = WinogradFilter.enabledByProperty();
    /** Passes run by this path; a test checks it is the one taken. */
    long passes;

    WinogradConv(NativeConv.Loop loop, int threads, LongFunction<CpuStorage> workspace) {
        this.loop = loop;
        this.threads = threads;
        this.workspace = workspace;
    }

    /** Whether the Winograd path fits this convolution of {@code n} samples (see the class comment). */
    static boolean fits(NativeConv.Geometry g, int n) {
        return g.k4s2p1() && g.halves() && g.ho() % TILE_SIDE == 0 && g.wo() % TILE_SIDE == 0
                && g.cin() >= MIN_CHANNELS && g.cout() >= MIN_CHANNELS && 4 * padded(g.cin()) <= MAX_K
                && padded(g.cout()) <= MAX_K
                && (long) n * (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE) >= MIN_COLUMNS;
    }

    /** Channels rounded up to a multiple of 8 (the input's blocks; the padding's taps are zero). */
    private static int padded(int channels) {
        return (channels + LANES - 1) / LANES * LANES;
    }

    /** {@code y = conv(x, w)}, or false (nothing done) when this path does not fit. */
    boolean forward(NativeConv.Geometry g, int n, CpuStorage x, long xOff, CpuStorage w, long wOff, CpuStorage y,
            long yOff, long target) {
        return run(g, n, false, x, xOff, w, wOff, y, yOff, target);
    }

    /** {@code dx = conv_transpose(dy, w)}, or false (nothing done) when this path does not fit. */
    boolean backwardData(NativeConv.Geometry g, int n, CpuStorage dy, long dyOff, CpuStorage w, long wOff,
            CpuStorage dx, long dxOff, long target) {
        return run(g, n, true, dy, dyOff, w, wOff, dx, dxOff, target);
    }

    /**
     * One pass: {@code in} is x (forward) or dy (data gradient), {@code out} y or dx. The forward pass has one group
     * of GEMMs with rows {@code Cout} and reduction {@code 4 Cin}; the data gradient four (its parities) with rows
     * {@code Cin} and reduction {@code Cout}.
     */
    private boolean run(NativeConv.Geometry g, int n, boolean data, CpuStorage in, long inOff, CpuStorage w,
            long wOff, CpuStorage out, long outOff, long target) {
        if (!enabled || !fits(g, n)) {
            return false;
        }
        Sizes s = Sizes.of(g, data);
        int tiles = (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE);
        int parts = threads > 1 && n >= MIN_SAMPLES_PER_PART * threads
                && (long) n / threads * tiles >= MIN_CHUNK_COLUMNS ? threads : 1;
        Plan plan = plan(g, (n + parts - 1) / parts, data, target, s);
        if (plan == null) {
            return false;
        }
        CpuStorage ws = workspace.apply(plan.tapsSize + parts * plan.slot);
        FloatPointer taps = at(ws, 0);
        FloatPointer wp = at(w, wOff);
        int data01 = data ? 1 : 0;
        loop.run(plan.groups * plan.panels, (long) plan.k * PANEL * 4,
                (f, t) -> CpuKernels.gan4j_cpu_wino_taps(wp, g.cout(), g.cin(), data01, taps, f, t));
        if (parts == 1) {
            for (int n0 = 0; n0 < n; n0 += plan.nb) {
                chunk(plan, ws, plan.tapsSize, in, inOff, out, outOff, n0, Math.min(plan.nb, n - n0), loop);
            }
        } else {
            loop.run(parts, Long.MAX_VALUE / (4L * parts), (f, t) -> {
                for (int part = f; part < t; part++) {
                    int hi = (int) ((long) n * (part + 1) / parts);
                    long slot = plan.tapsSize + part * plan.slot;
                    for (int n0 = (int) ((long) n * part / parts); n0 < hi; n0 += plan.nb) {
                        chunk(plan, ws, slot, in, inOff, out, outOff, n0, Math.min(plan.nb, hi - n0), SERIAL);
                    }
                }
            });
        }
        passes++;
        return true;
    }

    /**
     * Samples {@code [n0, n0 + cnt)}: the input blocked by 8 channels, its transform, the GEMMs, the output transform,
     * each split by {@code inner}.
     */
    private static void chunk(Plan p, CpuStorage ws, long slot, CpuStorage in, long inOff, CpuStorage out,
            long outOff, int n0, int cnt, NativeConv.Loop inner) {
        FloatPointer taps = at(ws, 0);
        FloatPointer xb = at(ws, slot);
        FloatPointer v = at(ws, slot + p.xbSize);
        FloatPointer mt = at(ws, slot + p.xbSize + p.vSize);
        FloatPointer src = at(in, inOff + n0 * p.inSample);
        FloatPointer dst = at(out, outOff + n0 * p.outSample);
        int cols = cnt * p.tilesY * p.tilesX;
        int blocks = (cols + LANES - 1) / LANES;
        int cblocks = padded(p.inChannels) / LANES;
        int data01 = p.groups == 4 ? 1 : 0;
        long plane = (long) p.inH * p.inW;
        inner.run(cnt * cblocks, plane * LANES,
                (f, t) -> CpuKernels.gan4j_cpu_wino_block(src, p.inChannels, plane, xb, f, t));
        // one group at a time: each data-gradient parity's transformed input (a quarter of v, 0.9 MiB at D64 conv2)
        // is read by its GEMMs while it is still in the L2, rather than all four's (3.7 MiB) from the L3
        int gemms = POINTS * p.panels;
        for (int q = 0; q < p.groups; q++) {
            long firstInput = (long) q * p.stride * cblocks;  // the input transform's items (q, column, block)
            long firstGemm = (long) q * gemms;
            inner.run(cols * cblocks, POINTS * LANES * 8L * (data01 == 1 ? 1 : 4),
                    (f, t) -> CpuKernels.gan4j_cpu_wino_input(xb, p.inChannels, p.inH, p.inW, data01, p.tilesY,
                            p.tilesX, p.stride, p.colStride, v, firstInput + f, firstInput + t));
            inner.run(gemms, 2L * p.k * PANEL * cols,
                    (f, t) -> CpuKernels.gan4j_cpu_wino_gemm(taps, v, p.rows, p.colBase, p.ident, p.k, p.m,
                            p.stride, p.colStride, cols, mt, firstGemm + f, firstGemm + t));
        }
        inner.run(p.m * blocks, (long) p.groups * POINTS * LANES * 4,
                (f, t) -> CpuKernels.gan4j_cpu_wino_output(mt, p.m, data01, p.tilesY, p.tilesX, cols, p.stride, dst,
                        p.outH, p.outW, f, t));
    }

    private record PlanKey(NativeConv.Geometry g, boolean data, int nb) {
    }

    /**
     * A pass's sizes over chunks of {@code nb} samples ({@code stride = nb * tiles} columns: of the transformed input
     * {@code v}, {@code colStride} floats each, and per row of the GEMM output {@code mt}), its workspace slot (the
     * blocked input, v, mt) and the GEMMs' tables: {@code rows[r] = r} over the reduction, {@code colBase[j] =
     * j * colStride} and {@code ident[j] = j} over the columns.
     */
    private static final class Plan implements AutoCloseable {
        final int groups;
        final int m;
        final int k;
        final int panels;
        final int inChannels;
        final int inH;
        final int inW;
        final int outH;
        final int outW;
        final long inSample;
        final long outSample;
        final int tilesY;
        final int tilesX;
        final int nb;
        final int stride;
        final long colStride;
        final long tapsSize;
        final long xbSize;
        final long vSize;
        final long slot;
        final IntPointer rows;
        final IntPointer colBase;
        final IntPointer ident;

        Plan(NativeConv.Geometry g, boolean data, int nb, Sizes s) {
            groups = s.groups;
            m = s.m;
            k = s.k;
            panels = (m + PANEL - 1) / PANEL;
            inChannels = data ? g.cout() : g.cin();
            inH = data ? g.ho() : g.h();
            inW = data ? g.wo() : g.w();
            outH = data ? g.h() : g.ho();
            outW = data ? g.w() : g.wo();
            inSample = (long) inChannels * inH * inW;
            outSample = (long) m * outH * outW;
            tilesY = g.ho() / TILE_SIDE;
            tilesX = g.wo() / TILE_SIDE;
            this.nb = nb;
            stride = nb * tilesY * tilesX;
            tapsSize = s.tapsSize;
            colStride = s.colStride();
            xbSize = (long) nb * padded(inChannels) * inH * inW;
            vSize = (long) groups * POINTS * (stride * colStride + SKEW);
            slot = xbSize + vSize + (long) groups * POINTS * ((long) m * stride + SKEW);
            int[] r = new int[k];
            for (int i = 0; i < k; i++) {
                r[i] = i;
            }
            int[] base = new int[stride];
            int[] j = new int[stride];
            for (int i = 0; i < stride; i++) {
                base[i] = (int) (i * colStride);
                j[i] = i;
            }
            rows = new IntPointer(r);
            colBase = new IntPointer(base);
            ident = new IntPointer(j);
        }

        @Override
        public void close() {
            rows.close();
            colBase.close();
            ident.close();
        }
    }

    /**
     * The GEMMs' shape: groups, rows, reduction (over the input side's channels padded to a multiple of 8), and the
     * regrouped taps' floats (4 per row and reduction index).
     */
    private record Sizes(int groups, int m, int k, long tapsSize) {
        static Sizes of(NativeConv.Geometry g, boolean data) {
            int groups = data ? 4 : 1;
            int m = data ? g.cin() : g.cout();
            int k = data ? padded(g.cout()) : 4 * padded(g.cin());
            return new Sizes(groups, m, k, (long) groups * (m + PANEL - 1) / PANEL * PANEL * k * 4);
        }

        /** Floats per column of the transformed input: the reduction and a cache line, apart in the cache sets. */
        long colStride() {
            return k + SKEW;
        }

        /** Floats of blocked input, transformed input and GEMM output per sample. */
        long perSample(NativeConv.Geometry g, boolean data) {
            long in = data ? (long) padded(g.cout()) * g.ho() * g.wo() : (long) padded(g.cin()) * g.h() * g.w();
            return in + (long) groups * POINTS * (colStride() + m) * (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE);
        }
    }

    /**
     * The plan for {@code n} samples in chunks of equal size (the last one shorter), as many samples each as fit
     * {@link #CHUNK_FLOATS} and the backend's workspace target, but at least {@link #MIN_CHUNK_COLUMNS} columns' worth
     * (a chunk of fewer columns repeats each panel's weight transform for too little GEMM work); null when an offset
     * the kernels form as an int would overflow.
     */
    private Plan plan(NativeConv.Geometry g, int n, boolean data, long target, Sizes s) {
        long perSample = s.perSample(g, data);
        int tiles = (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE);
        long fewest = (MIN_CHUNK_COLUMNS + tiles - 1) / tiles;
        long most = Math.max(fewest, Math.min(CHUNK_FLOATS, target) / perSample);
        int chunks = (int) ((n + most - 1) / most);
        int nb = (n + chunks - 1) / chunks;
        long stride = (long) nb * tiles;
        if (s.colStride() * stride >= Integer.MAX_VALUE || (long) s.m * stride >= Integer.MAX_VALUE) {
            return null;
        }
        PlanKey key = new PlanKey(g, data, nb);
        Plan plan = plans.get(key);
        if (plan == null) {
            if (plans.size() >= MAX_PLANS) {
                plans.values().forEach(Plan::close);
                plans.clear();
            }
            plan = new Plan(g, data, nb, s);
            plans.put(key, plan);
        }
        return plan;
    }

    private static FloatPointer at(CpuStorage s, long offset) {
        return NativeConv.at(s, offset);
    }

    @Override
    public void close() {
        plans.values().forEach(Plan::close);
        plans.clear();
    }
}
