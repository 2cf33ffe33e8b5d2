package org.gan4j.backend.cpu;

import java.util.function.LongFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The filter gradient of 4x4 / stride 2 / pad 1 convolutions (every large DCGAN64 layer, and G64's transposed ones
 * with {@code x} and {@code dy} exchanged) by Winograd's F(2x2, 4x4), for {@link NativeConv#backwardFilter}: 25
 * multiplications per 2x2 taps of a 4x4 tile where the direct sum takes 64, 2.56x fewer. The formulas, transform
 * matrices and layouts are in {@code src/main/cpp/cpu/gan4j_cpu_winograd_filter.h}; in short, the kernel splits into
 * its 4 stride phases of 2x2 taps, {@code w_p[j][i] = w[2j + ph][2i + pw]}, each a stride-1 correlation of the phase
 * input {@code x_p[a][b] = x[2a + ph - 1][2b + pw - 1]}, and
 * <pre>
 *   dw_p[co][ci] += A^T [ sum_{n, tile} (G dy_tile G^T) (.) (B^T x_p,tile B) ] A,
 * </pre>
 * with {@code dy_tile} 4x4, {@code x_p,tile} 5x5 and 25 transform points; the sum over samples and tiles is one GEMM
 * per point, {@code (Cout x R) (R x 4 Cin)}, through {@code gan4j_cpu_igemm}.
 *
 * <p>The batch is cut into chunks of samples fixed by the geometry and the workspace target (of equal size, at most
 * {@link #CHUNK_REDUCTION} samples x tiles each, never set by the thread count); per chunk one hand-off to the pool
 * transforms {@code x} and {@code dy} (items: sample x 8 channels) and one runs the GEMMs and the inverse transform
 * (items: 12 input channels x 16 output channels, each adding all 16 taps of its own {@code dw} elements). Every
 * {@code dw} element is thus the chunks' sums added in order, each summed in a fixed order: the bits do not depend on
 * the thread count.
 *
 * <p>Taken only where it fits and pays ({@link #applies}); {@code -Dgan4j.cpu.winograd=false} switches it off. Every
 * size and offset is checked here before crossing into native code.
 */
final class WinogradFilter implements AutoCloseable {
    /** System property that switches the Winograd kernels off ({@code -Dgan4j.cpu.winograd=false}). */
    static final String PROPERTY = "gan4j.cpu.winograd";
    /** Output tile side and transform points ({@code GAN4J_CPU_WF_TILE}, {@code GAN4J_CPU_WF_POINTS}). */
    static final int TILE = 4;
    static final int POINTS = 25;
    /** Pixels per input plane at most ({@code GAN4J_CPU_WF_MAX_PLANE}: the transforms interleave 8 on the stack). */
    static final int MAX_PLANE = 4096;
    /** Columns per item of the point GEMMs ({@code GAN4J_CPU_WF_BLOCK}): the 4 phases of 12 input channels. */
    private static final int BLOCK = 48;
    /**
     * Fewest input and output channels (a choice, not measured): below 16 output channels most of each 16-row panel of
     * the GEMMs is zeros, and below 16 input channels (64 GEMM columns) the transforms' share of the work grows.
     */
    static final int MIN_CHANNELS = 16;
    /**
     * Fewest samples x tiles (the GEMMs' reduction) for which the Winograd path is taken: its cost per output element
     * (the tiles' stores of 25 GEMMs, the inverse transform, adding to {@code dw}) does not shrink with the reduction.
     * Measured on D64's conv4 (one tile per sample, one thread, CPU time, load 6-8): batch 32 26.3 ms vs 29.2 ms
     * direct; batch 16 about 21 ms (the kernels alone) vs 14.8 ms direct.
     */
    static final int MIN_REDUCTION = 32;
    /** Samples x tiles per chunk at most: a panel of one point's transformed {@code dy} is 16 KiB, kept in L1. */
    private static final int CHUNK_REDUCTION = 256;

    private final NativeConv.Loop loop;
    private final IntPointer ident;
    /**
     * The tables of the last chunk layout used ({@code rmax} reductions, {@code J} columns): {@code roff[r] = 8 r} and
     * {@code base[j] = (j / 8) * rmax * 8 + j % 8}, the transformed input's offsets by groups of 8 columns.
     */
    private IntPointer roff;
    private IntPointer base;
    private long tableRows;
    private long tableColumns;
    /** Passes run by this instance; a test checks the path is the one taken where it applies. */
    long passes;
    /** Whether calls take this path ({@link #PROPERTY} when the backend is created; tests switch it). */
    boolean enabled = enabledByProperty();

    WinogradFilter(NativeConv.Loop loop) {
        this.loop = loop;
        int[] id = new int[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            id[i] = i;
        }
        ident = new IntPointer(id);
    }

    /** Whether {@code -Dgan4j.cpu.winograd} leaves the Winograd kernels on now (default on). */
    static boolean enabledByProperty() {
        return switchedOn(System.getProperty(PROPERTY));
    }

    /** Whether {@code value}, the property's value (null when unset), leaves the kernels on: all but "false". */
    static boolean switchedOn(String value) {
        return !"false".equalsIgnoreCase(value);
    }

    /**
     * Whether this filter gradient takes the Winograd path: a 4x4 kernel, stride 2, padding 1, output sides multiples
     * of {@link #TILE}, at least {@link #MIN_CHANNELS} channels on each side, {@link #MIN_REDUCTION} samples x tiles,
     * input planes of at most {@link #MAX_PLANE} pixels. (Leaves DCGAN28, whose 7x7 outputs are no
     * multiple of 4, on the direct kernels.)
     */
    static boolean applies(NativeConv.Geometry g, int n) {
        return g.k4s2p1() && g.ho() % TILE == 0 && g.wo() % TILE == 0 && g.ho() > 0 && g.wo() > 0
                && g.cin() >= MIN_CHANNELS && g.cout() >= MIN_CHANNELS && (long) g.h() * g.w() <= MAX_PLANE
                && (long) n * tiles(g) >= MIN_REDUCTION;
    }

    private static int tiles(NativeConv.Geometry g) {
        return (g.ho() / TILE) * (g.wo() / TILE);
    }

    /**
     * {@code dw += corr(x, dy)} for a geometry that {@link #applies}, or false (nothing done) when its offsets would
     * not fit an int; {@code workspace} gives a buffer of at least the floats asked for (about {@code target}).
     */
    boolean backwardFilter(NativeConv.Geometry g, int n, CpuStorage x, long xOff, CpuStorage dy, long dyOff,
            CpuStorage dw, long dwOff, long target, LongFunction<CpuStorage> workspace) {
        int tiles = tiles(g);
        int panels = (g.cout() + 15) / 16;
        int columns = 4 * g.cin();
        long groupColumns = (columns + 7L) / 8 * 8;
        long perSample = POINTS * tiles * (groupColumns + 16L * panels);
        int most = (int) Math.max(1, Math.min(Math.min(n, Math.max(1, CHUNK_REDUCTION / tiles)), target / perSample));
        int chunks = (n + most - 1) / most;
        int nb = (n + chunks - 1) / chunks; // chunks of equal size: no short last reduction
        long rmax = (long) nb * tiles;
        long xPlane = (long) g.h() * g.w();
        long dyPlane = (long) g.ho() * g.wo();
        if (!fitsInt(rmax * groupColumns) || !fitsInt((long) g.cout() * g.cin() * 16)) {
            return false;
        }
        long xhSize = POINTS * rmax * groupColumns;
        CpuStorage ws = workspace.apply(xhSize + POINTS * panels * rmax * 16);
        FloatPointer xh = at(ws, 0);
        FloatPointer dyh = at(ws, xhSize);
        FloatPointer dws = at(dw, dwOff);
        tables(rmax, columns);
        int inGroups = (g.cin() + 7) / 8;
        int blocks = (g.cin() + BLOCK / 4 - 1) / (BLOCK / 4);
        long transformWork = (long) tiles * 4 * POINTS * 8;
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            int r = cnt * tiles;
            FloatPointer xs = at(x, xOff + n0 * (long) g.cin() * xPlane);
            FloatPointer dys = at(dy, dyOff + n0 * (long) g.cout() * dyPlane);
            loop.run(cnt * (inGroups + 2 * panels), transformWork, (f, t) -> CpuKernels.gan4j_cpu_wf_transform(xs, dys,
                    cnt, g.cin(), g.h(), g.w(), g.cout(), g.ho(), g.wo(), rmax, xh, dyh, f, t));
            loop.run(blocks * panels, 2L * POINTS * r * 16 * BLOCK, (f, t) -> CpuKernels.gan4j_cpu_wf_gemm(xh, dyh,
                    g.cin(), g.cout(), rmax, r, roff, base, ident, dws, f, t));
        }
        passes++;
        return true;
    }

    /** Makes {@link #roff} and {@link #base} for {@code rmax} reductions and {@code columns}, unless they are. */
    private void tables(long rmax, int columns) {
        if (roff != null && tableRows == rmax && tableColumns == columns) {
            return;
        }
        closeTables();
        int[] r = new int[(int) rmax];
        for (int i = 0; i < rmax; i++) {
            r[i] = 8 * i;
        }
        int[] b = new int[columns];
        for (int j = 0; j < columns; j++) {
            b[j] = (int) (j / 8 * rmax * 8 + j % 8);
        }
        roff = new IntPointer(r);
        base = new IntPointer(b);
        tableRows = rmax;
        tableColumns = columns;
    }

    private void closeTables() {
        if (roff != null) {
            roff.close();
            base.close();
            roff = null;
            base = null;
        }
    }

    private static boolean fitsInt(long elements) {
        return elements < Integer.MAX_VALUE;
    }

    private static FloatPointer at(CpuStorage s, long offset) {
        return (FloatPointer) s.pointerAt(offset);
    }

    @Override
    public void close() {
        ident.close();
        closeTables();
    }
}
