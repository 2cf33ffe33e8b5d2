package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.nn.BatchNorm1d;
import org.gan4j.nn.Dropout;
import org.gan4j.nn.Init;
import org.gan4j.nn.LeakyReLU;
import org.gan4j.nn.Linear;
import org.gan4j.nn.Model;
import org.gan4j.nn.ReLU;
import org.gan4j.nn.Sequential;
import org.gan4j.nn.Tanh;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The trainer's step logic on a tiny 2-D GAN whose G has batch norm and whose D has dropout (every state path). */
class GanTrainerTest {
    private static final int NZ = 3;
    private static final int BATCH = 8;

    /** G: z (N, 3) -> Linear(3, 16) BN ReLU -> Linear(16, 2) Tanh; D: (N, 2) -> Linear LReLU Dropout -> Linear. */
    private static final class Gan implements AutoCloseable {
        final Backend b;
        final Model g;
        final Model d;
        final GanTrainer t;

        Gan(Backend b, TrainerConfig config, long initSeed) {
            this.b = b;
            g = new Model(b, new Sequential(new Linear(NZ, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, 2),
                    new Tanh()), 11).initialize(Init.PYTORCH_DEFAULT, initSeed);
            // the model seed keys D's dropout stream: configuration, the same for every run (the init may differ)
            d = new Model(b, new Sequential(new Linear(2, 16), new LeakyReLU(0.2f), new Dropout(0.2f),
                    new Linear(16, 1)), 12).initialize(Init.PYTORCH_DEFAULT, initSeed + 1);
            t = new GanTrainer(b, g, d, Shape.of(NZ), config);
        }

        /** Step {@code s} (1-based) on a real batch that depends only on s. */
        StepMetrics step(long s) {
            SplittableRandom r = new SplittableRandom(1000 + s);
            float[] x = new float[BATCH * 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble(-0.8, 0.8);
            }
            b.copyFromHost(x, t.realInput());
            return t.step();
        }

        @Override
        public void close() {
            t.close();
            g.close();
            d.close();
        }
    }

    private static TrainerConfig.Builder config() {
        // label noise and flips, so the targets draw from the trainer's stream too
        return TrainerConfig.builder().batchSize(BATCH).lr(1e-3f).seed(42).labels(new Labels(0.9f, 0.05f, 0.05f, 0.1f));
    }

    @Test
    void sameSeedGivesIdenticalMetrics() {
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5);
                Gan y = new Gan(b, config().build(), 5)) {
            for (int s = 1; s <= 5; s++) {
                StepMetrics mx = x.step(s);
                StepMetrics my = y.step(s);
                assertEquals(mx, my, "step " + s); // record equality compares the floats bit for bit
                assertTrue(Float.isFinite(mx.lossD()) && Float.isFinite(mx.lossG()), mx.toString());
                assertEquals(s, mx.step());
            }
            assertArrayEquals(x.g.parameters().toFloatArray(), y.g.parameters().toFloatArray());
        }
        // and a different seed gives a different run (the test above could not fail otherwise)
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5);
                Gan y = new Gan(b, config().seed(43).build(), 5)) {
            assertFalse(x.step(1).equals(y.step(1)));
        }
    }

    @Test
    void resumeFromSavedStateContinuesBitForBit() {
        List<StepMetrics> reference = new ArrayList<>();
        float[] referenceG;
        float[] referenceD;
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5)) {
            for (int s = 1; s <= 6; s++) {
                StepMetrics m = x.step(s);
                if (s > 3) {
                    reference.add(m);
                }
            }
            referenceG = x.g.parameters().toFloatArray();
            referenceD = x.d.parameters().toFloatArray();
        }
        TrainerState state;
        Map<String, float[]> gDict;
        Map<String, float[]> dDict;
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5)) {
            for (int s = 1; s <= 3; s++) {
                x.step(s);
            }
            state = x.t.state();
            gDict = x.g.stateDict();
            dDict = x.d.stateDict();
            assertEquals(3, state.step());
        }
        // fresh objects, initialised differently, on a fresh backend: everything must come from the saved state
        try (CpuBackend b = CpuBackend.create(1); Gan y = new Gan(b, config().build(), 99)) {
            y.g.loadStateDict(gDict, List.of());
            y.d.loadStateDict(dDict, List.of());
            y.t.restore(state);
            for (int s = 4; s <= 6; s++) {
                assertEquals(reference.get(s - 4), y.step(s), "step " + s);
            }
            assertArrayEquals(referenceG, y.g.parameters().toFloatArray(), "generator after step 6");
            assertArrayEquals(referenceD, y.d.parameters().toFloatArray(), "discriminator after step 6");
            assertEquals(6, y.t.stepCount());
        }
    }

    @Test
    void restoreRejectsForeignOptimizerState() {
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5)) {
            TrainerState bad = new TrainerState(1, 1, 0, 0, 0, Map.of("x.step", new float[1]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.t.restore(bad));
            assertTrue(e.getMessage().contains("x.step"), e.getMessage());
        }
    }

    @Test
    void generatorIsUpdatedOnlyEveryKthStep() {
        int k = 3;
        try (CpuBackend b = CpuBackend.create(1);
                Gan x = new Gan(b, config().dStepsPerGStep(k).build(), 5)) {
            float[] g = x.g.parameters().toFloatArray();
            float[] d = x.d.parameters().toFloatArray();
            for (int s = 1; s <= 2 * k; s++) {
                StepMetrics m = x.step(s);
                float[] g2 = x.g.parameters().toFloatArray();
                float[] d2 = x.d.parameters().toFloatArray();
                boolean expectG = s % k == 0;
                assertEquals(expectG, m.generatorStepped(), "step " + s);
                assertEquals(expectG, !java.util.Arrays.equals(g, g2), "G changed at step " + s);
                assertFalse(java.util.Arrays.equals(d, d2), "D must change at every step, step " + s);
                assertEquals(expectG, Float.isFinite(m.lossG()), "lossG is NaN without a G step: " + m);
                assertEquals(expectG, Float.isFinite(m.gradNormG()), "gradNormG: " + m);
                assertEquals(s / k, x.t.generatorStepCount());
                g = g2;
                d = d2;
            }
        }
    }

    @Test
    void nanWeightThrowsDivergedNamingTheValue() {
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5)) {
            x.step(1);
            float[] w = x.d.namedParameters().get("0.weight").value().toFloatArray();
            w[0] = Float.NaN;
            b.copyFromHost(w, x.d.namedParameters().get("0.weight").value());
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> x.step(2));
            assertEquals("lossD", e.metric());
            assertEquals(2, e.step());
            assertTrue(Float.isNaN(e.value()));
            assertTrue(e.getMessage().contains("lossD is NaN at step 2"), e.getMessage());
            assertTrue(e.getMessage().contains("learning rate") && e.getMessage().contains("[-1, 1]"),
                    e.getMessage());
        }
    }

    @Test
    void metricsAreReadOnlyEveryNthStep() {
        List<StepMetrics> seen = new ArrayList<>();
        try (CpuBackend b = CpuBackend.create(1);
                Gan x = new Gan(b, config().metricsEvery(3).build(), 5)) {
            x.t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    seen.add(m);
                }
            });
            for (int s = 1; s <= 6; s++) {
                StepMetrics m = x.step(s);
                if (s % 3 == 0) {
                    assertNotNull(m, "step " + s);
                    assertEquals(s, m.step());
                } else {
                    assertNull(m, "step " + s);
                }
            }
        }
        assertEquals(2, seen.size());
        assertEquals(6, seen.get(1).step());
    }

    /**
     * Deferred metrics are the immediate ones one read later: step s returns step s - 1's (null at first), the
     * flush the last; bit for bit, listeners included; a NaN is still caught, naming its own step.
     */
    @Test
    void deferredMetricsArriveOneReadLaterWithTheSameValues() {
        List<StepMetrics> immediate = new ArrayList<>();
        List<StepMetrics> heard = new ArrayList<>();
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5);
                Gan y = new Gan(b, config().build(), 5)) {
            y.t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    heard.add(m);
                }
            });
            y.t.deferMetrics(true);
            for (int s = 1; s <= 5; s++) {
                immediate.add(x.step(s));
                StepMetrics late = y.step(s);
                if (s == 1) {
                    assertNull(late);
                } else {
                    assertEquals(immediate.get(s - 2), late, "step " + s + " returns step " + (s - 1));
                }
            }
            assertEquals(immediate.get(4), y.t.flushMetrics());
            assertNull(y.t.flushMetrics(), "nothing left");
            assertEquals(immediate, heard);
            float[] w = y.d.namedParameters().get("0.weight").value().toFloatArray();
            w[0] = Float.NaN;
            b.copyFromHost(w, y.d.namedParameters().get("0.weight").value());
            assertNull(y.step(6), "nothing pending after the flush");
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, y.t::flushMetrics);
            assertEquals(6, e.step());
        }
    }

    @Test
    void collapsingDiscriminatorLossWarnsOnce() {
        // A threshold above any possible BCE loss makes every read step count: after 3 of them, one warning
        List<String> warnings = new ArrayList<>();
        try (CpuBackend b = CpuBackend.create(1);
                Gan x = new Gan(b, config().collapseWarning(1000f, 3).build(), 5)) {
            x.t.addListener(new TrainingListener() {
                @Override
                public void onWarning(String message) {
                    warnings.add(message + " @" + x.t.stepCount());
                }
            });
            for (int s = 1; s <= 6; s++) {
                x.step(s);
            }
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("below 1000.0 for 3 read steps") && warnings.get(0).endsWith("@3"),
                warnings.get(0));
    }

    @Test
    void generateIsRepeatableAndEvalModeIsOptional() {
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, config().build(), 5)) {
            x.step(1);
            float[] a = x.t.generate(BATCH, 7, GanTrainer.SamplingMode.EVAL);
            assertTrue(x.g.isTraining(), "G goes back to training mode after an eval-mode sample");
            float[] c = x.t.generate(BATCH, 7, GanTrainer.SamplingMode.EVAL);
            assertArrayEquals(a, c, "eval mode, same seed: same samples");
            float[] train = x.t.generate(BATCH, 7);
            assertEquals(BATCH * 2, train.length);
            assertFalse(java.util.Arrays.equals(a, train), "train mode uses batch statistics, eval running ones");
            for (float v : train) {
                assertTrue(v >= -1f && v <= 1f, "tanh output: " + v);
            }
            assertThrows(IllegalArgumentException.class, () -> x.t.sample(x.t.realInput()));
        }
    }

    @Test
    void averagedGeneratorGetsBatchNormStatisticsOfItsOwnAndLeavesTheLiveOnes() {
        TrainerConfig averaging = config().lr(0.05f).emaDecay(0.9f).build();
        try (CpuBackend b = CpuBackend.create(1); Gan x = new Gan(b, averaging, 5);
                Gan twin = new Gan(b, averaging, 5)) {
            for (int s = 1; s <= 6; s++) {
                x.step(s);
                twin.step(s);
            }
            Map<String, float[]> live = x.g.stateDict();
            Map<String, float[]> avg = x.t.averagedGeneratorState();
            x.t.generate(BATCH, 7, GanTrainer.SamplingMode.EVAL);
            x.t.generate(BATCH, 7);
            Map<String, float[]> after = x.g.stateDict();
            for (String k : live.keySet()) {
                assertArrayEquals(live.get(k), after.get(k), 0f, k + ": the live weights and statistics are put back");
            }
            // By hand: G's batch norm sees h = W z + c with the averaged Linear (W, c) and z ~ N(0, I), so per unit
            // mean c_j and variance ||W_j||^2. The recomputed statistics estimate them from 50 batches of 8 with
            // momentum 0.1: about 19 batches' worth (sum of squared weights 0.01 / 0.19), 152 samples, so a standard
            // error of 0.08 sd for the mean and of 0.12 variances for the variance (unbiased, 7 degrees of freedom a
            // batch); allowed: 5 of them.
            float[] w = avg.get("0.weight");
            float[] c = avg.get("0.bias");
            float[] mean = avg.get("1.running_mean");
            float[] var = avg.get("1.running_var");
            boolean differs = false;
            for (int j = 0; j < 16; j++) {
                double v = 0;
                for (int i = 0; i < NZ; i++) {
                    v += (double) w[j * NZ + i] * w[j * NZ + i];
                }
                assertEquals(c[j], mean[j], 0.4 * Math.sqrt(v), "running mean of unit " + j);
                assertEquals(v, var[j], 0.6 * v, "running variance of unit " + j);
                differs |= mean[j] != live.get("1.running_mean")[j];
            }
            assertTrue(differs, "the averaged G's statistics are its own, not the live G's");
            for (int s = 7; s <= 9; s++) {
                assertEquals(twin.step(s), x.step(s), "sampling the average changed nothing in training");
            }
            assertArrayEquals(twin.g.parameters().toFloatArray(), x.g.parameters().toFloatArray(), 0f);
        }
    }

    @Test
    void constructorChecksTheModels() {
        try (CpuBackend b = CpuBackend.create(1); CpuBackend other = CpuBackend.create(1);
                Gan x = new Gan(b, config().build(), 5);
                Model foreign = new Model(other, new Sequential(new Linear(2, 1)), 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new GanTrainer(b, x.g, foreign, Shape.of(NZ), config().build()));
            assertTrue(e.getMessage().contains("discriminator lives on another backend"), e.getMessage());
            try (Model wide = new Model(b, new Sequential(new Linear(2, 3)), 1)) {
                e = assertThrows(IllegalArgumentException.class,
                        () -> new GanTrainer(b, x.g, wide, Shape.of(NZ), config().build()));
                assertTrue(e.getMessage().contains("one logit per sample"), e.getMessage());
            }
        }
    }

    @Test
    void r1IsRefusedForADiscriminatorThatIsNotPiecewiseLinear() {
        // the test GAN's D has dropout
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gan(CpuBackend.create(1), config().r1Gamma(1f).build(), 5).close());
        assertTrue(e.getMessage().contains("R1") && e.getMessage().contains("piecewise linear"), e.getMessage());
    }

    /**
     * With R1, D's loss on the first step is the loss without it plus gamma / 2 * mean ||grad_x D(x)||^2 on the real
     * batch, the input gradient taken here independently (a backward of ones through the initial D); the
     * penalty's parameter gradient is checked against finite differences in R1BackwardTest.
     */
    @Test
    void r1AddsThePenaltyOfTheRealBatchToTheDiscriminatorLoss() {
        float gamma = 2f;
        float[] lossD = new float[2];
        double penalty = 0;
        for (int run = 0; run < 2; run++) {
            try (CpuBackend b = CpuBackend.create(1);
                    Model g = new Model(b, new Sequential(new Linear(NZ, 16), new ReLU(), new Linear(16, 2)), 11)
                            .initialize(Init.PYTORCH_DEFAULT, 5);
                    Model d = new Model(b, new Sequential(new Linear(2, 16), new LeakyReLU(0.2f), new Linear(16, 1)),
                            12).initialize(Init.PYTORCH_DEFAULT, 6);
                    GanTrainer t = new GanTrainer(b, g, d, Shape.of(NZ),
                            config().labels(Labels.HARD).r1Gamma(run == 0 ? 0f : gamma).build());
                    org.gan4j.tensor.Tensor ones = b.allocate(BATCH, 1)) {
                SplittableRandom r = new SplittableRandom(7);
                float[] x = new float[BATCH * 2];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextDouble(-0.8, 0.8);
                }
                b.copyFromHost(x, t.realInput());
                if (run == 1) {
                    b.fill(1f, ones);
                    d.forward(t.realInput());
                    float[] grad = d.backwardToInputOnly(ones).toFloatArray();
                    for (float v : grad) {
                        penalty += (double) v * v;
                    }
                    penalty *= gamma / 2.0 / BATCH;
                }
                lossD[run] = t.step().lossD();
            }
        }
        assertTrue(penalty > 1e-3, "a penalty big enough to see: " + penalty);
        // float sums of 8 squares and 3 losses: a few ulps of the loss
        assertEquals(lossD[0] + penalty, lossD[1], 1e-5 * Math.abs(lossD[1]), "lossD with R1");
    }
}
