package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.data.Mixture2d;
import org.gan4j.metrics.MixtureMetrics;
import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Model;
import org.junit.jupiter.api.Test;

/**
 * End to end on the CPU: the MLP GAN learns the ring of 8 Gaussians (std 0.01, radius 1), judged on 2,500 generated
 * points by the VEEGAN/PacGAN protocol of {@link MixtureMetrics}: at least 7 of 8 modes covered and at least 80% of the
 * points within 3 std of their nearest mode.
 *
 * <p>Settings, tuned by hand: the default {@link GanArchitecture#MLP2D} (nz 2, 3 hidden layers of 128 for G and D,
 * PyTorch default init), non-saturating loss, hard labels, batch 128, Adam lr 1e-3 with betas (0.5, 0.999) for both
 * networks for {@value #STEPS} steps, the last {@value #POLISH_STEPS} of them at lr 1e-4 to tighten the clusters.
 * Real batches are drawn with replacement from 100,000 ring points. Measured with these settings (seed = data,
 * init and trainer seed): seed 1 (this test) 8/8 modes, 89.1% high quality; seeds 2 to 7: 8/8 each, 93.8, 93.8,
 * 95.8, 90.8, 94.7, 90.6% (seeds 4 to 7 with the rate lowered one step earlier). Without the lower-rate phase seed 1
 * gives 8/8 and 86.9%. A narrower net (64 units) was not robust: it hopped between modes, 50 to 92% high quality
 * and 5 to 8 modes depending on seed and step. About 7 ms of CPU per step on one thread.
 */
class GanTrainerRingTest {
    private static final int STEPS = 3000;
    private static final int POLISH_STEPS = 1000;
    private static final int BATCH = 128;
    private static final float LR = 1e-3f;
    private static final long SEED = 1;

    @Test
    void mlpGanCoversTheRingOfEightGaussians() {
        GanArchitecture arch = GanArchitecture.MLP2D;
        Mixture2d ring = Mixture2d.ring8(100_000, SEED);
        float[] points = ring.points();
        try (CpuBackend b = CpuBackend.create(1);
                Model g = new Model(b, arch.generator(), 1).initialize(arch.defaultInit(), SEED * 31 + 1);
                Model d = new Model(b, arch.discriminator(), 2).initialize(arch.defaultInit(), SEED * 31 + 2);
                GanTrainer t = new GanTrainer(b, g, d, arch.latentShape(), TrainerConfig.builder().batchSize(BATCH)
                        .lr(LR).betas(0.5f, 0.999f).seed(SEED).metricsEvery(500).build())) {
            SplittableRandom r = new SplittableRandom(SEED);
            float[] x = new float[BATCH * 2];
            StepMetrics last = null;
            for (int s = 1; s <= STEPS; s++) {
                if (s == STEPS - POLISH_STEPS + 1) {
                    t.discriminatorOptimizer().setLearningRate(LR / 10);
                    t.generatorOptimizer().setLearningRate(LR / 10);
                }
                for (int i = 0; i < BATCH; i++) {
                    int k = r.nextInt(ring.size());
                    x[2 * i] = points[2 * k];
                    x[2 * i + 1] = points[2 * k + 1];
                }
                b.copyFromHost(x, t.realInput());
                StepMetrics m = t.step(); // checks every 500th step's metrics for NaN
                last = m != null ? m : last;
            }
            MixtureMetrics.Result result = MixtureMetrics.evaluate(t.generate(2500, 12345), ring);
            String report = result + "; last metrics: " + last;
            assertTrue(result.modesCovered() >= 7, report);
            assertTrue(result.highQualityFraction() >= 0.80, report);
        }
    }
}
