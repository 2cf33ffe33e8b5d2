package org.gan4j.backend;

import org.gan4j.tensor.Shape;

/**
 * Stride and zero padding of a 2-D convolution (dilation 1, one group), as in PyTorch's {@code Conv2d}.
 * For input {@code x: (N, Cin, H, W)} and weight {@code w: (Cout, Cin, kH, kW)} the output is
 * {@code (N, Cout, Ho, Wo)} with {@code Ho = floor((H + 2*padH - kH) / strideH) + 1} (likewise {@code Wo}).
 */
public record ConvParams(int strideH, int strideW, int padH, int padW) {
    public ConvParams {
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("stride must be >= 1 and padding >= 0, got stride (" + strideH + ", "
                    + strideW + ") padding (" + padH + ", " + padW + ")");
        }
    }

    /** Square stride and padding. */
    public static ConvParams of(int stride, int padding) {
        return new ConvParams(stride, stride, padding, padding);
    }

    /** Output shape of a convolution of {@code x} by {@code w}; throws if they do not fit together. */
    public Shape outputShape(Shape x, Shape w) {
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException("convolution wants x (N, Cin, H, W) and w (Cout, Cin, kH, kW), got x "
                    + x + " and w " + w);
        }
        if (x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("input has " + x.dim(1) + " channels but weight " + w
                    + " expects Cin = " + w.dim(1));
        }
        int ho = outSize(x.dim(2), w.dim(2), strideH, padH);
        int wo = outSize(x.dim(3), w.dim(3), strideW, padW);
        if (ho < 1 || wo < 1) {
            throw new IllegalArgumentException("kernel " + w.dim(2) + "x" + w.dim(3) + " with padding (" + padH + ", "
                    + padW + ") does not fit input " + x + ": output would be " + ho + "x" + wo);
        }
        return Shape.of(x.dim(0), w.dim(0), ho, wo);
    }

    static int outSize(int in, int k, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - k, stride) + 1;
    }
}
