package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.gan.Labels;
import org.gan4j.gan.TrainerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedding: independent trainers in one JVM share no state. Three runs (mlp2d on the ring, dcgan28 with batch norm
 * and label noise on synthetic shapes, and a second mlp2d with another seed) are first trained one after another,
 * then all at the same time on three threads (CPU backend, each with its own backend and one OpenBLAS thread); each
 * concurrent run must give exactly, bit for bit, the metrics it gave alone.
 */
class ConcurrencyTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void concurrentTrainersGiveTheMetricsTheyGiveAlone() throws Exception {
        List<TrainingConfig.Builder> runs = List.of(ring(11), shapes(), ring(12));
        ConcurrentRuns.Result r = ConcurrentRuns.aloneThenTogether(runs, tmp, 120);
        int timing = GanTraining.COLUMNS.indexOf("images_per_s");
        for (int i = 0; i < runs.size(); i++) {
            List<double[]> a = r.alone().get(i);
            List<double[]> b = r.together().get(i);
            assertEquals(a.size(), b.size(), "run " + i + ": rows");
            for (int row = 0; row < a.size(); row++) {
                double[] x = a.get(row).clone();
                double[] y = b.get(row).clone();
                x[timing] = 0;
                y[timing] = 0;
                assertArrayEquals(x, y, 0.0, "run " + i + ", step " + (row + 1) + " differs when run concurrently");
            }
        }
    }

    private static TrainingConfig.Builder ring(long seed) {
        return TrainingConfig.builder().model(ModelConfig.mlp2d(2, 32, 2)).dataset(DatasetConfig.ring(1024))
                .trainer(TrainerConfig.builder().batchSize(32).lr(1e-3f).seed(seed).build())
                .steps(60).backend("cpu").threads(1);
    }

    private static TrainingConfig.Builder shapes() {
        return TrainingConfig.builder().model(ModelConfig.of("dcgan28")).dataset(DatasetConfig.synthetic(64))
                .trainer(TrainerConfig.builder().batchSize(8).seed(5)
                        .labels(new Labels(0.9f, 0.05f, 0.05f, 0.05f)).build())
                .steps(8).backend("cpu").threads(1);
    }
}
