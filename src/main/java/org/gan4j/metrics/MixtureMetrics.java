package org.gan4j.metrics;

import java.util.Objects;
import org.gan4j.data.Mixture2d;

/**
 * Mode-collapse metrics for points generated to match a 2-D Gaussian mixture of K modes with standard deviation
 * {@code std}, following the protocol of VEEGAN (Srivastava et al., NeurIPS 2017, section 5.1) as used by PacGAN
 * (Lin et al., NeurIPS 2018, section 5, 2D-ring and 2D-grid experiments):
 *
 * <ul>
 *   <li>Each point is assigned to its nearest mode (Euclidean distance; ties go to the lower mode index).</li>
 *   <li>A point is <b>high quality</b> when that distance is at most {@code 3 std}.</li>
 *   <li>A mode is <b>covered</b> (PacGAN: "captured") when at least one high-quality point is assigned to it.</li>
 *   <li>{@code highQualityFraction} = high-quality points / all points.</li>
 *   <li><b>Reverse KL</b>: with {@code c_k} the number of high-quality points assigned to mode k and
 *       {@code C = sum_k c_k}, the histogram {@code q_k = c_k / C} is compared with the uniform distribution
 *       {@code u_k = 1/K}: {@code KL(q || u) = sum_k q_k ln(q_k K) = ln K + sum_k q_k ln q_k} in nats, where a term
 *       with {@code q_k = 0} is 0 (the limit of {@code q ln q}), so empty modes need no smoothing. It is 0 when the
 *       high-quality points are spread evenly and {@code ln K} when they all sit on one mode. When there is no
 *       high-quality point ({@code C = 0}) q is undefined and the value is {@code NaN}.</li>
 * </ul>
 *
 * <p>For points drawn from the mixture itself, a point falls within 3 std of its own mode with probability
 * {@code 1 - exp(-9/2) = 98.9%} (the distance over std is Rayleigh distributed in 2-D), so about 98.9% are high
 * quality. Non-finite coordinates count as points that are not high quality.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state; results are immutable.
 */
public final class MixtureMetrics {
    private MixtureMetrics() {
    }

    /**
     * The metrics of one set of points.
     *
     * @param numPoints           number of points evaluated
     * @param numModes            K
     * @param modesCovered        modes with at least one high-quality point, in [0, K]
     * @param highQualityFraction high-quality points / numPoints, in [0, 1]
     * @param reverseKl           KL(q || uniform) in nats, in [0, ln K]; NaN when no point is high quality
     * @param highQualityPerMode  c_k: high-quality points assigned to each mode, length K
     */
    public record Result(int numPoints, int numModes, int modesCovered, double highQualityFraction,
            double reverseKl, int[] highQualityPerMode) {
        /** For logs, for example {@code "modes 8/8, high quality 98.9%, reverse KL 0.0012"}. */
        @Override
        public String toString() {
            return String.format("modes %d/%d, high quality %.1f%%, reverse KL %.4f (%d points)", modesCovered,
                    numModes, 100 * highQualityFraction, reverseKl, numPoints);
        }
    }

    /** Scores {@code points}, {@code (n, 2)} row-major with n >= 1, against the modes and std of {@code mixture}. */
    public static Result evaluate(float[] points, Mixture2d mixture) {
        return evaluate(points, mixture.modes(), mixture.std());
    }

    /** Scores {@code points}, {@code (n, 2)} row-major, against {@code modes} {@code (K, 2)} of deviation std. */
    public static Result evaluate(float[] points, double[][] modes, double std) {
        Objects.requireNonNull(points, "points");
        if (points.length == 0 || points.length % 2 != 0) {
            throw new IllegalArgumentException("points must be (n, 2) row-major with n >= 1: got " + points.length
                    + " floats; pass an even, non-zero number");
        }
        if (modes.length == 0 || !(std > 0)) {
            throw new IllegalArgumentException("need at least one mode and std > 0, got " + modes.length
                    + " modes and std " + std);
        }
        int k = modes.length;
        int n = points.length / 2;
        double limit2 = 9 * std * std; // (3 std)^2: compare squared distances
        int[] counts = new int[k];
        int hq = 0;
        for (int i = 0; i < n; i++) {
            double x = points[2 * i];
            double y = points[2 * i + 1];
            int best = -1;
            double bestD2 = Double.POSITIVE_INFINITY;
            for (int m = 0; m < k; m++) {
                double dx = x - modes[m][0];
                double dy = y - modes[m][1];
                double d2 = dx * dx + dy * dy;
                if (d2 < bestD2) {
                    bestD2 = d2;
                    best = m;
                }
            }
            if (best >= 0 && bestD2 <= limit2) { // NaN coordinates leave best = -1
                counts[best]++;
                hq++;
            }
        }
        int covered = 0;
        double kl = Double.NaN;
        if (hq > 0) {
            kl = Math.log(k);
            for (int c : counts) {
                if (c > 0) {
                    covered++;
                    double q = (double) c / hq;
                    kl += q * Math.log(q);
                }
            }
            kl = Math.max(0.0, kl); // rounding can give -1e-17 for a perfectly even histogram
        }
        return new Result(n, k, covered, (double) hq / n, kl, counts);
    }
}
