package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Model;
import org.gan4j.optim.Adam;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Both DCGANs train end to end on random data; D alone learns to separate a fixed real and fake batch. */
class GanTrainerSmokeTest {
    /** DCGAN64 with the reference structure but ngf = ndf = 8 to stay fast. */
    private static final GanArchitecture.Options SMALL64 = GanArchitecture.DCGAN64.defaults().withWidths(8, 8);

    private static float[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    private static void smoke(GanArchitecture arch, GanArchitecture.Options o, int batch, int steps) {
        try (CpuBackend b = CpuBackend.create(1);
                Model g = new Model(b, arch.generator(o), 1).initialize(arch.defaultInit(), 1);
                Model d = new Model(b, arch.discriminator(o), 2).initialize(arch.defaultInit(), 2);
                GanTrainer t = new GanTrainer(b, g, d, arch.latentShape(o),
                        TrainerConfig.builder().batchSize(batch).seed(3).build())) {
            assertEquals(arch.sampleShape(o), t.sampleShape());
            for (int s = 1; s <= steps; s++) {
                b.copyFromHost(uniform(t.realInput().size(), s), t.realInput());
                StepMetrics m = t.step(); // would throw TrainingDivergedException on a non-finite value
                assertTrue(m.lossD() > 0 && m.lossG() > 0, arch + ": " + m);
                assertTrue(m.gradNormD() > 0 && m.gradNormG() > 0, arch + ": " + m);
            }
            float[] samples = t.generate(batch, 9);
            assertEquals(batch * arch.sampleShape(o).size(), samples.length);
        }
    }

    @Test
    void dcgan64TrainsAFewSteps() {
        smoke(GanArchitecture.DCGAN64, SMALL64, 4, 3);
    }

    @Test
    void dcgan28TrainsAFewSteps() {
        smoke(GanArchitecture.DCGAN28, GanArchitecture.DCGAN28.defaults(), 4, 3);
    }

    @Test
    void discriminatorAloneLearnsToSeparateAFixedRealAndFakeBatch() {
        GanArchitecture arch = GanArchitecture.DCGAN64;
        int n = 4;
        try (CpuBackend b = CpuBackend.create(1);
                Model g = new Model(b, arch.generator(SMALL64), 1).initialize(arch.defaultInit(), 1);
                Model d = new Model(b, arch.discriminator(SMALL64), 2).initialize(arch.defaultInit(), 2);
                Adam adam = Adam.gan(d, 2e-4f);
                Tensor z = b.allocate(Shape.of(n, 100, 1, 1)); Tensor real = b.allocate(Shape.of(n, 3, 64, 64));
                Tensor fake = b.allocate(real.shape()); Tensor ones = b.allocate(n, 1); Tensor zeros = b.allocate(n, 1);
                Tensor lossReal = b.allocate(1); Tensor lossFake = b.allocate(1); Tensor dl = b.allocate(n, 1)) {
            b.copyFromHost(uniform(real.size(), 1), real);
            try (var r = b.newRandom(5)) {
                b.randomNormal(r, 0, 1, z);
            }
            b.copy(g.forward(z), fake);
            b.fill(1f, ones);
            float first = Float.NaN;
            float last = Float.NaN;
            GanLoss loss = GanLoss.NON_SATURATING;
            for (int s = 0; s < 30; s++) {
                d.zeroGrad();
                loss.discriminatorTerm(b, d.forward(real), ones, lossReal, dl);
                d.backward(dl);
                loss.discriminatorTerm(b, d.forward(fake), zeros, lossFake, dl);
                d.backward(dl);
                adam.step();
                last = lossReal.toFloatArray()[0] + lossFake.toFloatArray()[0];
                if (s == 0) {
                    first = last;
                }
            }
            // starts near ln 2 = 0.693 (D knows nothing); 30 Adam steps on two fixed batches must at least halve it
            assertTrue(first > 0.5f, "initial L_D " + first);
            assertTrue(last < 0.5f * first, "L_D went from " + first + " to " + last);
        }
    }
}
