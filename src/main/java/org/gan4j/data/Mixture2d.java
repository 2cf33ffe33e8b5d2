package org.gan4j.data;

import java.util.Objects;
import java.util.Random;
import org.gan4j.tensor.Shape;

/**
 * A mixture of equally weighted isotropic 2-D Gaussians, the toy distribution of the mode-collapse literature
 * (Unrolled GAN, VEEGAN, PacGAN), as a dataset of {@code n} points drawn with a seed.
 *
 * <ul>
 *   <li>{@link #ring}: {@code K} modes on a circle, mode {@code k} at {@code r (cos(2 pi k / K), sin(2 pi k / K))};
 *       the standard one is {@link #ring8}: K = 8, r = 1, std 0.01.</li>
 *   <li>{@link #grid}: {@code m x m} modes at {@code spacing * (i - (m - 1) / 2)} in each coordinate; the standard
 *       one is {@link #grid25}: m = 5, spacing 2 (modes at {-4, -2, 0, 2, 4}^2), std 0.05.</li>
 * </ul>
 *
 * <p>Sampling: point {@code i} picks a mode uniformly and adds {@code std * N(0, I_2)}, both from one
 * {@link java.util.Random} seeded with {@code seed} (its algorithm is fixed by the Java specification, so the points
 * are the same on every JVM). Samples have shape {@code (2,)} and are the raw coordinates (not scaled); the label of a
 * point is the index of the mode it was drawn from.
 *
 * <p><b>Threads.</b> Immutable once built, and safe to read from several threads.
 */
public final class Mixture2d implements Dataset {
    private final String name;
    private final double[][] modes;
    private final double std;
    private final float[] points;
    private final byte[] labels;

    private Mixture2d(String name, double[][] modes, double std, int n, long seed) {
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("std must be a positive finite number, got " + std);
        }
        if (n < 1) {
            throw new IllegalArgumentException("number of points must be >= 1, got " + n);
        }
        if (modes.length < 1 || modes.length > 256) {
            throw new IllegalArgumentException("need 1 to 256 modes, got " + modes.length);
        }
        if ((long) n * 2 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many points for one array: " + n);
        }
        this.name = name;
        this.modes = modes;
        this.std = std;
        this.points = new float[2 * n];
        this.labels = new byte[n];
        Random rng = new Random(seed);
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(modes.length);
            labels[i] = (byte) k;
            points[2 * i] = (float) (modes[k][0] + std * rng.nextGaussian());
            points[2 * i + 1] = (float) (modes[k][1] + std * rng.nextGaussian());
        }
    }

    /** The standard ring: 8 modes on the unit circle, std 0.01. */
    public static Mixture2d ring8(int n, long seed) {
        return ring(8, 1.0, 0.01, n, seed);
    }

    /** The standard grid: 25 modes at {-4, -2, 0, 2, 4}^2, std 0.05. */
    public static Mixture2d grid25(int n, long seed) {
        return grid(5, 2.0, 0.05, n, seed);
    }

    /** {@code numModes} modes on a circle of {@code radius}, mode k at angle {@code 2 pi k / numModes}. */
    public static Mixture2d ring(int numModes, double radius, double std, int n, long seed) {
        if (numModes < 1 || !(radius > 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("a ring needs numModes >= 1 and a positive finite radius, got "
                    + numModes + " modes, radius " + radius);
        }
        double[][] modes = new double[numModes][];
        for (int k = 0; k < numModes; k++) {
            double a = 2 * Math.PI * k / numModes;
            modes[k] = new double[] {radius * Math.cos(a), radius * Math.sin(a)};
        }
        return new Mixture2d("ring of " + numModes + " Gaussians (radius " + radius + ", std " + std + ")", modes,
                std, n, seed);
    }

    /**
     * {@code perSide x perSide} modes on a grid centred at the origin, {@code spacing} apart; mode
     * {@code k = i * perSide + j} at {@code (spacing (i - (perSide-1)/2), spacing (j - (perSide-1)/2))}.
     */
    public static Mixture2d grid(int perSide, double spacing, double std, int n, long seed) {
        if (perSide < 1 || perSide > 16 || !(spacing > 0) || Double.isInfinite(spacing)) {
            throw new IllegalArgumentException("a grid needs 1 <= perSide <= 16 and a positive finite spacing, got "
                    + perSide + " per side, spacing " + spacing);
        }
        double[][] modes = new double[perSide * perSide][];
        double c = (perSide - 1) / 2.0;
        for (int i = 0; i < perSide; i++) {
            for (int j = 0; j < perSide; j++) {
                modes[i * perSide + j] = new double[] {spacing * (i - c), spacing * (j - c)};
            }
        }
        return new Mixture2d(perSide + "x" + perSide + " grid of Gaussians (spacing " + spacing + ", std " + std
                + ")", modes, std, n, seed);
    }

    /** The mode centres, {@code (K, 2)}: a copy. */
    public double[][] modes() {
        double[][] m = new double[modes.length][];
        for (int k = 0; k < modes.length; k++) {
            m[k] = modes[k].clone();
        }
        return m;
    }

    /** Number of modes K. */
    public int numModes() {
        return modes.length;
    }

    /** Standard deviation of each coordinate around its mode. */
    public double std() {
        return std;
    }

    /** All points, {@code (n, 2)} row-major: a copy. */
    public float[] points() {
        return points.clone();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Shape sampleShape() {
        return Shape.of(2);
    }

    @Override
    public void get(int index, float[] dst, int dstOffset) {
        Objects.checkIndex(index, labels.length);
        Objects.checkFromIndexSize(dstOffset, 2, dst.length);
        dst[dstOffset] = points[2 * index];
        dst[dstOffset + 1] = points[2 * index + 1];
    }

    @Override
    public boolean hasLabels() {
        return true;
    }

    @Override
    public int label(int index) {
        return labels[Objects.checkIndex(index, labels.length)] & 0xFF;
    }

    @Override
    public int numClasses() {
        return modes.length;
    }

    @Override
    public String description() {
        return name + ": " + labels.length + " points";
    }
}
