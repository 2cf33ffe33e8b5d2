package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#r1Backward} against finite differences in double of the R1 penalty
 * {@code theta -> gamma / 2 * mean_n ||grad_x D_theta(x)_n||^2}, whose inner gradient is the first-order backward
 * (itself checked by finite differences elsewhere). Perturbations that cross a LeakyReLU kink are set aside
 * ({@link GradCheck}).
 */
class R1BackwardTest {
    private static final double GAMMA = 3;
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f64.close();
    }

    @Test
    void matchesFiniteDifferencesOnMlpConvSpectralAndPackedDiscriminators() {
        Sequential mlp = new Sequential(new Linear(3, 6), new LeakyReLU(0.2f), new Linear(6, 5), new LeakyReLU(0.2f),
                new Linear(5, 1));
        Sequential unfused = Sequential.withoutFusion(new Linear(3, 6), new LeakyReLU(0.2f), new Linear(6, 5),
                new ReLU(), new Linear(5, 1));
        Sequential conv = new Sequential(new Conv2d(2, 3, 3, 2, 1, true, false), new LeakyReLU(0.2f), new Flatten(),
                new Linear(3 * 2 * 2, 4), new LeakyReLU(0.2f), new Linear(4, 1));
        Sequential spectral = new Sequential(new Linear(3, 6, true, true), new LeakyReLU(0.2f),
                new Linear(6, 1, true, true));
        Sequential packed = new Sequential(new Pack(2), new Linear(6, 5), new LeakyReLU(0.2f), new Linear(5, 1));
        for (Sequential net : List.of(mlp, unfused, conv, spectral, packed)) {
            int[] dims = net == conv ? new int[] {4, 2, 4, 4} : new int[] {6, 3};
            int size = net == conv ? 4 * 2 * 4 * 4 : 6 * 3;
            try (Model m = new Model(f64, net, 3); Tensor x = tensor(f64, NnTesting.randn(7, size), dims)) {
                assertTrue(m.supportsR1(), net.toString());
                randomize(m, 11, 0.8);
                if (net == spectral) {
                    m.forward(x); // a power-iteration step, then evaluation mode holds v: W_sn a fixed function of W
                    m.eval();
                }
                checkR1(m, x);
            }
        }
    }

    /** The analytic R1 gradient of every parameter against central differences of the penalty. */
    private static void checkR1(Model m, Tensor x) {
        Shape logits = m.outputShape(x.shape());
        try (Tensor ones = f64.allocate(logits); Tensor a = f64.allocate(x.shape())) {
            f64.fill(1f, ones);
            int n = logits.size();
            m.zeroGrad();
            m.forward(x);
            Tensor g = m.backwardToInputOnly(ones);
            f64.copy(g, a);
            f64.scale((float) (GAMMA / n), a);
            m.r1Backward(a);
            GradCheck.Probe penalty = () -> {
                boolean[] pattern = GradCheck.tracedForward(m, x);
                double[] gx = m.backwardToInputOnly(ones).toDoubleArray();
                return new GradCheck.Point(GAMMA / 2 / n * GradCheck.dot(gx, gx), pattern);
            };
            long seed = 17;
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                // double precision, eps 1e-6: the penalty is a polynomial in each weight within an activation
                // region, so truncation is ~1e-12; rounding is ~1e-16 |f| / eps = 1e-10 |f| absolute, and |f| reaches
                // ~10 here, hence atol 1e-8 (a wrong term would be off by the size of the gradient itself)
                GradCheck.check(e.getKey(), e.getValue().value(), e.getValue().grad().toDoubleArray(), penalty,
                        1e-6, 1e-8, seed++, GradCheck.FULL_CHECK_MAX);
            }
        }
    }

    @Test
    void biasesGetNoR1Gradient() {
        // dx does not depend on a bias for a fixed activation pattern: the exact R1 gradient of a bias is 0
        Linear first = new Linear(3, 4);
        try (Model m = new Model(f64, new Sequential(first, new LeakyReLU(0.2f), new Linear(4, 1)), 5);
                Tensor x = tensor(f64, NnTesting.randn(3, 6), 2, 3);
                Tensor ones = f64.allocate(2, 1)) {
            randomize(m, 1, 1);
            f64.fill(1f, ones);
            m.zeroGrad();
            m.forward(x);
            m.r1Backward(m.backwardToInputOnly(ones));
            for (double v : first.bias().grad().toDoubleArray()) {
                assertTrue(v == 0, "bias gradient " + v);
            }
        }
    }

    @Test
    void refusesLayersThatAreNotPiecewiseLinear() {
        for (Layer bad : List.of(new BatchNorm1d(4), new Tanh(), new Sigmoid(), new Dropout(0.5f))) {
            Sequential net = new Sequential(new Linear(3, 4), bad, new Linear(4, 1));
            try (Model m = new Model(f64, net, 1); Tensor x = tensor(f64, NnTesting.randn(3, 6), 2, 3);
                    Tensor ones = f64.allocate(2, 1)) {
                assertFalse(m.supportsR1(), bad.toString());
                f64.fill(1f, ones);
                m.forward(x);
                Tensor g = m.backwardToInputOnly(ones);
                assertThrowsWith(UnsupportedOperationException.class, () -> m.r1Backward(g), "R1",
                        "piecewise linear");
            }
        }
    }
}
