package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToDoubleFunction;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GanLossTest {
    private static final double[] REAL = {2.5, -0.3, 0.0, 1.2, -4.0};
    private static final double[] FAKE = {-1.7, 0.4, -3.3, 0.05, 6.0};

    /** Stable BCE with logits, written independently of the backend: max(x,0) - x t + log(1 + exp(-|x|)). */
    private static double bce(double[] x, double t) {
        double s = 0;
        for (double xi : x) {
            s += Math.max(xi, 0) - xi * t + Math.log1p(Math.exp(-Math.abs(xi)));
        }
        return s / x.length;
    }

    private static double squared(double[] x, double t) {
        double s = 0;
        for (double xi : x) {
            s += (xi - t) * (xi - t);
        }
        return s / x.length;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Runs the loss ops on F64 (or F32) tensors and returns {L_D, L_G, real half, fake half}. */
    private static final class Run implements AutoCloseable {
        final Backend b;
        final Tensor real;
        final Tensor fake;
        final Tensor tReal;
        final Tensor tFake;
        final Tensor tGen;
        final Tensor lossReal;
        final Tensor lossFake;
        final Tensor lossG;
        final Tensor dReal;
        final Tensor dFake;
        final Tensor dGen;

        Run(Backend b, double realTarget, double fakeTarget, double genTarget) {
            this.b = b;
            Shape s = Shape.of(REAL.length, 1);
            real = b.allocate(s);
            fake = b.allocate(s);
            tReal = b.allocate(s);
            tFake = b.allocate(s);
            tGen = b.allocate(s);
            lossReal = b.allocate(1);
            lossFake = b.allocate(1);
            lossG = b.allocate(1);
            dReal = b.allocate(s);
            dFake = b.allocate(s);
            dGen = b.allocate(s);
            b.copyFromHost(REAL, real);
            b.copyFromHost(FAKE, fake);
            b.fill((float) realTarget, tReal);
            b.fill((float) fakeTarget, tFake);
            b.fill((float) genTarget, tGen);
        }

        /** L_D: the sum of the two halves, read in double. */
        double lossD(GanLoss loss) {
            loss.discriminatorTerm(b, real, tReal, lossReal, dReal);
            loss.discriminatorTerm(b, fake, tFake, lossFake, dFake);
            return lossReal.toDoubleArray()[0] + lossFake.toDoubleArray()[0];
        }

        double lossG(GanLoss loss) {
            loss.discriminatorTerm(b, real, tReal, lossReal, dReal);
            loss.generatorLoss(b, fake, tGen, lossReal, lossG, dGen);
            return lossG.toDoubleArray()[0];
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {real, fake, tReal, tFake, tGen, lossReal, lossFake, lossG, dReal, dFake,
                    dGen}) {
                t.close();
            }
        }
    }

    @Test
    void knownAnswersInDouble() {
        // F64 backend against the formulas written above in double: only summation order differs (1e-14)
        double tol = 1e-14;
        try (ReferenceBackend b = ReferenceBackend.create()) {
            try (Run r = new Run(b, 1, 0, 1)) {
                double expectedD = 0.5 * bce(REAL, 1) + 0.5 * bce(FAKE, 0);
                assertEquals(expectedD, r.lossD(GanLoss.NON_SATURATING), tol, "L_D");
                assertEquals(bce(FAKE, 1), r.lossG(GanLoss.NON_SATURATING), tol, "non-saturating L_G");
                // the textbook form with hard labels: -1/2 E log D(x) - 1/2 E log(1 - D(G(z)))
                double textbook = 0;
                for (int i = 0; i < REAL.length; i++) {
                    textbook += -0.5 * Math.log(sigmoid(REAL[i])) - 0.5 * Math.log(1 - sigmoid(FAKE[i]));
                }
                assertEquals(textbook / REAL.length, expectedD, 1e-12, "the stable form is the textbook value");
                double lsD = 0.5 * squared(REAL, 1) + 0.5 * squared(FAKE, 0);
                assertEquals(lsD, r.lossD(GanLoss.LEAST_SQUARES), tol, "LSGAN L_D");
                assertEquals(0.5 * squared(FAKE, 1), r.lossG(GanLoss.LEAST_SQUARES), tol, "LSGAN L_G");
            }
            try (Run r = new Run(b, 1, 0, 0)) {
                double expectedD = 0.5 * bce(REAL, 1) + 0.5 * bce(FAKE, 0);
                assertEquals(-expectedD, r.lossG(GanLoss.MINIMAX), tol, "minimax L_G = -L_D");
            }
            try (Run r = new Run(b, 0.9, 0, 1)) {
                // the target goes through fill(float): 0.9f, not 0.9
                assertEquals(0.5 * bce(REAL, 0.9f) + 0.5 * bce(FAKE, 0), r.lossD(GanLoss.NON_SATURATING), tol,
                        "L_D with one-sided smoothing");
            }
        }
    }

    @Test
    void gradientsAreTheDerivativesOfTheLosses() {
        // The analytic gradients against the formulas' derivatives, in double
        try (ReferenceBackend b = ReferenceBackend.create(); Run r = new Run(b, 1, 0, 1)) {
            int n = REAL.length;
            r.lossD(GanLoss.NON_SATURATING);
            double[] dReal = r.dReal.toDoubleArray();
            double[] dFake = r.dFake.toDoubleArray();
            r.lossG(GanLoss.NON_SATURATING);
            double[] dGen = r.dGen.toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertEquals(0.5 * (sigmoid(REAL[i]) - 1) / n, dReal[i], 1e-15, "dL_D/dreal " + i);
                assertEquals(0.5 * sigmoid(FAKE[i]) / n, dFake[i], 1e-15, "dL_D/dfake " + i);
                assertEquals((sigmoid(FAKE[i]) - 1) / n, dGen[i], 1e-15, "dL_G/dfake " + i);
            }
        }
    }

    @Test
    void finiteDifferencesAgreeForEveryLoss() {
        for (GanLoss loss : GanLoss.values()) {
            try (ReferenceBackend b = ReferenceBackend.create();
                    Run r = new Run(b, loss.target(1), loss.target(0), loss.generatorTarget())) {
                // D loss with respect to the real logits and to the fake logits
                r.lossD(loss);
                checkGradient(loss + " L_D wrt real logits", r.real, r.dReal.toDoubleArray(), x -> r.lossD(loss));
                r.lossD(loss);
                checkGradient(loss + " L_D wrt fake logits", r.fake, r.dFake.toDoubleArray(), x -> r.lossD(loss));
                // G loss with respect to the fake logits (for minimax: the full -L_D, real half included)
                r.lossG(loss);
                checkGradient(loss + " L_G wrt fake logits", r.fake, r.dGen.toDoubleArray(), x -> r.lossG(loss));
            }
        }
    }

    /** Central differences (eps 1e-6) of {@code f} over each element of {@code x}, against {@code analytic}. */
    private static void checkGradient(String what, Tensor x, double[] analytic, ToDoubleFunction<Tensor> f) {
        org.gan4j.tensor.Device b = x.backend();
        double[] v = x.toDoubleArray();
        double eps = 1e-6;
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            v[i] = keep + eps;
            b.copyFromHost(v, x);
            double up = f.applyAsDouble(x);
            v[i] = keep - eps;
            b.copyFromHost(v, x);
            double down = f.applyAsDouble(x);
            v[i] = keep;
            b.copyFromHost(v, x);
            double numeric = (up - down) / (2 * eps);
            // truncation error ~ eps^2 |f'''| ~ 1e-12, rounding ~ 1e-16 / eps = 1e-10: 1e-8 leaves a margin
            assertEquals(numeric, analytic[i], 1e-8, what + ", element " + i);
        }
    }

    @Test
    void hingeKnownAnswers() {
        // Written out by hand: real margins 1 - x: -1.5, 1.3, 1, -0.2, 5 -> kept 1.3 + 1 + 5 = 7.3, mean 1.46;
        // fake margins 1 + x: -0.7, 1.4, -2.3, 1.05, 7 -> kept 1.4 + 1.05 + 7 = 9.45, mean 1.89.
        // L_D = 1/2 1.46 + 1/2 1.89 = 1.675; L_G = -mean(fake) = -(-1.7 + 0.4 - 3.3 + 0.05 + 6) / 5 = -0.29.
        double tol = 1e-14; // double sums of five terms of order 1
        GanLoss hinge = GanLoss.HINGE;
        assertEquals(1f, hinge.target(1f));
        assertEquals(-1f, hinge.target(0f));
        try (ReferenceBackend b = ReferenceBackend.create(); Run r = new Run(b, 1, -1, 1)) {
            assertEquals(1.675, r.lossD(hinge), tol, "hinge L_D");
            assertEquals(-0.29, r.lossG(hinge), tol, "hinge L_G");
            // dL_D/dreal = -1/2 t / n where the margin is positive: -0.1 at elements 1, 2, 4
            assertArrayEquals(new double[] {0, -0.1, -0.1, 0, -0.1}, r.dReal.toDoubleArray(), 1e-16);
            // dL_D/dfake = +1/2 / n where 1 + x > 0: 0.1 at elements 1, 3, 4
            assertArrayEquals(new double[] {0, 0.1, 0, 0.1, 0.1}, r.dFake.toDoubleArray(), 1e-16);
            // fill(float): -1/5 as the float -0.2f
            assertArrayEquals(new double[] {-0.2f, -0.2f, -0.2f, -0.2f, -0.2f}, r.dGen.toDoubleArray(), 0);
        }
        // large logits stay finite and exact: the loss is linear on each side of the kink
        try (CpuBackend b = CpuBackend.create(1); Tensor x = b.allocate(2, 1); Tensor t = b.allocate(2, 1);
                Tensor loss = b.allocate(1); Tensor dx = b.allocate(2, 1)) {
            b.copyFromHost(new float[] {-1e30f, 1e30f}, x);
            b.copyFromHost(new float[] {1f, -1f}, t);
            hinge.discriminatorTerm(b, x, t, loss, dx);
            assertEquals(0.5e30f, loss.toFloatArray()[0], 1e24f, "1/2 mean(1 + 1e30, 1 + 1e30)");
            assertArrayEquals(new float[] {-0.25f, 0.25f}, dx.toFloatArray());
        }
    }

    @Test
    void hingeTakesHardLabelsOnly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainerConfig.builder()
                .loss(GanLoss.HINGE).labels(Labels.smoothed(0.9f)).build());
        assertTrue(e.getMessage().contains("hinge") && e.getMessage().contains("hard labels"), e.getMessage());
        assertEquals(GanLoss.HINGE, TrainerConfig.builder().loss(GanLoss.HINGE).build().loss());
    }

    @Test
    void minimaxGeneratorLossIsExactlyMinusTheDiscriminatorLoss() {
        // In F32 too: L_D = real + fake and L_G = -fake - real are the same two rounded terms, negated, and float
        // addition is commutative, so the sum is exactly 0, not merely small.
        try (CpuBackend b = CpuBackend.create(1); Run r = new Run(b, 1, 0, 0)) {
            GanLoss loss = GanLoss.MINIMAX;
            loss.discriminatorTerm(b, r.real, r.tReal, r.lossReal, r.dReal);
            loss.discriminatorTerm(b, r.fake, r.tFake, r.lossFake, r.dFake);
            try (Tensor lossD = b.allocate(1)) {
                b.copy(r.lossReal, lossD);
                b.axpy(1f, r.lossFake, lossD);
                loss.generatorLoss(b, r.fake, r.tGen, r.lossReal, r.lossG, r.dGen);
                float d = lossD.toFloatArray()[0];
                float g = r.lossG.toFloatArray()[0];
                assertTrue(d > 0.1f, "a non-trivial loss: " + d);
                assertEquals(0f, d + g, "L_G + L_D with L_D = " + d + ", L_G = " + g);
                // and the gradient is the fake half's, negated
                float[] dFake = r.dFake.toFloatArray();
                float[] dGen = r.dGen.toFloatArray();
                for (int i = 0; i < dFake.length; i++) {
                    assertEquals(-dFake[i], dGen[i], "dL_G/dfake = -dL_D/dfake at " + i);
                }
            }
            assertThrows(IllegalArgumentException.class,
                    () -> loss.generatorLoss(b, r.fake, r.tGen, null, r.lossG, r.dGen));
        }
    }

    @Test
    void extremeLogitsStayFinite() {
        // |x| = 1000 overflows exp(x) in any precision: the stable form must not evaluate it
        try (CpuBackend b = CpuBackend.create(1); Tensor x = b.allocate(2, 1); Tensor t = b.allocate(2, 1);
                Tensor loss = b.allocate(1); Tensor dx = b.allocate(2, 1)) {
            b.copyFromHost(new float[] {-1000f, 1000f}, x);
            b.copyFromHost(new float[] {1f, 0f}, t);
            GanLoss.NON_SATURATING.discriminatorTerm(b, x, t, loss, dx);
            // both terms are 1000 exactly (log1p(exp(-1000)) = 0 in float): 1/2 * mean = 500
            assertEquals(500f, loss.toFloatArray()[0]);
            float[] g = dx.toFloatArray();
            assertEquals(-0.25f, g[0], "1/2 (sigmoid(-1000) - 1) / 2");
            assertEquals(0.25f, g[1], "1/2 (sigmoid(1000) - 0) / 2");
        }
    }

    @Test
    void namesAndOutputActivations() {
        assertEquals(GanLoss.LEAST_SQUARES, GanLoss.parse("least-squares"));
        assertEquals(GanLoss.MINIMAX, GanLoss.parse("MINIMAX"));
        assertEquals(GanLoss.HINGE, GanLoss.parse("hinge"));
        assertEquals(Activation.IDENTITY, GanLoss.HINGE.outputActivation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GanLoss.parse("wgan"));
        assertTrue(e.getMessage().contains("wgan") && e.getMessage().contains("non_saturating"), e.getMessage());
        assertEquals(Activation.SIGMOID, GanLoss.NON_SATURATING.outputActivation());
        assertEquals(Activation.IDENTITY, GanLoss.LEAST_SQUARES.outputActivation());
        assertEquals(0f, GanLoss.MINIMAX.generatorTarget());
        assertEquals(1f, GanLoss.NON_SATURATING.generatorTarget());
    }
}
