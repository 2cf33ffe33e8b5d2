package org.gan4j.backend.cpu;

import java.util.HashMap;
import java.util.Map;
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
 * run by the 16x6 micro-kernel of {@code conv.cpp}. Per call: the weights are transformed once (in double, rounded
 * once); then per chunk of samples the input is transformed ({@code B^T d B}), the 25 (or 100) GEMMs run and the
 * output transform writes {@code y} (or {@code dx}).
 *
 * <p>Taken only where it fits and pays ({@link #fits}): the kernel, stride and padding above, even input sides with
 * output sides ({@code H/2}, {@code W/2}) multiples of 4, at least {@link #MIN_CHANNELS} channels on both sides, and
 * at least {@link #MIN_COLUMNS} columns (tiles x samples) to fill the micro-kernel's tile. That leaves DCGAN28 (7x7
 * and 14x14 outputs) on the direct kernels. {@code -Dgan4j.cpu.winograd=false} ({@link #PROPERTY}) switches it off.
 *
 * <p>Winograd rounds differently from a direct sum: each output is a combination of the tile's 25 products per
 * channel pair with the transforms' coefficients (up to 8), so its rounding error is bounded by the dot-product bound
 * applied to the absolute values through the absolute transforms (WinogradConvTest derives the tolerance).
 *
 * <p>Threads: with at least {@link #MIN_SAMPLES_PER_PART} samples per thread, and transformed weights no larger than
 * a part's transformed data (each part streams them once per chunk: D64 conv4's are 50 MiB), the batch is split by
 * samples, one part per thread in its own workspace slot, each transforming and multiplying its own chunks: two
 * hand-offs per call (the weights, then the parts). Otherwise every stage of every chunk is split over the pool by
 * items (chunks as large as the transformed weights, so few: 4 hand-offs per call at D64 conv4). Each output
 * element is computed by one item in a fixed order whatever the split (a column's GEMM sum and transforms do not
 * depend on the chunk or tile it falls in), so the results do not depend on the thread count.
 */
final class WinogradConv implements AutoCloseable {
    /** System property that switches the Winograd path off ({@code -Dgan4j.cpu.winograd=false}). */
    static final String PROPERTY = "gan4j.cpu.winograd";
    /** Fewest channels on either side (a choice: below one 16-row panel most of the micro-kernel is zeros). */
    static final int MIN_CHANNELS = 16;
    /** Fewest columns (tiles x samples) of a call: the micro-kernel's tile width ({@code GAN4J_CPU_TILE}). */
    static final int MIN_COLUMNS = NativeConv.TILE;
    /** Output tile side, interpolation points per tile and tiles per transform vector. */
    private static final int TILE_SIDE = 4;
    private static final int POINTS = 25;
    private static final int LANES = 8;
    /** Unused floats after each point's block ({@code GAN4J_CPU_WINO_SKEW}: the blocks apart in the cache sets). */
    private static final int SKEW = 16;
    /** Samples per thread from which the batch is split by samples (as {@link NativeConv}'s data gradient). */
    private static final int MIN_SAMPLES_PER_PART = 4;
    /**
     * Floats of transformed input and GEMM output per chunk at least (4 MiB, within L3): a chunk may grow to the size
     * of the transformed weights, so that those are streamed once per chunk at most as often as the chunk's own data.
     */
    private static final long CHUNK_FLOATS = 1 << 20;
    /**
     * Floats of transformed input one block of GEMM columns reads at most (384 KiB of a Zen 3 core's 512 KiB L2: D64
     * conv4's 64 columns of 1024 in one block, so that each point's transformed weights are read once per chunk).
     */
    private static final long BLOCK_INPUT = 3 << 15;
    private static final int MAX_PLANS = 32;

    /** Whether the path is on in this JVM ({@link #PROPERTY}, default true). */
    static boolean enabledByProperty() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
    }

    private final NativeConv.Loop loop;
    private final int threads;
    private final Map<PlanKey, Plan> plans = new HashMap<>();
    private CpuStorage workspace;
    /** Whether calls take this path (tests switch it off to check the direct kernels). */
    boolean enabled = enabledByProperty();
    /** Passes run by this path; a test checks it is the one taken. */
    long passes;

    WinogradConv(NativeConv.Loop loop, int threads) {
        this.loop = loop;
        this.threads = threads;
    }

    /** Whether the Winograd path fits this convolution of {@code n} samples (see the class comment). */
    static boolean fits(NativeConv.Geometry g, int n) {
        return g.kh() == 4 && g.kw() == 4 && g.sh() == 2 && g.sw() == 2 && g.ph() == 1 && g.pw() == 1
                && g.h() == 2 * g.ho() && g.w() == 2 * g.wo() && g.ho() % TILE_SIDE == 0 && g.wo() % TILE_SIDE == 0
                && g.cin() >= MIN_CHANNELS && g.cout() >= MIN_CHANNELS
                && (long) n * (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE) >= MIN_COLUMNS;
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
        int parts = threads > 1 && n >= MIN_SAMPLES_PER_PART * threads
                && s.uSize <= (long) n / threads * s.perSample(g) ? threads : 1;
        Plan plan = plan(g, (n + parts - 1) / parts, data, target, s);
        if (plan == null) {
            return false;
        }
        CpuStorage ws = workspace(plan.uSize + parts * plan.slot);
        FloatPointer u = at(ws, 0);
        FloatPointer wp = at(w, wOff);
        int data01 = data ? 1 : 0;
        loop.run(plan.groups * plan.panels, (long) plan.k * PANEL * POINTS * 4,
                (f, t) -> CpuKernels.gan4j_cpu_wino_weights(wp, g.cout(), g.cin(), data01, u, f, t));
        if (parts == 1) {
            for (int n0 = 0; n0 < n; n0 += plan.nb) {
                chunk(plan, ws, plan.uSize, in, inOff, out, outOff, n0, Math.min(plan.nb, n - n0), loop);
            }
        } else {
            loop.run(parts, Long.MAX_VALUE / (4L * parts), (f, t) -> {
                for (int part = f; part < t; part++) {
                    int hi = (int) ((long) n * (part + 1) / parts);
                    long slot = plan.uSize + part * plan.slot;
                    for (int n0 = (int) ((long) n * part / parts); n0 < hi; n0 += plan.nb) {
                        chunk(plan, ws, slot, in, inOff, out, outOff, n0, Math.min(plan.nb, hi - n0), SERIAL);
                    }
                }
            });
        }
        passes++;
        return true;
    }

    private static final NativeConv.Loop SERIAL = (count, workPerItem, body) -> body.run(0, count);
    private static final int PANEL = NativeConv.PANEL;

    /** Samples {@code [n0, n0 + cnt)}: input transform, the GEMMs, output transform, each split by {@code inner}. */
    private static void chunk(Plan p, CpuStorage ws, long slot, CpuStorage in, long inOff, CpuStorage out,
            long outOff, int n0, int cnt, NativeConv.Loop inner) {
        FloatPointer u = at(ws, 0);
        FloatPointer v = at(ws, slot);
        FloatPointer mt = at(ws, slot + p.vSize);
        FloatPointer src = at(in, inOff + n0 * p.inSample);
        FloatPointer dst = at(out, outOff + n0 * p.outSample);
        int cols = cnt * p.tilesY * p.tilesX;
        int blocks = (cols + LANES - 1) / LANES;
        int data01 = p.groups == 4 ? 1 : 0;
        inner.run(p.inChannels * blocks, 4L * POINTS * LANES * 8,
                (f, t) -> CpuKernels.gan4j_cpu_wino_input(src, p.inChannels, p.inH, p.inW, data01, p.tilesY,
                        p.tilesX, cols, p.stride, v, f, t));
        int items = p.groups * POINTS * p.panels * ((cols + NativeConv.TILE - 1) / NativeConv.TILE);
        inner.run(items, 2L * p.k * PANEL * NativeConv.TILE,
                (f, t) -> CpuKernels.gan4j_cpu_wino_gemm(u, v, p.roff, p.ident, p.k, p.m, p.groups, p.stride, cols,
                        mt, p.blockTiles, f, t));
        inner.run(p.m * blocks, (long) p.groups * POINTS * LANES * 4,
                (f, t) -> CpuKernels.gan4j_cpu_wino_output(mt, p.m, data01, p.tilesY, p.tilesX, cols, p.stride, dst,
                        p.outH, p.outW, f, t));
    }

    private record PlanKey(NativeConv.Geometry g, boolean data, int nb) {
    }

    /**
     * A pass's sizes over chunks of {@code nb} samples ({@code stride = nb * tiles} columns per row of the
     * transformed input {@code v} and the GEMM output {@code mt}) and the GEMMs' tables: {@code roff[r] = r * stride}
     * over the reduction, {@code ident[j] = j} over the columns.
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
        final long uSize;
        final long vSize;
        final long slot;
        final int blockTiles;
        final IntPointer roff;
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
            uSize = s.uSize;
            vSize = (long) groups * POINTS * ((long) k * stride + SKEW);
            slot = vSize + (long) groups * POINTS * ((long) m * stride + SKEW);
            blockTiles = (int) Math.max(1, BLOCK_INPUT / ((long) k * NativeConv.TILE));
            int[] r = new int[k];
            for (int i = 0; i < k; i++) {
                r[i] = i * stride;
            }
            int[] j = new int[stride];
            for (int i = 0; i < stride; i++) {
                j[i] = i;
            }
            roff = new IntPointer(r);
            ident = new IntPointer(j);
        }

        @Override
        public void close() {
            roff.close();
            ident.close();
        }
    }

    /** The GEMMs' shape: groups, rows, reduction, and the transformed weights' floats (each point's skewed). */
    private record Sizes(int groups, int m, int k, long uSize) {
        static Sizes of(NativeConv.Geometry g, boolean data) {
            int groups = data ? 4 : 1;
            int m = data ? g.cin() : g.cout();
            int k = data ? g.cout() : 4 * g.cin();
            long point = (long) (m + PANEL - 1) / PANEL * PANEL * k + SKEW;
            return new Sizes(groups, m, k, groups * POINTS * point);
        }

        /** Floats of transformed input and GEMM output per sample. */
        long perSample(NativeConv.Geometry g) {
            return (long) groups * POINTS * (k + m) * (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE);
        }
    }

    /**
     * The plan for chunks of at most {@code n} samples, as many as fit {@link #CHUNK_FLOATS} (or the transformed
     * weights' size, if larger) and the backend's workspace target; null when an offset the kernels form as an int
     * would overflow.
     */
    private Plan plan(NativeConv.Geometry g, int n, boolean data, long target, Sizes s) {
        long perSample = s.perSample(g);
        long limit = Math.min(Math.max(CHUNK_FLOATS, s.uSize), target);
        int nb = (int) Math.max(1, Math.min(n, limit / perSample));
        long stride = (long) nb * (g.ho() / TILE_SIDE) * (g.wo() / TILE_SIDE);
        long inChunk = (long) nb * (data ? g.cout() * g.ho() * g.wo() : g.cin() * g.h() * g.w());
        if ((long) s.k * stride >= Integer.MAX_VALUE || (long) s.m * stride >= Integer.MAX_VALUE
                || inChunk >= Integer.MAX_VALUE) {
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

    @Override
    public void close() {
        plans.values().forEach(Plan::close);
        plans.clear();
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }
}
