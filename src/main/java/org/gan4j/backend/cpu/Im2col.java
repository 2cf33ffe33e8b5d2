package org.gan4j.backend.cpu;

/**
 * The lowering of a 2-D convolution to a matrix product, for a chunk of {@code nb} samples.
 *
 * <p>The column matrix {@code col} has {@code K = Cin*kH*kW} rows (row {@code (c*kH + i)*kW + j}) and
 * {@code nb*Ho*Wo} columns (column {@code s*Ho*Wo + oh*Wo + ow} for sample {@code s} of the chunk); entry =
 * {@code x[s, c, oh*strideH - padH + i, ow*strideW - padW + j]}, or 0 where that falls in the padding. Then
 * {@code y = w (Cout x K) * col}. Each (sample, channel) pair touches its own rows/plane only, so pairs can run in
 * parallel without races and the result does not depend on the split.
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
    }

    /** Rows of the column matrix. */
    int k() {
        return cin * kh * kw;
    }

    /** Output positions per sample. */
    int p() {
        return ho * wo;
    }

    /**
     * Fills the rows of channel {@code c} and the columns of chunk sample {@code s} of {@code col} (leading dimension
     * {@code ldc} = nb*Ho*Wo) from {@code x}, whose sample {@code s} starts at element {@code s*Cin*H*W}.
     */
    void im2col(Acc x, int s, int c, Acc col, int ldc) {
        int plane = (s * cin + c) * h * w;
        int p = p();
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                int rowStart = ((c * kh + i) * kw + j) * ldc + s * p;
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * sh - ph + i;
                    int dst = rowStart + oh * wo;
                    if (ih < 0 || ih >= h) {
                        for (int ow = 0; ow < wo; ow++) {
                            col.set(dst + ow, 0);
                        }
                        continue;
                    }
                    int src = plane + ih * w;
                    for (int ow = 0; ow < wo; ow++) {
                        int iw = ow * sw - pw + j;
                        col.set(dst + ow, iw >= 0 && iw < w ? x.get(src + iw) : 0);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: overwrites the plane of chunk sample {@code s}, channel {@code c} of {@code dx}
     * with the sum of the column entries that read each input position (positions no window reads become 0).
     */
    void col2im(Acc col, int ldc, int s, int c, Acc dx) {
        int plane = (s * cin + c) * h * w;
        for (int e = 0; e < h * w; e++) {
            dx.set(plane + e, 0);
        }
        int p = p();
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                int rowStart = ((c * kh + i) * kw + j) * ldc + s * p;
                for (int oh = 0; oh < ho; oh++) {
                    int ih = oh * sh - ph + i;
                    if (ih < 0 || ih >= h) {
                        continue;
                    }
                    int src = rowStart + oh * wo;
                    int dst = plane + ih * w;
                    for (int ow = 0; ow < wo; ow++) {
                        int iw = ow * sw - pw + j;
                        if (iw >= 0 && iw < w) {
                            dx.add(dst + iw, col.get(src + ow));
                        }
                    }
                }
            }
        }
    }
}
