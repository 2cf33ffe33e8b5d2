package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;
import org.gan4j.testing.TrainingWarnings;

/** The run folder's rules (see {@link RunFolder}): lock, no overwriting, where a resume writes, later history. */
class RunFolderTest {
    @TempDir
    Path tmp;

    private static TrainingResult train(TrainingConfig c) throws IOException {
        try (GanTraining t = GanTraining.create(c)) {
            return t.run(new GanTraining.Listener() { });
        }
    }

    /** Every regular file under {@code dir} with its bytes, by relative path. */
    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static void assertSameFiles(Map<String, byte[]> a, Map<String, byte[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k);
        }
    }

    @Test
    void aSecondRunIntoTheSameFolderIsRefusedWhileTheFirstRuns() throws Exception {
        Path out = tmp.resolve("run");
        TrainingConfig c = Runs.ring(out, 5).build();
        List<String> refused = new ArrayList<>();
        try (GanTraining first = GanTraining.create(c)) {
            first.run(new GanTraining.Listener() {
                @Override
                public void onStep(GanTraining.StepReport r) {
                    if (r.step() == 2) {
                        try (GanTraining second = GanTraining.create(c)) {
                            second.run(new GanTraining.Listener() { });
                        } catch (IllegalStateException | IOException e) {
                            refused.add(e.getMessage());
                        }
                    }
                }
            });
        }
        assertEquals(List.of("output folder " + out + " is in use by another run (pid " + ProcessHandle.current().pid()
                + ", lock " + out.resolve("run.lock") + "); wait for it to finish or choose another output folder"
                + " (--out)"), refused);
        assertEquals(5, MetricsLog.read(out.resolve("metrics.csv")).rows().size()); // the first run's, untouched
    }

    /** A child JVM holding the lock blocks; once it is killed (a crash) the lock is free again. */
    @Test
    void aLockHeldByAnotherProcessBlocksAndAKilledHolderDoesNot() throws Exception {
        Path out = tmp.resolve("run");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunFolder.lock(out));
            assertEquals("output folder " + out + " is in use by another run (pid " + child.pid() + ", lock "
                    + out.resolve("run.lock") + "); wait for it to finish or choose another output folder (--out)",
                    e.getMessage());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.exists(out.resolve("run.lock")), "the stale lock file is still there");
        try (RunFolder f = RunFolder.lock(out)) {
            assertEquals(out, f.dir());
        }
    }

    /** Child JVM main: locks the folder in args[0], says so, and waits to be killed. */
    static final class LockHolder {
        public static void main(String[] args) throws Exception {
            RunFolder f = RunFolder.lock(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
            f.close();
        }
    }

    @Test
    void aNewRunRefusesAFolderHoldingARunUnlessToldToOverwrite() throws Exception {
        Path out = tmp.resolve("run");
        train(Runs.ring(out, 25).checkpointEvery(10).build());
        Files.writeString(out.resolve("notes.txt"), "mine");
        Map<String, byte[]> before = snapshot(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(Runs.ring(out, 5).build()));
        assertEquals("output folder " + out + " already holds a run (metrics.csv, summary.json, losses.png, samples/,"
                + " checkpoints/); resume it (--resume " + out + "), choose another output folder (--out), or replace"
                + " that run with --overwrite", e.getMessage());
        assertSameFiles(before, snapshot(out));

        try (GanTraining t = GanTraining.create(Runs.ring(out, 5).build()).overwrite()) {
            t.run(new GanTraining.Listener() { });
        }
        assertEquals(List.of(Checkpoint.fileFor(out.resolve("checkpoints"), 5)),
                Checkpoint.list(out.resolve("checkpoints")));
        assertEquals(5, MetricsLog.read(out.resolve("metrics.csv")).rows().size());
        assertFalse(Files.exists(out.resolve("samples/epoch_002.png")), "the old run's second grid is gone");
        assertEquals("mine", Files.readString(out.resolve("notes.txt"))); // not a run file: left alone
    }

    @Test
    void resumeWritesIntoTheCheckpointsOwnFolderNeverTheOneStoredInside() throws Exception {
        Path original = tmp.resolve("original");
        train(Runs.ring(original, 10).checkpointEvery(5).build());
        Path copy = tmp.resolve("copy");
        try (Stream<Path> s = Files.walk(original)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, copy.resolve(original.relativize(p).toString()));
            }
        }
        Map<String, byte[]> before = snapshot(original);
        Checkpoint c = Checkpoints.read(copy);
        TrainingConfig config = GanTraining.resumeConfig(c).steps(15).build();
        assertEquals(copy, config.output());
        try (GanTraining t = GanTraining.resume(c, config)) {
            t.run(new GanTraining.Listener() { });
        }
        assertSameFiles(before, snapshot(original));
        assertEquals(15, MetricsLog.read(copy.resolve("metrics.csv")).rows().size());

        Path loose = Files.copy(Checkpoint.fileFor(original.resolve("checkpoints"), 10), tmp.resolve("x.safetensors"));
        Checkpoint lc = Checkpoints.read(loose);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GanTraining.resumeConfig(lc));
        assertEquals("checkpoint " + loose + " is not in a run folder (RUN/checkpoints/step_N.safetensors), so there"
                + " is none to continue; give the output folder of the resumed run (--out DIR)", e.getMessage());
        Path elsewhere = tmp.resolve("elsewhere");
        try (GanTraining t = GanTraining.resume(lc, GanTraining.resumeConfig(lc, elsewhere).steps(12).build())) {
            t.run(new GanTraining.Listener() { });
        }
        assertEquals(List.of(Checkpoint.fileFor(elsewhere.resolve("checkpoints"), 12)),
                Checkpoint.list(elsewhere.resolve("checkpoints")));
    }

    @Test
    void resumingIntoAnotherRunIsRefusedAndANewFolderGetsTheHistory() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        train(Runs.ring(a, 10).checkpointEvery(5).build());
        train(Runs.ring(b, 6).build());
        Map<String, byte[]> before = snapshot(b);
        Checkpoint c = Checkpoints.read(a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            try (GanTraining t = GanTraining.resume(c, GanTraining.resumeConfig(c, b).steps(20).build())) {
                t.run(new GanTraining.Listener() { });
            }
        });
        assertEquals("output folder " + b + " already holds a run (metrics.csv, summary.json, losses.png, samples/,"
                + " checkpoints/); choose another output folder (--out), or replace that run with --overwrite",
                e.getMessage());
        assertSameFiles(before, snapshot(b));

        Path fresh = tmp.resolve("fresh");
        try (GanTraining t = GanTraining.resume(c, GanTraining.resumeConfig(c, fresh).steps(20).build())) {
            t.run(new GanTraining.Listener() { });
        }
        List<double[]> rows = MetricsLog.read(fresh.resolve("metrics.csv")).rows();
        assertEquals(20, rows.size()); // a's 10 rows, then the 10 of this run
        assertArrayEquals(MetricsLog.read(a.resolve("metrics.csv")).rows().get(9), rows.get(9), 0.0);
    }

    @Test
    void resumingFromAnOlderCheckpointMovesTheLaterHistoryAside() throws Exception {
        Path out = tmp.resolve("run");
        train(Runs.ring(out, 30).checkpointEvery(5).keepCheckpoints(10).build());
        Path dir = out.resolve("checkpoints");
        byte[] step30 = Files.readAllBytes(Checkpoint.fileFor(dir, 30));
        byte[] metrics = Files.readAllBytes(out.resolve("metrics.csv"));
        Checkpoint c = Checkpoints.read(Checkpoint.fileFor(dir, 10));
        List<String> warnings;
        try (GanTraining t = GanTraining.resume(c, GanTraining.resumeConfig(c).steps(25).build())) {
            warnings = TrainingWarnings.runCollecting(t);
        }
        List<Path> moved;
        try (Stream<Path> s = Files.list(out.resolve("superseded"))) {
            moved = s.toList();
        }
        assertEquals(1, moved.size());
        Path aside = moved.get(0);
        assertTrue(aside.getFileName().toString().startsWith("step_10-"), aside.toString());
        assertEquals(List.of("resuming from step 10 of a run that went on to step 30: its later checkpoints and"
                + " samples, metrics.csv, losses.png and summary.json were moved to " + aside), warnings);
        assertArrayEquals(step30, Files.readAllBytes(Checkpoint.fileFor(aside.resolve("checkpoints"), 30)));
        assertArrayEquals(metrics, Files.readAllBytes(aside.resolve("metrics.csv")));
        assertTrue(Files.exists(aside.resolve("samples/epoch_002.png")));
        assertTrue(Files.exists(aside.resolve("summary.json")));
        // The folder now holds the resumed run only: no stale step 30 passing for the newest checkpoint.
        assertEquals(List.of(5L, 10L, 15L, 20L, 25L), Checkpoint.list(dir).stream().map(Checkpoint::stepOf).toList());
        assertEquals(25, MetricsLog.read(out.resolve("metrics.csv")).rows().size());
    }

    @Test
    void checkpointsBeingAFileFailsBeforeTheFirstStep() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(out.resolve("checkpoints"), "not a folder");
        int[] steps = {0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            try (GanTraining t = GanTraining.create(Runs.ring(out, 5).build())) {
                t.run(new GanTraining.Listener() {
                    @Override
                    public void onStep(GanTraining.StepReport r) {
                        steps[0]++;
                    }
                });
            }
        });
        assertEquals(out.resolve("checkpoints") + " is a file where the run keeps its checkpoints; move it away or"
                + " choose another output folder (--out)", e.getMessage());
        assertEquals(0, steps[0]);
    }

    /** Metrics read every 50 steps, 20 steps per epoch: epochs end with no row to plot, checkpoints still come. */
    @Test
    void metricsReadLessOftenThanAnEpochEndsStillCheckpointsAndResumes() throws Exception {
        Path out = tmp.resolve("run");
        TrainingConfig c = Runs.ring(out, 45).trainer(TrainerConfig.builder().batchSize(32).lr(1e-3f).seed(11)
                .metricsEvery(50).build()).build();
        List<String> warnings;
        try (GanTraining t = GanTraining.create(c)) {
            warnings = TrainingWarnings.runCollecting(t);
        }
        assertEquals(List.of(), warnings);
        assertEquals(List.of(20L, 40L, 45L), Checkpoint.list(out.resolve("checkpoints")).stream()
                .map(Checkpoint::stepOf).toList());
        assertTrue(Files.size(out.resolve("losses.png")) > 0);
        Checkpoint last = Checkpoints.read(out);
        try (GanTraining t = GanTraining.resume(last, GanTraining.resumeConfig(last).steps(70).build())) {
            assertEquals(70, t.run(new GanTraining.Listener() { }).steps());
        }
        assertEquals(1, MetricsLog.read(out.resolve("metrics.csv")).rows().size()); // step 50
    }

    @Test
    void closeFromTheListenerStopsTheRunInsteadOfDeadlocking() {
        TrainingResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (GanTraining t = GanTraining.create(Runs.ring(tmp.resolve("run"), 1_000).build())) {
                return t.run(new GanTraining.Listener() {
                    @Override
                    public void onStep(GanTraining.StepReport report) {
                        if (report.step() == 3) {
                            t.close();
                        }
                    }
                });
            }
        });
        assertTrue(r.cancelled());
        assertEquals(3, r.steps());
    }
}
