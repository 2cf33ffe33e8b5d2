package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.backend.cuda.GpuTests;
import org.gan4j.gan.TrainerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedding on a GPU: two trainers in one JVM, each with its own CUDA backend (its own stream, handles, workspaces
 * and device memory), run at the same time and each gives the metrics it gives alone. Skips without a GPU (see
 * {@link GpuTests}); run by {@code scripts/gpu-check.sh run}.
 *
 * <p>Unlike {@link ConcurrencyTest} on the CPU, equality is not bit for bit: each backend picks its cuDNN algorithms
 * by timing them, and under concurrent load it may pick different ones, whose float results differ in rounding
 * (about 1e-6 relative per convolution, growing over 10 steps of training to well under 1e-2). Shared or corrupted
 * state between the two runs (a stream, a workspace, a random counter) shows up instead as differences of order 1 or
 * as non-finite values, which the tolerance below rejects.
 */
class CudaConcurrencyTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void twoCudaTrainersGiveTheMetricsTheyGiveAlone() throws Exception {
        GpuTests.assumeGpu();
        List<TrainingConfig.Builder> runs = List.of(dcgan28(21), dcgan28(22));
        ConcurrentRuns.Result r = ConcurrentRuns.aloneThenTogether(runs, tmp, 240);
        int timing = GanTraining.COLUMNS.indexOf("images_per_s");
        for (int i = 0; i < runs.size(); i++) {
            List<double[]> a = r.alone().get(i);
            List<double[]> b = r.together().get(i);
            assertEquals(a.size(), b.size(), "run " + i + ": rows");
            for (int row = 0; row < a.size(); row++) {
                for (int col = 0; col < a.get(row).length; col++) {
                    if (col == timing) {
                        continue;
                    }
                    double x = a.get(row)[col];
                    double y = b.get(row)[col];
                    assertTrue(Double.isFinite(y) == Double.isFinite(x)
                            && (!Double.isFinite(x) || Math.abs(x - y) <= 1e-4 + 1e-2 * Math.abs(x)),
                            "run " + i + ", step " + (row + 1) + ", " + GanTraining.COLUMNS.get(col) + ": alone " + x
                                    + ", concurrently " + y);
                }
            }
        }
    }

    private static TrainingConfig.Builder dcgan28(long seed) {
        return TrainingConfig.builder().model(ModelConfig.of("dcgan28")).dataset(DatasetConfig.synthetic(1024))
                .trainer(TrainerConfig.builder().batchSize(64).seed(seed).build())
                .steps(10).backend("cuda");
    }
}
