package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Supplier;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

/**
 * Fusion gives the same numbers as separate layers. In F64 both paths evaluate the same formulas in double, so they
 * agree to a few ulps (1e-13). In F32 the fused op applies the activation to the pre-activation before rounding it
 * to float while the separate path rounds it first, so they may differ by ~1 ulp of the activation's input times
 * its slope (<= 1): relative 2.4e-7 of the value; gradients likewise. Tolerance 1e-6 relative + 1e-6 absolute.
 */
class SequentialFusionTest extends CpuAndReference {
    private static final List<Supplier<ActivationLayer>> ACTIVATIONS = List.of(ReLU::new,
            () -> new LeakyReLU(0.2f), Tanh::new, Sigmoid::new);

    /** A fusable layer and the input shape it takes. */
    private record Case(String name, Supplier<Layer> layer, int[] input) {
    }

    private static final List<Case> CASES = List.of(
            new Case("Linear", () -> new Linear(4, 5), new int[] {3, 4}),
            new Case("Linear no bias", () -> new Linear(4, 5, false), new int[] {3, 4}),
            new Case("Conv2d", () -> new Conv2d(2, 3, 3, 2, 1, true), new int[] {2, 2, 5, 5}),
            new Case("Conv2d no bias", () -> new Conv2d(2, 3, 3, 1, 1, false), new int[] {2, 2, 4, 4}),
            new Case("ConvTranspose2d", () -> new ConvTranspose2d(2, 3, 4, 2, 1, true), new int[] {2, 2, 3, 3}),
            new Case("BatchNorm1d", () -> new BatchNorm1d(4), new int[] {5, 4}),
            new Case("BatchNorm2d", () -> new BatchNorm2d(3), new int[] {2, 3, 3, 2}));

    @Test
    void fusedAndSeparateGiveTheSameOutputsAndGradients() {
        for (Backend b : List.of(f64, f32)) {
            double rtol = b == f64 ? 1e-13 : 1e-6;
            double atol = b == f64 ? 1e-13 : 1e-6;
            for (Case c : CASES) {
                for (Supplier<ActivationLayer> act : ACTIVATIONS) {
                    for (boolean train : new boolean[] {true, false}) {
                        compare(b, c, act, train, rtol, atol);
                    }
                }
            }
        }
    }

    private static void compare(Backend b, Case c, Supplier<ActivationLayer> act, boolean train, double rtol,
            double atol) {
        Layer fusedLayer = c.layer().get();
        ActivationLayer fusedAct = act.get();
        Layer plainLayer = c.layer().get();
        String what = c.name() + " + " + fusedAct + (train ? " (train)" : " (eval)") + " on " + b.dtype();
        int n = Shape.of(c.input()).size();
        try (Model fused = new Model(b, new Sequential(fusedLayer, fusedAct), 1);
                Model plain = new Model(b, Sequential.withoutFusion(plainLayer, act.get()), 1);
                Tensor x = tensor(b, randn(n, n), c.input())) {
            // The test means something only if one path fused and the other did not.
            assertEquals(fusedAct.activation(), ((FusableLayer) fusedLayer).fusedActivation(), what + ": fused");
            assertEquals(Activation.IDENTITY, ((FusableLayer) plainLayer).fusedActivation(), what + ": not fused");
            NnTesting.randomize(fused, 5, 0.5); // norm weights away from 1, norm biases away from 0
            b.fill(0.7f, fused.stateBuffers()); // running mean and var 0.7, not the identity (0, 1)
            b.copy(fused.parameters(), plain.parameters());
            b.copy(fused.stateBuffers(), plain.stateBuffers());
            if (!train) {
                fused.eval();
                plain.eval();
            }
            Tensor yf = fused.forward(x);
            Tensor yp = plain.forward(x);
            assertEquals(yp.shape(), yf.shape(), what);
            assertClose(yp.toDoubleArray(), yf.toDoubleArray(), rtol, atol, what + ": output");
            try (Tensor dy = tensor(b, randn(n + 1, yf.size()), yf.shape().dims())) {
                fused.zeroGrad();
                plain.zeroGrad();
                double[] dxf = fused.backwardToInput(dy).toDoubleArray();
                double[] dxp = plain.backwardToInput(dy).toDoubleArray();
                assertClose(dxp, dxf, rtol, atol, what + ": input gradient");
                assertClose(plain.gradients().toDoubleArray(), fused.gradients().toDoubleArray(), rtol, atol,
                        what + ": parameter gradients");
            }
            assertClose(plain.stateBuffers().toDoubleArray(), fused.stateBuffers().toDoubleArray(), rtol, atol,
                    what + ": running statistics");
        }
    }

    @Test
    void fusesOnlyAnActivationDirectlyAfterAFusableLayer() {
        Linear a = new Linear(3, 4);
        ReLU relu = new ReLU();
        Tanh tanh = new Tanh();
        Linear c = new Linear(4, 4);
        Dropout drop = new Dropout(0.5f);
        Sigmoid sig = new Sigmoid();
        try (Model m = new Model(f64, new Sequential(a, relu, tanh, c, drop, sig), 1)) {
            assertEquals(Activation.RELU, a.fusedActivation(), "Linear absorbs the ReLU right after it");
            assertEquals(Activation.IDENTITY, c.fusedActivation(), "Dropout between Linear and Sigmoid: no fusion");
            assertEquals(6, m.root().children().size(), "fusion does not change the children (checkpoint names)");
        }
    }

    @Test
    void chainWithFusedAndSeparateActivationsMatchesFiniteDifferences() {
        // Linear+ReLU fused, then Tanh separate, then Linear+LeakyReLU fused, then Linear. Inputs are chosen by seed;
        // a ReLU/LeakyReLU pre-activation within ~1e-5 of 0 (where a 1e-6 step could straddle the kink) has
        // probability ~1e-4 over the 48 pre-activations, and the seed is fixed.
        try (Model m = new Model(f64, new Sequential(new Linear(3, 6), new ReLU(), new Tanh(), new Linear(6, 5),
                new LeakyReLU(0.2f), new Linear(5, 2)), 1); Tensor x = tensor(f64, randn(8, 12), 4, 3)) {
            NnTesting.randomize(m, 9, 0.7);
            // Smooth away from kinks: truncation ~1e-12, rounding ~1e-10. rtol 1e-6, atol 1e-8.
            GradCheck.checkModel(m, x, true, 1e-6, 1e-8, 10, null);
        }
    }

    @Test
    void rejectsEmptyAndUnattached() {
        assertThrowsWith(IllegalArgumentException.class, () -> new Sequential(), "at least one layer");
        Sequential s = new Sequential(new Linear(2, 2));
        try (Tensor x = f64.allocate(1, 2)) {
            assertThrowsWith(IllegalStateException.class, () -> s.forward(x), "Model");
        }
    }
}
