package org.gan4j.metrics;

/**
 * Softmax cross-entropy from logits, computed on the host in double (the Backend has no such op; the classifier
 * trained with it is off every hot path). PyTorch {@code F.cross_entropy(logits, labels)} with mean reduction.
 *
 * <p>Shapes: {@code logits (N, K)} row-major, {@code labels (N)} in [0, K). With the stable log-sum-exp
 * {@code lse_n = m_n + ln sum_k exp(z_nk - m_n)}, {@code m_n = max_k z_nk}:
 * <pre>
 *   loss       = (1/N) sum_n (lse_n - z_{n, y_n})
 *   dlogits_nk = (softmax(z_n)_k - [k == y_n]) / N,   softmax(z_n)_k = exp(z_nk - lse_n)
 * </pre>
 * Subtracting the row maximum keeps every {@code exp} argument at most 0, so nothing overflows for any finite logits.
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * Mean loss over the {@code n} rows, writing the gradient with respect to the logits into {@code dlogits}
     * (overwritten, same layout as {@code logits}; may be {@code logits} itself).
     *
     * @throws IllegalArgumentException when the array lengths do not match {@code n * classes}, a label is out of
     *                                  range or a logit is not finite
     */
    public static double lossAndGradient(double[] logits, int[] labels, int n, int classes, double[] dlogits) {
        check(logits, labels, n, classes);
        if (dlogits.length != (long) n * classes) {
            throw new IllegalArgumentException("dlogits must have n * classes = " + n + " * " + classes + " = "
                    + (long) n * classes + " elements, got " + dlogits.length);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            int row = i * classes;
            double lse = logSumExp(logits, row, classes);
            total += lse - logits[row + labels[i]];
            for (int k = 0; k < classes; k++) {
                double p = Math.exp(logits[row + k] - lse);
                dlogits[row + k] = (p - (k == labels[i] ? 1 : 0)) / n;
            }
        }
        return total / n;
    }

    /** The mean loss only; see {@link #lossAndGradient}. */
    public static double loss(double[] logits, int[] labels, int n, int classes) {
        check(logits, labels, n, classes);
        double total = 0;
        for (int i = 0; i < n; i++) {
            int row = i * classes;
            total += logSumExp(logits, row, classes) - logits[row + labels[i]];
        }
        return total / n;
    }

    /** {@code m + ln sum_k exp(x[off + k] - m)} with {@code m} the maximum of the {@code count} values. */
    static double logSumExp(double[] x, int off, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < count; k++) {
            max = Math.max(max, x[off + k]);
        }
        double sum = 0;
        for (int k = 0; k < count; k++) {
            sum += Math.exp(x[off + k] - max);
        }
        return max + Math.log(sum);
    }

    private static void check(double[] logits, int[] labels, int n, int classes) {
        if (n < 1 || classes < 1) {
            throw new IllegalArgumentException("need n >= 1 rows and classes >= 1, got n=" + n + ", classes="
                    + classes);
        }
        if (logits.length != (long) n * classes) {
            throw new IllegalArgumentException("logits must have n * classes = " + n + " * " + classes + " = "
                    + (long) n * classes + " elements, got " + logits.length);
        }
        if (labels.length < n) {
            throw new IllegalArgumentException("labels must have at least n = " + n + " entries, got "
                    + labels.length);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + i + " is " + labels[i] + ", expected a class in [0, "
                        + classes + ")");
            }
        }
        for (int i = 0; i < logits.length; i++) {
            if (!Double.isFinite(logits[i])) {
                throw new IllegalArgumentException("logit " + i + " (row " + i / classes + ", class " + i % classes
                        + ") is " + logits[i] + "; the classifier diverged or its input is not finite");
            }
        }
    }
}
