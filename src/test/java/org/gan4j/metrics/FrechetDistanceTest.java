package org.gan4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.gan4j.metrics.FrechetDistance.Gaussian;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    @Test
    void fitGivesMeanAndUnbiasedCovariance() {
        // Rows (1, 2), (3, 6), (5, 4): mean (3, 4); centred (-2, -2), (0, 2), (2, 0);
        // covariance = sum of outer products / (n - 1) = [[8, 4], [4, 8]] / 2.
        Gaussian g = Gaussian.fit(new double[][] {{1, 2}, {3, 6}, {5, 4}});
        assertArrayEquals(new double[] {3, 4}, g.mean(), 1e-15); // small integers: exact in double
        assertArrayEquals(new double[] {4, 2}, g.covariance()[0], 1e-15);
        assertArrayEquals(new double[] {2, 4}, g.covariance()[1], 1e-15);
        assertEquals(3, g.n());
    }

    @Test
    void identicalFullRankSetsGiveZero() {
        double[][] x = correlatedSample(new SplittableRandom(1), 500, 16, 1.0);
        Gaussian g = Gaussian.fit(x);
        // Mathematically 0. dsyev's eigenvalues carry absolute errors ~ d eps lambda_max; through the square root
        // each of the d terms is off by <= d eps lambda_max * cond / 2, in total ~ d^2 eps cond lambda_max / 2
        // = 256 * 2.2e-16 * cond / 2 * lambda_max ~ 3e-13 * cond * tr(S). The condition number of this sample is
        // below 100, so 1e-10 * tr(S) holds with margin.
        double tol = 1e-10 * trace(g.covariance());
        assertEquals(0, FrechetDistance.between(x, x), tol);
        assertEquals(0, FrechetDistance.between(g, g), tol);
    }

    @Test
    void identicalRankDeficientSetsGiveNearZero() {
        // Like dead ReLU features: one feature always 0 and one a copy of another, so S has two zero eigenvalues.
        double[][] x = correlatedSample(new SplittableRandom(2), 300, 10, 1.0);
        for (double[] row : x) {
            row[3] = 0;
            row[7] = row[5];
        }
        Gaussian g = Gaussian.fit(x);
        // A zero eigenvalue comes out as +-d eps lambda_max^2 in sqrt(S) S sqrt(S); after clamping and the square
        // root it contributes up to sqrt(d eps) lambda_max ~ 5e-8 lambda_max, twice (two zero eigenvalues) and
        // times 2 in the formula: ~2e-7 lambda_max, so 1e-6 * tr(S).
        assertEquals(0, FrechetDistance.between(g, g), 1e-6 * trace(g.covariance()));
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        // For diagonal covariances, FD = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
        double[] mu1 = {0, 1, -2, 0.5};
        double[] mu2 = {1, 1, 0, -0.5};
        double[] a = {1, 4, 0.25, 9};
        double[] b = {4, 1, 0.25, 0.01};
        double expected = 1 + 0 + 4 + 1 // |mu1 - mu2|^2 = 6
                + 1 + 1 + 0 + 8.41; // (1-2)^2 + (2-1)^2 + 0 + (3-0.1)^2
        double fd = FrechetDistance.between(new Gaussian(mu1, diag(a), 2), new Gaussian(mu2, diag(b), 2));
        // A few dozen double operations on values ~10 and eigenvalues of well-conditioned 4x4 matrices: 1e-12.
        assertEquals(expected, fd, 1e-12);
    }

    @Test
    void commutingCovariancesMatchTheClosedForm() {
        // S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T commute, so sqrt(S1 S2) = Q diag(sqrt(a b)) Q^T and
        // tr(S1 + S2 - 2 sqrt(S1 S2)) = sum_i (sqrt(a_i) - sqrt(b_i))^2. Q is a product of Givens rotations, built
        // without LAPACK so the reference does not share code with what it checks.
        int d = 6;
        double[][] q = rotation(d, new SplittableRandom(5));
        double[] a = {0.5, 1, 2, 3, 0.1, 7};
        double[] b = {2, 1, 0.3, 5, 0.1, 0.2};
        double expected = 0;
        for (int i = 0; i < d; i++) {
            expected += Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        double[] mu = new double[d];
        double fd = FrechetDistance.between(new Gaussian(mu, conjugate(q, a), 2), new Gaussian(mu, conjugate(q, b), 2));
        // Values ~10, matrices with condition number 70; rounding through two 6x6 eigendecompositions: 1e-11.
        assertEquals(expected, fd, 1e-11);
    }

    @Test
    void nonCommutingTwoByTwoMatchesTheTraceIdentity() {
        // For a 2x2 matrix M with non-negative eigenvalues l1, l2: (sqrt(l1) + sqrt(l2))^2 = tr M + 2 sqrt(det M),
        // so tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)), an independent closed form.
        double[][] s1 = {{2, 1}, {1, 3}};
        double[][] s2 = {{1, -0.5}, {-0.5, 2}};
        double trProduct = 2 * 1 + 1 * -0.5 + 1 * -0.5 + 3 * 2; // tr(S1 S2) = sum_ij S1_ij S2_ji = 7
        double det = (2 * 3 - 1) * (1 * 2 - 0.25); // det S1 det S2 = 5 * 1.75
        double trSqrt = Math.sqrt(trProduct + 2 * Math.sqrt(det));
        double expected = 5 + 3 - 2 * trSqrt;
        double[] zero = {0, 0};
        // Values ~10 through two 2x2 eigendecompositions: 1e-13.
        assertEquals(trSqrt, FrechetDistance.traceSqrtProduct(s1, s2), 1e-13);
        assertEquals(expected, FrechetDistance.between(new Gaussian(zero, s1, 2), new Gaussian(zero, s2, 2)), 1e-13);
    }

    @Test
    void isSymmetricInItsArguments() {
        double[][] x = correlatedSample(new SplittableRandom(7), 400, 12, 1.0);
        double[][] y = correlatedSample(new SplittableRandom(8), 300, 12, 2.0);
        double xy = FrechetDistance.between(x, y);
        double yx = FrechetDistance.between(y, x);
        assertTrue(xy > 1, "different distributions must be far apart, got " + xy);
        // tr sqrt(S1 S2) = tr sqrt(S2 S1) exactly; the two orders round differently, ~d^2 eps cond * tr(S): 1e-10.
        assertEquals(xy, yx, 1e-10 * xy);
    }

    @Test
    void badInputIsRejectedWithTheCause() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gaussian.fit(new double[][] {{1, 2}}));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gaussian.fit(new double[][] {{1, 2}, {1, Double.NaN}}));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gaussian.fit(new double[][] {{1, 2}, {1}}));
        assertTrue(e.getMessage().contains("row 1 has 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(
                new double[][] {{1, 2}, {3, 4}}, new double[][] {{1, 2, 3}, {3, 4, 5}}));
        assertTrue(e.getMessage().contains("same width"), e.getMessage());
    }

    /** n rows of x = L z + shift with z ~ N(0, I), L a fixed random lower-triangular mixing (unit diagonal). */
    static double[][] correlatedSample(SplittableRandom r, int n, int d, double shift) {
        double[][] mix = new double[d][d];
        SplittableRandom m = new SplittableRandom(99);
        for (int i = 0; i < d; i++) {
            mix[i][i] = 1;
            for (int j = 0; j < i; j++) {
                mix[i][j] = m.nextDouble(-0.5, 0.5);
            }
        }
        double[][] x = new double[n][d];
        double[] z = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                z[j] = r.nextGaussian() * shift;
            }
            for (int i = 0; i < d; i++) {
                double s = shift;
                for (int j = 0; j <= i; j++) {
                    s += mix[i][j] * z[j];
                }
                row[i] = s;
            }
        }
        return x;
    }

    private static double[][] diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    /** A random rotation: the product of Givens rotations of every coordinate pair by random angles. */
    private static double[][] rotation(int d, SplittableRandom r) {
        double[][] q = diag(filled(d, 1));
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double t = r.nextDouble(0, 2 * Math.PI);
                double c = Math.cos(t);
                double s = Math.sin(t);
                for (double[] row : q) {
                    double qi = row[i];
                    double qj = row[j];
                    row[i] = c * qi - s * qj;
                    row[j] = s * qi + c * qj;
                }
            }
        }
        return q;
    }

    /** {@code Q diag(v) Q^T}. */
    private static double[][] conjugate(double[][] q, double[] v) {
        int d = v.length;
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    m[i][j] += q[i][k] * v[k] * q[j][k];
                }
            }
        }
        return m;
    }

    private static double[] filled(int d, double value) {
        double[] v = new double[d];
        java.util.Arrays.fill(v, value);
        return v;
    }

    private static double trace(double[][] m) {
        double t = 0;
        for (int i = 0; i < m.length; i++) {
            t += m[i][i];
        }
        return t;
    }
}
