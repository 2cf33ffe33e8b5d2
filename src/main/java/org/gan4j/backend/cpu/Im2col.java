package org.gan4j.backend.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The lowering of a 2-D convolution to a matrix product, for a chunk of {@code nb} samples.
 *
 * <p>The column matrix {@code col} has {@code K = Cin*kH*kW} rows (row {@code (c*kH + i)*kW + j}) and
 * {@code nb*Ho*Wo} columns (column {@code s*Ho*Wo + oh*Wo + ow} for sample {@code s} of the chunk); entry =
 * {@code x[s, c, oh*strideH - padH + i, ow*strideW - padW + j]}, or 0 where that falls in the padding. Then
 * {@code y = w (Cout x K) * col}. Each (sample, channel) pair touches its own rows/plane only, so pairs can run in
 * parallel without races and the result does not depend on the split.
 *
 * <p>{@link #im2colF32} and {@link #col2imF32} move whole input planes and column rows in bulk between the off-heap
 * buffers and Java arrays and loop over plain arrays with the padding bounds hoisted out; the convolution they serve
 * is tested against the direct loops of {@link ReferenceBackend}.
 */
final class Im2col {
    final int cin, h, w, kh, kw, sh, sw, ph, pw, ho, wo;

    Im2col(int cin, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo) {
        this.cin = cin;
        this.h = h;
        this.w = w;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        this.ho = ho;
        this.wo = wo;
        this.table = buildTable();
    }

    /** Rows of the column matrix. */
    int k() {
        return cin * kh * kw;
    }

    /** Output positions per sample. */
    int p() {
        return ho * wo;
    }

    /** See {@link #buildTable()}; built once per lowering, read-only, shared by the worker threads. */
    private final int[] table;

    /** Width and height of an input plane with its zero padding around it. */
    private int paddedW() {
        return w + 2 * pw;
    }

    private int paddedH() {
        return h + 2 * ph;
    }

    /**
     * The F32 paths' index table: entry {@code ((i*kW + j)*Ho + oh)*Wo + ow} is the index, in the zero-padded
     * plane, of the input that column-matrix row {@code (i, j)} reads at output {@code (oh, ow)}. Every window lies
     * inside the padded plane ({@code (Ho-1)*strideH + kH <= H + 2 padH}), so the copy needs no bounds tests.
     */
    private int[] buildTable() {
        int p = p();
        int wp = paddedW();
        int[] t = new int[kh * kw * p];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        t[(i * kw + j) * p + oh * wo + ow] = (oh * sh + i) * wp + ow * sw + j;
                    }
                }
            }
        }
        return t;
    }

    /** Scratch sizes for the F32 paths: one input plane, one zero-padded plane, {@code kH*kW} rows of {@code Ho*Wo}. */
    int planeScratch() {
        return h * w;
    }

    int paddedScratch() {
        return paddedH() * paddedW();
    }

    int rowsScratch() {
        return kh * kw * p();
    }

    /**
     * Fills the rows of channel {@code c} and the columns of chunk sample {@code s} of {@code col} (leading dimension
     * {@code ldc} = nb*Ho*Wo): {@code x} holds the chunk's samples from element {@code xOff}, {@code col} the column
     * matrix from element 0. Scratch: {@code plane} ({@link #planeScratch()}), {@code padded}
     * ({@link #paddedScratch()}, zero when first given: only its interior is ever written, so its border stays zero)
     * and {@code rows} ({@link #rowsScratch()}).
     */
    void im2colF32(FloatBuffer x, int xOff, int s, int c, FloatBuffer col, int ldc, float[] plane, float[] padded,
            float[] rows) {
        int[] t = table;
        int wp = paddedW();
        x.get(xOff + (s * cin + c) * h * w, plane, 0, h * w);
        for (int r = 0; r < h; r++) {
            System.arraycopy(plane, r * w, padded, (r + ph) * wp + pw, w);
        }
        for (int e = 0; e < t.length; e++) {
            rows[e] = padded[t[e]];
        }
        int p = p();
        for (int ij = 0; ij < kh * kw; ij++) {
            col.put((c * kh * kw + ij) * ldc + s * p, rows, ij * p, p);
        }
    }

    /**
     * The adjoint of {@link #im2colF32}: overwrites the plane of chunk sample {@code s}, channel {@code c} of
     * {@code dx} (whose chunk starts at element {@code dxOff}) with the sum of the column entries that read each input
     * position; scratch as in {@link #im2colF32} (any contents). Each input position receives its terms in a fixed
     * order (row (i, j), then output position); terms that fall in the padding
     * land on the padded border and are dropped.
     */
    void col2imF32(FloatBuffer col, int ldc, int s, int c, FloatBuffer dx, int dxOff, float[] plane, float[] padded,
            float[] rows) {
        int[] t = table;
        int wp = paddedW();
        int p = p();
        for (int ij = 0; ij < kh * kw; ij++) {
            col.get((c * kh * kw + ij) * ldc + s * p, rows, ij * p, p);
        }
        Arrays.fill(padded, 0, paddedScratch(), 0f);
        for (int e = 0; e < t.length; e++) {
            padded[t[e]] += rows[e];
        }
        for (int r = 0; r < h; r++) {
            System.arraycopy(padded, (r + ph) * wp + pw, plane, r * w, w);
        }
        dx.put(dxOff + (s * cin + c) * h * w, plane, 0, h * w);
    }
}
