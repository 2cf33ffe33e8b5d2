package org.gan4j.metrics;

import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyev;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

/**
 * The Frechet distance between two Gaussians fitted to feature sets, as in FID (Heusel et al. 2017), in double:
 * <pre>
 *   FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr( sqrt(S1 S2) )
 * </pre>
 * with {@code mu} the mean and {@code S} the unbiased covariance (divisor n - 1, as {@code numpy.cov}) of each set of
 * feature rows {@code (n, d)}. {@code pytorch-fid} computes the same with {@code scipy.linalg.sqrtm}; here the
 * trace of the matrix square root comes from two symmetric eigendecompositions (LAPACK {@code dsyev}, OpenBLAS):
 * {@code A = sqrt(S1) = V diag(sqrt(max(l, 0))) V^T}, then the eigenvalues {@code m_i} of the symmetric PSD matrix
 * {@code A S2 A}, which has the eigenvalues of {@code S1 S2}, so {@code tr sqrt(S1 S2) = sum_i sqrt(max(m_i, 0))}.
 * Clamping the tiny negative eigenvalues that rounding leaves on rank-deficient covariances (e.g. a feature that is
 * always 0 after ReLU) avoids the complex parts {@code sqrtm} reports; a negative total left by rounding is
 * returned as 0.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /**
     * Mean and unbiased covariance of {@code n} feature rows of width {@code d}.
     *
     * @param mean       (d)
     * @param covariance (d, d), symmetric
     * @param n          number of rows it was computed from
     */
    public record Gaussian(double[] mean, double[][] covariance, int n) {
        /** Validates that mean and covariance agree in size. */
        public Gaussian {
            int d = mean.length;
            if (covariance.length != d) {
                throw new IllegalArgumentException("covariance must be " + d + "x" + d + " for a mean of " + d
                        + " values, got " + covariance.length + " rows");
            }
            for (double[] row : covariance) {
                if (row.length != d) {
                    throw new IllegalArgumentException("covariance must be " + d + "x" + d + ", got a row of "
                            + row.length);
                }
            }
        }

        /** Fits the rows of {@code features} (n, d), n >= 2, every value finite. */
        public static Gaussian fit(double[][] features) {
            int n = features.length;
            if (n < 2) {
                throw new IllegalArgumentException("a covariance needs at least 2 feature rows, got " + n
                        + "; evaluate more images");
            }
            int d = features[0].length;
            double[] mean = new double[d];
            for (int i = 0; i < n; i++) {
                double[] row = features[i];
                if (row.length != d) {
                    throw new IllegalArgumentException("feature row " + i + " has " + row.length
                            + " values, row 0 has " + d);
                }
                for (int j = 0; j < d; j++) {
                    if (!Double.isFinite(row[j])) {
                        throw new IllegalArgumentException("feature " + j + " of row " + i + " is " + row[j]
                                + "; the images or the classifier produce non-finite values");
                    }
                    mean[j] += row[j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            double[][] cov = new double[d][d];
            double[] centred = new double[d];
            for (double[] row : features) {
                for (int j = 0; j < d; j++) {
                    centred[j] = row[j] - mean[j];
                }
                for (int a = 0; a < d; a++) {
                    double ca = centred[a];
                    double[] out = cov[a];
                    for (int b = 0; b <= a; b++) {
                        out[b] += ca * centred[b];
                    }
                }
            }
            for (int a = 0; a < d; a++) {
                for (int b = 0; b <= a; b++) {
                    cov[a][b] /= n - 1;
                    cov[b][a] = cov[a][b];
                }
            }
            return new Gaussian(mean, cov, n);
        }

        public int dim() {
            return mean.length;
        }
    }

    /** FD between the Gaussians fitted to two feature sets {@code (n1, d)} and {@code (n2, d)}. */
    public static double between(double[][] features1, double[][] features2) {
        return between(Gaussian.fit(features1), Gaussian.fit(features2));
    }

    /** FD between two Gaussians of the same dimension; see the class comment for the formula. */
    public static double between(Gaussian g1, Gaussian g2) {
        int d = g1.dim();
        if (g2.dim() != d) {
            throw new IllegalArgumentException("both feature sets need the same width, got " + d + " and "
                    + g2.dim());
        }
        double meanTerm = 0;
        for (int j = 0; j < d; j++) {
            double diff = g1.mean()[j] - g2.mean()[j];
            meanTerm += diff * diff;
        }
        double traces = trace(g1.covariance()) + trace(g2.covariance());
        double fd = meanTerm + traces - 2 * traceSqrtProduct(g1.covariance(), g2.covariance());
        return Math.max(0, fd);
    }

    /**
     * {@code tr sqrt(S1 S2)} for symmetric positive semi-definite {@code S1, S2} (d, d), via
     * {@code sum sqrt(eig(sqrt(S1) S2 sqrt(S1)))}, clamping negative eigenvalues to 0.
     */
    static double traceSqrtProduct(double[][] s1, double[][] s2) {
        int d = s1.length;
        Eigen e1 = symmetricEigen(s1);
        // A = V diag(sqrt(l)) V^T, i.e. A[a][b] = sum_k V[a][k] sqrt(l_k) V[b][k].
        double[][] scaled = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int k = 0; k < d; k++) {
                scaled[a][k] = e1.vectors[a][k] * Math.sqrt(Math.max(e1.values[k], 0));
            }
        }
        double[][] sqrt1 = multiplyTransposed(scaled, e1.vectors);
        double[][] m = multiply(multiply(sqrt1, s2), sqrt1);
        double sum = 0;
        for (double value : symmetricEigen(m).values) {
            sum += Math.sqrt(Math.max(value, 0));
        }
        return sum;
    }

    /** Eigenvalues (ascending) and eigenvectors (column k of {@code vectors} belongs to {@code values[k]}). */
    record Eigen(double[] values, double[][] vectors) {
    }

    /**
     * Eigendecomposition of a symmetric matrix with LAPACK {@code dsyev}; {@code m} is symmetrised as
     * {@code (m + m^T) / 2} first, so rounding asymmetry from products does not matter.
     */
    static Eigen symmetricEigen(double[][] m) {
        int d = m.length;
        double[] a = new double[d * d];
        for (int i = 0; i < d; i++) {
            if (m[i].length != d) {
                throw new IllegalArgumentException("matrix must be square " + d + "x" + d + ", row " + i + " has "
                        + m[i].length);
            }
            for (int j = 0; j < d; j++) {
                double v = 0.5 * (m[i][j] + m[j][i]);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("matrix entry (" + i + ", " + j + ") is " + v
                            + "; an eigendecomposition needs finite values");
                }
                a[i * d + j] = v;
            }
        }
        double[] w = new double[d];
        int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', d, a, d, w);
        if (info != 0) {
            throw new ArithmeticException("LAPACKE_dsyev failed with info = " + info + " on a " + d + "x" + d
                    + " matrix (" + (info < 0 ? "argument " + -info + " invalid" : "no convergence") + ")");
        }
        double[][] vectors = new double[d][d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(a, i * d, vectors[i], 0, d);
        }
        return new Eigen(w, vectors);
    }

    private static double trace(double[][] m) {
        double t = 0;
        for (int i = 0; i < m.length; i++) {
            t += m[i][i];
        }
        return t;
    }

    /** {@code a b} for square matrices. */
    private static double[][] multiply(double[][] a, double[][] b) {
        int d = a.length;
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double aik = a[i][k];
                double[] bk = b[k];
                double[] ci = c[i];
                for (int j = 0; j < d; j++) {
                    ci[j] += aik * bk[j];
                }
            }
        }
        return c;
    }

    /** {@code a b^T} for square matrices. */
    private static double[][] multiplyTransposed(double[][] a, double[][] b) {
        int d = a.length;
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += a[i][k] * b[j][k];
                }
                c[i][j] = s;
            }
        }
        return c;
    }
}
