package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        for (String group : List.of(Checkpoint.GENERATOR, Checkpoint.DISCRIMINATOR, Checkpoint.OPTIMIZER)) {
            var ga = ca.group(group);
            var gb = cb.group(group);
            assertEquals(ga.keySet(), gb.keySet());
            for (String k : ga.keySet()) {
                assertArrayEquals(ga.get(k).floats(), gb.get(k).floats(), 0f, group + k);
            }
        }
    }
}
