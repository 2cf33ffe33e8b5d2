package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;

/**
 * N steps straight against N/2 steps, a checkpoint, and a resumed run of N/2 more: the metrics rows must be identical
 * bit for bit (CPU backend), apart from the timing column. The split falls mid-epoch, so the data position, the
 * optimizers, batch-norm statistics and random counters all have to be restored.
 */
class ExactResumeTest {
    @TempDir
    Path tmp;

    @Test
    void mlpOnRingResumesExactly() throws Exception {
        compare(Runs.ring(tmp.resolve("straight"), 30).build(), Runs.ring(tmp.resolve("split"), 15).build(), 30);
    }

    @Test
    void dcgan28WithBatchNormAndLabelNoiseResumesExactly() throws Exception {
        compare(Runs.shapes(tmp.resolve("straight"), 10).build(), Runs.shapes(tmp.resolve("split"), 5).build(), 10);
    }

    @Test
    void averagedGeneratorResumesExactlyAndIsWhatSamplersUse() throws Exception {
        TrainerConfig ema = Runs.ring(tmp, 1).build().trainer().toBuilder().emaDecay(0.9f).build();
        TrainingConfig straight = Runs.ring(tmp.resolve("straight"), 30).trainer(ema).build();
        compare(straight, Runs.ring(tmp.resolve("split"), 15).trainer(ema).build(), 30);
        Checkpoint c = Checkpoints.read(straight.output());
        var trained = c.group(Checkpoint.GENERATOR);
        var averaged = c.group(Checkpoint.AVERAGED_GENERATOR);
        assertEquals(trained.keySet(), averaged.keySet(), "the average is a whole generator state dict");
        assertFalse(java.util.Arrays.equals(trained.get("0.weight").floats(), averaged.get("0.weight").floats()),
                "averaged weights differ from the trained ones after 30 updates");
        assertSame(averaged.get("0.weight").floats().length, trained.get("0.weight").floats().length);
        assertEquals(averaged.keySet(), Checkpoints.samplingGenerator(c).keySet());
        assertArrayEquals(averaged.get("0.weight").floats(), Checkpoints.samplingGenerator(c).get("0.weight")
                .floats(), 0f, "samplers and eval use the average");
        assertEquals(0.9f, Checkpoints.trainingConfig(c).trainer().emaDecay());
    }

    @Test
    void theScheduleSetsTheLearningRatesOfEveryStep() throws Exception {
        // With the rate cut a millionfold after the first step, nine more steps barely move the generator (Adam moves
        // each weight by about lr per step: 9 x 1e-9); with a constant rate they move it by about 9 x 1e-3.
        TrainingConfig one = Runs.ring(tmp.resolve("one"), 1).build();
        TrainingConfig cut = Runs.ring(tmp.resolve("cut"), 10).lrSchedule(LrSchedule.step(1, 1e-6)).build();
        TrainingConfig constant = Runs.ring(tmp.resolve("constant"), 10).build();
        for (TrainingConfig c : List.of(one, cut, constant)) {
            try (GanTraining t = GanTraining.create(c)) {
                t.run(new GanTraining.Listener() { });
            }
        }
        float[] w1 = Checkpoints.read(one.output()).group(Checkpoint.GENERATOR).get("0.weight").floats();
        float[] wCut = Checkpoints.read(cut.output()).group(Checkpoint.GENERATOR).get("0.weight").floats();
        float[] wConstant = Checkpoints.read(constant.output()).group(Checkpoint.GENERATOR).get("0.weight").floats();
        assertArrayEquals(w1, wCut, 1e-6f, "after step 1 the rate is 1e-9");
        double moved = 0;
        for (int i = 0; i < w1.length; i++) {
            moved = Math.max(moved, Math.abs(wConstant[i] - w1[i]));
        }
        assertTrue(moved > 1e-3, "a constant rate moves the weights: " + moved);
    }

    @Test
    void aScheduleChangedOnResumeSetsTheRatesFromThereOn() throws Exception {
        TrainingConfig first = Runs.ring(tmp.resolve("first"), 5).build(); // constant rate
        try (GanTraining t = GanTraining.create(first)) {
            t.run(new GanTraining.Listener() { });
        }
        Checkpoint c = Checkpoints.read(first.output());
        float[] w5 = c.group(Checkpoint.GENERATOR).get("0.weight").floats();
        // Resumed to 10 steps with the rate cut a millionfold every step (1e-33 of it by step 6): the generator stays
        // where step 5 left it, while the same resume at the constant rate moves it (about 5 x 1e-3).
        Path cutOut = tmp.resolve("cut");
        Path constantOut = tmp.resolve("constant");
        for (Path out : List.of(cutOut, constantOut)) {
            TrainingConfig.Builder rest = GanTraining.resumeConfig(c, out).steps(10);
            if (out == cutOut) {
                rest.lrSchedule(LrSchedule.step(1, 1e-6));
            }
            try (GanTraining t = GanTraining.resume(c, rest.build())) {
                t.run(new GanTraining.Listener() { });
            }
        }
        Checkpoint cut = Checkpoints.read(cutOut);
        assertEquals(10, Checkpoints.progress(cut).step());
        assertArrayEquals(w5, cut.group(Checkpoint.GENERATOR).get("0.weight").floats(), 1e-6f,
                "steps 6 to 10 ran at the new schedule's rate");
        assertEquals(LrSchedule.step(1, 1e-6), Checkpoints.trainingConfig(cut).lrSchedule(), "kept for the next resume");
        float[] wConstant = Checkpoints.read(constantOut).group(Checkpoint.GENERATOR).get("0.weight").floats();
        double moved = 0;
        for (int i = 0; i < w5.length; i++) {
            moved = Math.max(moved, Math.abs(wConstant[i] - w5[i]));
        }
        assertTrue(moved > 1e-3, "the checkpoint's own constant rate moves the weights: " + moved);
    }

    private static void compare(TrainingConfig straight, TrainingConfig firstHalf, long total) throws Exception {
        try (GanTraining t = GanTraining.create(straight)) {
            t.run(new GanTraining.Listener() { });
        }
        try (GanTraining t = GanTraining.create(firstHalf)) {
            t.run(new GanTraining.Listener() { });
        }
        Checkpoint c = Checkpoints.read(firstHalf.output());
        assertEquals(total / 2, Checkpoints.progress(c).step());
        TrainingConfig rest = GanTraining.resumeConfig(c).steps(total).build();
        try (GanTraining t = GanTraining.resume(c, rest)) {
            TrainingResult r = t.run(new GanTraining.Listener() { });
            assertEquals(total, r.steps());
            assertEquals(total - total / 2, r.stepsThisRun());
        }
        List<double[]> a = MetricsLog.read(straight.output().resolve("metrics.csv")).rows();
        List<double[]> b = MetricsLog.read(firstHalf.output().resolve("metrics.csv")).rows();
        assertEquals(total, a.size());
        assertEquals(total, b.size());
        int timing = GanTraining.COLUMNS.indexOf("images_per_s");
        for (int i = 0; i < a.size(); i++) {
            double[] x = a.get(i).clone();
            double[] y = b.get(i).clone();
            x[timing] = 0;
            y[timing] = 0;
            assertArrayEquals(x, y, 0.0, "row " + i + " (step " + (i + 1) + ") differs after resume");
        }
        // The final networks are identical too.
        Checkpoint ca = Checkpoints.read(straight.output());
        Checkpoint cb = Checkpoints.read(firstHalf.output());
        for (String group : List.of(Checkpoint.GENERATOR, Checkpoint.DISCRIMINATOR, Checkpoint.OPTIMIZER,
                Checkpoint.AVERAGED_GENERATOR)) {
            var ga = ca.group(group);
            var gb = cb.group(group);
            assertEquals(ga.keySet(), gb.keySet());
            for (String k : ga.keySet()) {
                assertArrayEquals(ga.get(k).floats(), gb.get(k).floats(), 0f, group + k);
            }
        }
    }
}
