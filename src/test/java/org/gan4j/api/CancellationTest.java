package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.io.Checkpoint;

class CancellationTest {
    @TempDir
    Path tmp;

    @Test
    void cancelFromAnotherThreadStopsTheRunAndLeavesALoadableCheckpoint() throws Exception {
        TrainingConfig config = Runs.ring(tmp.resolve("run"), 1_000_000).build();
        CountDownLatch fiveSteps = new CountDownLatch(5);
        try (GanTraining training = GanTraining.create(config)) {
            CompletableFuture<TrainingResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return training.run(new GanTraining.Listener() {
                        @Override
                        public void onStep(GanTraining.StepReport r) {
                            fiveSteps.countDown();
                        }
                    });
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(fiveSteps.await(60, TimeUnit.SECONDS), "the run did not start");
            training.cancel();
            TrainingResult r = result.get(60, TimeUnit.SECONDS);
            assertTrue(r.cancelled());
            assertTrue(r.steps() >= 5 && r.steps() < 1_000_000, "steps " + r.steps());
            assertTrue(Files.exists(r.checkpoint()));
            Checkpoint c = Checkpoints.read(config.output());
            assertEquals(r.steps(), Checkpoints.progress(c).step());
            try (GanSampler s = GanSampler.of(c, 1)) {
                assertEquals(20, s.sample(10, 1).length);
            }
            assertTrue(Files.exists(config.output().resolve("summary.json")));
        }
    }
}
