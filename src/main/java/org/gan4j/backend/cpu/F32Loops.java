package org.gan4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gan4j.backend.Activation;

/**
 * F32 fast paths of the CPU backend's memory-bound ops (bias + activation, training-mode batch norm): the same
 * formulas as the reference loops in {@link CpuBackend}, evaluated in double in the same order and rounded once on
 * store, so the results are identical; only the data movement differs. Each op moves a channel's (or a plane's)
 * values between the off-heap buffer and Java arrays in bulk, reads its input once instead of once per pass, and
 * picks the activation once per array instead of once per element. Scratch arrays belong to the caller (one set per
 * worker range), so the methods are safe to run on disjoint channels from several threads.
 */
final class F32Loops {
    private F32Loops() {
    }

    /** {@code out[i] = (float) act(t[i])} for {@code i < n}. */
    static void activate(Activation act, double[] t, float[] out, int n) {
        switch (act.kind()) {
            case IDENTITY -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) t[i];
                }
            }
            case RELU -> {
                // max(v, 0) is the reference's v > 0 ? v : 0 without a data-dependent branch (half the values are
                // negative, so a branch mispredicts half the time); only NaN differs, and is mapped to 0 as there.
                for (int i = 0; i < n; i++) {
                    double r = Math.max(t[i], 0.0);
                    out[i] = (float) (r == r ? r : 0);
                }
            }
            case LEAKY_RELU -> {
                // The reference's expression as written: max(v, slope v), branch-free, differs at v = +infinity with
                // slope 0 (0 * infinity is NaN).
                double slope = act.slope();
                for (int i = 0; i < n; i++) {
                    double v = t[i];
                    out[i] = (float) (v > 0 ? v : slope * v);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) act.apply(t[i]);
                }
            }
        }
    }

    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    /**
     * All ones when {@code y > 0} (a positive number or +infinity), else 0 (zeros of either sign, negatives, NaN),
     * computed on the bits without a branch: {@code y > 0} exactly when its bit pattern {@code b}, read as an int,
     * satisfies {@code 0 < b <= 0x7F800000}.
     */
    static int positiveMask(float y) {
        int b = Float.floatToRawIntBits(y);
        return (-b >> 31) & (((b - 1) - 0x7F800000) >> 31);
    }

    /** {@code dz[i] = dy[i] * act'(y[i])} (derivative from the output) for {@code i < n}. */
    static void activationGrad(Activation act, float[] y, float[] dy, double[] dz, int n) {
        switch (act.kind()) {
            case IDENTITY -> {
                for (int i = 0; i < n; i++) {
                    dz[i] = dy[i];
                }
            }
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    dz[i] = dy[i] * (double) Float.intBitsToFloat(positiveMask(y[i]) & ONE_BITS);
                }
            }
            case LEAKY_RELU -> {
                int slopeBits = Float.floatToRawIntBits(act.slope());
                for (int i = 0; i < n; i++) {
                    int m = positiveMask(y[i]);
                    dz[i] = dy[i] * (double) Float.intBitsToFloat((m & ONE_BITS) | (~m & slopeBits));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    dz[i] = dy[i] * act.derivativeFromOutput(y[i]);
                }
            }
        }
    }

    /** Reads channel {@code c}'s {@code n} planes of {@code spatial} values (stride {@code channels} planes). */
    static void gather(FloatBuffer b, int off, int n, int channels, int spatial, int c, float[] out) {
        if (spatial == 1) {
            for (int s = 0; s < n; s++) {
                out[s] = b.get(off + s * channels + c);
            }
            return;
        }
        for (int s = 0; s < n; s++) {
            b.get(off + (s * channels + c) * spatial, out, s * spatial, spatial);
        }
    }

    /** The inverse of {@link #gather}. */
    static void scatter(float[] in, FloatBuffer b, int off, int n, int channels, int spatial, int c) {
        if (spatial == 1) {
            for (int s = 0; s < n; s++) {
                b.put(off + s * channels + c, in[s]);
            }
            return;
        }
        for (int s = 0; s < n; s++) {
            b.put(off + (s * channels + c) * spatial, in, s * spatial, spatial);
        }
    }

    /** Scratch for one worker of the per-channel ops: three float and one double array of {@code count}. */
    static final class Scratch {
        final float[] a;
        final float[] b;
        final float[] c;
        final double[] d;

        Scratch(int count) {
            a = new float[count];
            b = new float[count];
            c = new float[count];
            d = new double[count];
        }
    }
}
