package org.gan4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: the default recipe on all of Fashion-MNIST must reach the 90% floor. Minutes of CPU, so it runs
 * only with {@code -Dgan4j.slowTests=true}; being opt-in, it prints its measurements (accuracy, wall and CPU time,
 * the FD floor) on one line.
 */
class FeatureClassifierSlowTest {

    @Test
    void defaultRecipeReachesTheFashionMnistFloor(@TempDir Path cache) {
        assumeTrue(Boolean.getBoolean("gan4j.slowTests"), "slow test: run with -Dgan4j.slowTests=true");
        Dataset train = ImageSets.fashionMnist(true);
        Dataset test = ImageSets.fashionMnist(false);
        // One thread: on a shared 2-core machine a second OpenBLAS/pool thread mostly waits for the CPU.
        try (CpuBackend backend = CpuBackend.create(1)) {
            long wall0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            double accuracy;
            try (FeatureClassifier c = FeatureClassifier.loadOrTrain(backend, train, test, cache, 1,
                    FeatureClassifier.Progress.NONE)) {
                accuracy = c.testAccuracy();
            }
            double trainWall = (System.nanoTime() - wall0) / 1e9;
            double trainCpu = (processCpuNanos() - cpu0) / 1e9;
            assertTrue(accuracy >= FeatureClassifier.FASHION_MNIST_MIN_ACCURACY, "test accuracy " + accuracy);

            long hit0 = System.nanoTime();
            try (FeatureClassifier c = FeatureClassifier.loadOrTrain(backend, train, test, cache, 1,
                    FeatureClassifier.Progress.NONE)) {
                double hitWall = (System.nanoTime() - hit0) / 1e9;
                assertEquals(accuracy, c.testAccuracy(), 0.0, "the cache returns the measured accuracy");
                assertTrue(hitWall < trainWall / 5, "a cache hit (" + hitWall + " s) must not retrain");

                // 5,000 real training images in the generator's place, scored against the test split's halves.
                float[] real = ImageSets.flatten(train, i -> i < 5000);
                long eval0 = System.nanoTime();
                ImageQuality q = ImageQuality.evaluate(c, real, 5000, test);
                double evalWall = (System.nanoTime() - eval0) / 1e9;
                // Real vs real: KL of 10-bin histograms of 5,000 vs 10,000 draws ~ 9/2 (1/5000 + 1/10000) = 0.0014.
                assertTrue(q.klDivergence() < 0.02, "KL of real images " + q.klDivergence());
                // Real-vs-real FD scatters by a factor ~2 between samples (see ImageQualityTest).
                assertTrue(q.frechetDistance() < 2.5 * q.frechetFloor(), q.summary());
                System.out.printf("FeatureClassifierSlowTest: Fashion-MNIST test accuracy %.2f%%, loadOrTrain %.1f s "
                        + "wall / %.1f s CPU (%s), cache hit %.2f s; real train images vs test halves: FD %.3f, "
                        + "floor FD(test even, test odd) %.3f, KL %.5f, evaluate %.1f s%n", 100 * accuracy, trainWall,
                        trainCpu, backend.deviceDescription(), hitWall, q.frechetDistance(), q.frechetFloor(),
                        q.klDivergence(), evalWall);
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
