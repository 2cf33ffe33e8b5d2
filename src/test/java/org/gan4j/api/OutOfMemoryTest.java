package org.gan4j.api;

import static org.gan4j.api.OutOfMemoryInjection.failure;
import static org.gan4j.api.OutOfMemoryInjection.mib;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.backend.OutOfDeviceMemoryException;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;

/**
 * Running out of device memory in the middle of a run (injected on the CPU through {@link GanTraining#beforeStep}):
 * the run stops with one message naming the step, the intact last checkpoint and a batch size; nothing partial stays.
 */
class OutOfMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void batchSizeEstimate() {
        // 0.9 * 64 * (100 + 20) / (100 + 300) = 17.28 -> 17 (below the cap of 32)
        assertEquals(17, GanTraining.suggestBatchSize(64, failure(mib(300), mib(20), mib(100))));
        // 0.9 * 64 * (6000 + 40) / (6000 + 96) = 57.05 -> capped at half: 32
        assertEquals(32, GanTraining.suggestBatchSize(64, failure(mib(96), mib(40), mib(6000))));
        // 0.9 * 5 * (0 + 1) / (0 + 1000) = 0.0045 -> at least 2 (the smallest batch a trainer accepts)
        assertEquals(2, GanTraining.suggestBatchSize(5, failure(mib(1000), mib(1), 0)));
        // sizes unknown (a library call failed inside): halve
        assertEquals(32, GanTraining.suggestBatchSize(64, failure(-1, mib(20), mib(100))));
        assertEquals(32, GanTraining.suggestBatchSize(64, failure(mib(300), mib(20), -1)));
        assertEquals(2, GanTraining.suggestBatchSize(5, failure(mib(300), -1, mib(100))));
        assertEquals(2, GanTraining.suggestBatchSize(3, failure(mib(300), -1, mib(100))));
        // nothing smaller than 2
        assertEquals(0, GanTraining.suggestBatchSize(2, failure(mib(300), mib(20), mib(100))));
    }

    @Test
    void outOfMemoryAtStep25KeepsCheckpoint20AndSaysWhatFits() throws IOException {
        Path out = tmp.resolve("run");
        OutOfDeviceMemoryException oom = failure(mib(300), mib(20), mib(100));
        TrainingConfig config = Runs.ring(out, 100).checkpointEvery(10).build();
        GanTraining.TrainingOutOfMemoryException e;
        try (GanTraining t = GanTraining.create(config).beforeStep(step -> {
            if (step == 25) {
                try { // as if a write had been cut short by the failure: the run must delete it
                    Files.writeString(out.resolve("checkpoints").resolve(".step_00000025.safetensors.123.tmp"), "x");
                } catch (IOException io) {
                    throw new java.io.UncheckedIOException(io);
                }
                throw oom;
            }
        })) {
            e = assertThrows(GanTraining.TrainingOutOfMemoryException.class, () -> t.run(new GanTraining.Listener() {
            }));
        }
        Path checkpoint = out.resolve("checkpoints").resolve("step_00000020.safetensors");
        assertEquals("GPU out of memory at step 25 (asked 300.0 MiB, 20.0 MiB free); the last checkpoint " + checkpoint
                + " is intact; a batch size of about 8 should fit: restart with -b 8 and a new --out folder (a resumed"
                + " run keeps its batch size, 32), or free GPU memory and resume with --resume " + out, e.getMessage());
        assertEquals(25, e.step());
        assertEquals(checkpoint, e.lastCheckpoint());
        assertEquals(8, e.suggestedBatchSize()); // 0.9 * 32 * 120 / 400 = 8.64
        assertSame(oom, e.getCause());

        assertEquals(List.of(out.resolve("checkpoints/step_00000010.safetensors"), checkpoint),
                Checkpoint.list(out.resolve("checkpoints")), "no checkpoint of the incomplete step");
        assertEquals(List.of(), temporaryFiles(out));
        assertFalse(Files.exists(out.resolve("summary.json")), "a failed run writes no summary");
        // metrics.csv holds the 24 completed steps, none of the failed one
        assertEquals(24, MetricsLog.read(out.resolve("metrics.csv")).rows().size());

        // The checkpoint loads and the run resumes from it to the end.
        Checkpoint c = Checkpoints.read(out);
        assertEquals(checkpoint, c.file());
        assertEquals(20, Checkpoints.progress(c).step());
        try (GanTraining resumed = GanTraining.resume(c, GanTraining.resumeConfig(c).steps(30).build())) {
            TrainingResult r = resumed.run(new GanTraining.Listener() {
            });
            assertEquals(30, r.steps());
            assertEquals(10, r.stepsThisRun());
        }
        assertEquals(30, MetricsLog.read(out.resolve("metrics.csv")).rows().size());
        assertEquals(List.of(), temporaryFiles(out));
    }

    @Test
    void beforeTheFirstCheckpointThereIsNothingToResume() {
        Path out = tmp.resolve("early");
        GanTraining.TrainingOutOfMemoryException e;
        try (GanTraining t = OutOfMemoryInjection.ring(out, 10, 3, failure(-1, mib(20), -1))) {
            e = assertThrows(GanTraining.TrainingOutOfMemoryException.class, () -> t.run(new GanTraining.Listener() {
            }));
        }
        assertEquals("GPU out of memory at step 3 (asked unknown, 20.0 MiB free); no checkpoint was written yet; a"
                + " batch size of about 16 should fit: restart with -b 16 and a new --out folder (a resumed run keeps"
                + " its batch size, 32)", e.getMessage());
        assertNull(e.lastCheckpoint());
        assertEquals(16, e.suggestedBatchSize());
    }

    @Test
    void batchSizeTwoCannotShrink() throws IOException {
        Path out = tmp.resolve("two");
        TrainingConfig config = Runs.ring(out, 100)
                .trainer(org.gan4j.gan.TrainerConfig.builder().batchSize(2).lr(1e-3f).seed(11).build()).build();
        try (GanTraining t = GanTraining.create(config).beforeStep(step -> {
            if (step == 2) {
                throw failure(mib(1), 0, mib(1));
            }
        })) {
            GanTraining.TrainingOutOfMemoryException e = assertThrows(
                    GanTraining.TrainingOutOfMemoryException.class, () -> t.run(new GanTraining.Listener() {
                    }));
            assertEquals("GPU out of memory at step 2 (asked 1.0 MiB, 0.0 MiB free); no checkpoint was written yet;"
                    + " even a batch size of 2 does not fit: free GPU memory (nvidia-smi) or train on the CPU"
                    + " (--backend cpu)", e.getMessage());
            assertEquals(0, e.suggestedBatchSize());
        }
        assertEquals(List.of(), temporaryFiles(out));
    }

    /** Every file under {@code dir} that is a temporary file of an unfinished write ({@code .name.N.tmp}). */
    static List<Path> temporaryFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")
                    || p.getFileName().toString().startsWith(".")).toList();
        }
    }
}
