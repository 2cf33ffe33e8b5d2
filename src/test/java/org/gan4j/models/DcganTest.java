package org.gan4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.gan4j.backend.Backend;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class DcganTest extends CpuAndReference {
    private static Tensor randomInput(Backend b, long seed, int... dims) {
        Tensor t = b.allocate(dims);
        b.copyFromHost(GradCheck.gaussian(new SplittableRandom(seed), t.size()), t);
        return t;
    }

    /** Shape from outputShape and from an actual forward (F32, batch 2, initialised as DCGAN). */
    private static void assertShapes(Sequential net, Shape in, Shape expectedOut) {
        try (Model m = new Model(f32, net, 1); Tensor x = randomInput(f32, 1, in.dims())) {
            m.initialize(Init.DCGAN, 2);
            assertEquals(expectedOut, m.outputShape(in));
            assertEquals(expectedOut, m.forward(x).shape());
        }
    }

    /** As {@link #assertShapes} for a class-conditional network, with labels 0 and 2 set. */
    private static void assertConditionalShapes(Sequential net, Shape in, Shape expectedOut) {
        try (Model m = new Model(f32, net, 1); Tensor x = randomInput(f32, 1, in.dims())) {
            m.initialize(Init.DCGAN, 2);
            assertEquals(3, m.numClasses());
            m.setLabels(new int[] {0, 2});
            assertEquals(expectedOut, m.outputShape(in));
            assertEquals(expectedOut, m.forward(x).shape());
        }
    }

    @Test
    void conditionalOutputShapes() {
        assertConditionalShapes(Dcgan28.generator(3), Shape.of(2, 100), Shape.of(2, 1, 28, 28));
        assertConditionalShapes(Dcgan28.discriminator(false, 1, 3), Shape.of(2, 1, 28, 28), Shape.of(2, 1));
        assertConditionalShapes(Dcgan64.generator(8, 4, 3, 3), Shape.of(2, 8, 1, 1), Shape.of(2, 3, 64, 64));
        assertConditionalShapes(Dcgan64.discriminator(4, 3, true, 1, 3), Shape.of(2, 3, 64, 64), Shape.of(2, 1));
    }

    @Test
    void outputShapes() {
        assertShapes(Dcgan28.generator(), Shape.of(2, 100), Shape.of(2, 1, 28, 28));
        assertShapes(Dcgan28.discriminator(), Shape.of(2, 1, 28, 28), Shape.of(2, 1));
        assertShapes(Dcgan64.generator(100, 64, 3), Shape.of(2, 100, 1, 1), Shape.of(2, 3, 64, 64));
        assertShapes(Dcgan64.discriminator(64, 3), Shape.of(2, 3, 64, 64), Shape.of(2, 1));
        assertEquals(Shape.of(7, 1, 64, 64), Dcgan64.generator(32, 16, 1).outputShape(Shape.of(7, 32, 1, 1)));
        assertEquals(Shape.of(7, 1), Dcgan64.discriminator(16, 1).outputShape(Shape.of(7, 1, 64, 64)));
    }

    private static long count(Sequential net) {
        try (Model m = new Model(f32, net, 1)) {
            return m.parameterCount();
        }
    }

    @Test
    void parameterCountsEqualPyTorchs() {
        // pytorch/examples netG (nz 100, ngf 64, nc 3): ConvTranspose2d weights are (in, out, 4, 4), no biases;
        // each BatchNorm2d(C) has 2C parameters.
        long g64 = 100 * 512 * 16 + 2 * 512 // ConvT(100, 512) + BN(512): 819200 + 1024
                + 512 * 256 * 16 + 2 * 256 // 2097152 + 512
                + 256 * 128 * 16 + 2 * 128 // 524288 + 256
                + 128 * 64 * 16 + 2 * 64 // 131072 + 128
                + 64 * 3 * 16; // 3072
        assertEquals(3_576_704, g64);
        assertEquals(g64, count(Dcgan64.generator(100, 64, 3)));
        // netD (ndf 64, nc 3): Conv2d weights (out, in, 4, 4), no biases.
        long d64 = 3 * 64 * 16 // 3072
                + 64 * 128 * 16 + 2 * 128 // 131072 + 256
                + 128 * 256 * 16 + 2 * 256 // 524288 + 512
                + 256 * 512 * 16 + 2 * 512 // 2097152 + 1024
                + 512 * 1 * 16; // 8192
        assertEquals(2_765_568, d64);
        assertEquals(d64, count(Dcgan64.discriminator(64, 3)));
        // The 28x28 nets, as the same layers would count in PyTorch.
        long g28 = 100 * 6272 // Linear(100, 6272, bias=False)
                + 2 * 6272 // BatchNorm1d(6272)
                + 128 * 64 * 16 + 2 * 64 // ConvT(128, 64, 4) + BN(64)
                + 64 * 1 * 16; // ConvT(64, 1, 4)
        assertEquals(771_968, g28);
        assertEquals(g28, count(Dcgan28.generator()));
        long d28 = 1 * 64 * 16 // Conv(1, 64, 4)
                + 64 * 128 * 16 + 2 * 128 // Conv(64, 128, 4) + BN(128)
                + 6272 + 1; // Linear(6272, 1) with bias
        assertEquals(138_625, d28);
        assertEquals(d28, count(Dcgan28.discriminator()));
    }

    @Test
    void stateDictNamesMatchPyTorchExamples() {
        // netG.main / netD.main of pytorch/examples dcgan, without the "main." prefix and without BatchNorm's
        // num_batches_tracked (not kept; see BatchNorm). Listed in PyTorch's named_parameters order, then the
        // buffers in named_buffers order.
        List<String> g = new ArrayList<>(List.of("0.weight", "1.weight", "1.bias", "3.weight", "4.weight", "4.bias",
                "6.weight", "7.weight", "7.bias", "9.weight", "10.weight", "10.bias", "12.weight"));
        g.addAll(List.of("1.running_mean", "1.running_var", "4.running_mean", "4.running_var", "7.running_mean",
                "7.running_var", "10.running_mean", "10.running_var"));
        List<String> d = new ArrayList<>(List.of("0.weight", "2.weight", "3.weight", "3.bias", "5.weight",
                "6.weight", "6.bias", "8.weight", "9.weight", "9.bias", "11.weight"));
        d.addAll(List.of("3.running_mean", "3.running_var", "6.running_mean", "6.running_var", "9.running_mean",
                "9.running_var"));
        try (Model gm = new Model(f32, Dcgan64.generator(100, 64, 3), 1);
                Model dm = new Model(f32, Dcgan64.discriminator(64, 3), 1)) {
            assertEquals(g, new ArrayList<>(gm.stateShapes().keySet()));
            assertEquals(d, new ArrayList<>(dm.stateShapes().keySet()));
            assertEquals(Shape.of(100, 512, 4, 4), gm.stateShapes().get("0.weight"), "ConvT weight is (in, out, k, k)");
            assertEquals(Shape.of(64, 3, 4, 4), gm.stateShapes().get("12.weight"));
            assertEquals(Shape.of(64, 3, 4, 4), dm.stateShapes().get("0.weight"), "Conv weight is (out, in, k, k)");
            assertEquals(Shape.of(1, 512, 4, 4), dm.stateShapes().get("11.weight"));
        }
    }

    /*
     * Whole-network gradient checks in F64: input and every parameter tensor along 3 random unit directions each
     * (a full element check of ~10^5 parameters is too slow). Tolerance rtol 1e-6, atol 1e-7: truncation error
     * ~eps^2 |f'''| stays below 1e-10 for these nets between kinks, and rounding error is ~1e-16 |f| / eps with
     * |f| = |sum(out * w)| <~ 100, i.e. ~1e-8. Kinks: with ~10^4-10^5 ReLU/LeakyReLU pre-activations, a 1e-6 step
     * crosses one now and then (seen once in ~70 directions before GradCheck tracked kinks: off by 1e-6 absolute);
     * GradCheck detects that exactly (the sign pattern of the activations changes) and replaces the direction.
     */
    private static final double RTOL = 1e-6;
    private static final double ATOL = 1e-7;

    private static void checkNet(Sequential net, int[] input, boolean train, long seed) {
        try (Model m = new Model(f64, net, seed); Tensor x = randomInput(f64, seed, input)) {
            m.initialize(Init.DCGAN, seed);
            if (!train) {
                m.forward(x); // running statistics from one batch
                m.forward(x);
                m.eval();
            }
            GradCheck.checkModel(m, x, true, RTOL, ATOL, seed, null, 0);
        }
    }

    @Test
    void dcgan28GeneratorGradients() {
        checkNet(Dcgan28.generator(), new int[] {3, 100}, true, 1);
    }

    @Test
    void dcgan28DiscriminatorGradients() {
        checkNet(Dcgan28.discriminator(), new int[] {3, 1, 28, 28}, true, 2);
    }

    @Test
    void dcgan64GeneratorGradients() {
        checkNet(Dcgan64.generator(100, 8, 3), new int[] {2, 100, 1, 1}, true, 3);
        checkNet(Dcgan64.generator(100, 8, 3), new int[] {2, 100, 1, 1}, false, 4);
    }

    @Test
    void dcgan64DiscriminatorGradients() {
        checkNet(Dcgan64.discriminator(8, 3), new int[] {2, 3, 64, 64}, true, 5);
        checkNet(Dcgan64.discriminator(8, 3), new int[] {2, 3, 64, 64}, false, 6);
    }
}
