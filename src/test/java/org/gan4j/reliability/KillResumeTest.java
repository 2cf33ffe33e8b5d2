package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.gan4j.api.GanTraining;
import org.gan4j.cli.Main;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;
import org.gan4j.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real training process ({@code org.gan4j.cli.Main train} in its own JVM: mlp2d on the 8-Gaussian ring, a
 * checkpoint every 10 steps) is killed with SIGKILL ({@link Process#destroyForcibly()}) again and again, alternately
 * the moment a checkpoint's temporary file appears (so the kill lands while the checkpoint is being written) and at a
 * random moment, and restarted with {@code --resume} each time. It shows that
 * <ol>
 * <li>after every kill, the newest {@code step_N.safetensors} is complete and loads, and no step already
 * checkpointed is lost;</li>
 * <li>the run then finishes (exit code 0) and leaves no temporary file behind;</li>
 * <li>its metrics.csv (every loss and D output, step by step) and its final networks and optimizer state are
 * bit-for-bit those of an uninterrupted run with the same seed (CPU backend).</li>
 * </ol>
 * CI's version makes {@value #KILLS} kills in well under a minute; {@code -Dgan4j.killResume.kills=N} makes more.
 */
class KillResumeTest {
    private static final int KILLS = Integer.getInteger("gan4j.killResume.kills", 4);
    private static final int STEPS = 400;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void killedRunResumesToTheLossesOfAnUninterruptedRun() throws Exception {
        Path ref = tmp.resolve("reference");
        Path run = tmp.resolve("killed");
        List<String> options = List.of("--dataset", "ring", "--dataset-size", "2000", "--batch-size", "32",
                "--steps", Integer.toString(STEPS), "--checkpoint-every", "10", "--keep-checkpoints", "2",
                "--backend", "cpu", "--threads", "1", "--seed", "7");

        // The uninterrupted run, in this JVM (same code, same seed).
        List<String> refArgs = new ArrayList<>(List.of("train"));
        refArgs.addAll(options);
        refArgs.addAll(List.of("--out", ref.toString()));
        StringWriter refErr = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(refErr),
                refArgs.toArray(new String[0])), refErr::toString);

        Random random = new Random(20240607);
        int kills = 0;
        int killsDuringWrite = 0;
        int tries = 0;
        long lastStep = 0;
        List<String> log = new ArrayList<>();
        while (kills < KILLS) {
            boolean atTempFile = kills % 2 == 0;
            List<Path> stale = checkpointTempFiles(run.resolve("checkpoints"));
            Process p = start(run, options, tmp.resolve("child-" + tries + ".log"));
            tries++;
            boolean killed;
            if (atTempFile) {
                killed = waitForTempFile(p, run.resolve("checkpoints"), stale);
            } else {
                // A random moment after the run has made progress (a checkpoint newer than the last kill's).
                killed = waitForCheckpointAfter(p, run, lastStep)
                        && !p.waitFor(random.nextInt(400), TimeUnit.MILLISECONDS);
            }
            p.destroyForcibly();
            p.waitFor();
            if (!killed) {
                throw new AssertionError("the run ended before it was killed (make it longer): " + log);
            }
            List<Path> left = checkpointTempFiles(run.resolve("checkpoints"));
            left.removeAll(stale);
            boolean duringWrite = !left.isEmpty();
            List<Path> files = Checkpoint.list(run.resolve("checkpoints"));
            long step = 0;
            if (!files.isEmpty()) {
                // (1) the newest checkpoint file is complete: it loads, and it is the one readLatest picks.
                Checkpoint c = Checkpoint.read(files.get(files.size() - 1));
                assertEquals(c.file(), Checkpoint.readLatest(run).file());
                step = Checkpoint.stepOf(c.file());
            }
            assertTrue(step >= lastStep, "checkpoint step went back from " + lastStep + " to " + step);
            lastStep = step;
            log.add((atTempFile ? "at temp file" : "at random") + (duringWrite ? " (mid-write)" : "") + " -> step "
                    + step);
            if (atTempFile && !duringWrite && tries < 4 * KILLS) {
                continue; // the write finished before the kill landed; try again for a mid-write kill
            }
            kills++;
            killsDuringWrite += duringWrite ? 1 : 0;
        }
        assertTrue(killsDuringWrite >= 1, "no kill landed while a checkpoint was being written: " + log);

        // (2) the run finishes.
        Process last = start(run, options, tmp.resolve("child-final.log"));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the resumed run did not finish");
        assertEquals(0, last.exitValue(), () -> "resumed run failed: " + read(tmp.resolve("child-final.log")));
        assertEquals(List.of(), tempFiles(run), "temporary files left after the run finished: " + log);

        // (3) step for step the same metrics, and the same final state.
        List<double[]> a = MetricsLog.read(ref.resolve("metrics.csv")).rows();
        List<double[]> b = MetricsLog.read(run.resolve("metrics.csv")).rows();
        assertEquals(STEPS, a.size());
        assertEquals(STEPS, b.size(), "rows of the killed run's metrics.csv: " + log);
        int timing = GanTraining.COLUMNS.indexOf("images_per_s");
        for (int i = 0; i < STEPS; i++) {
            double[] x = a.get(i).clone();
            double[] y = b.get(i).clone();
            x[timing] = 0;
            y[timing] = 0;
            assertArrayEquals(x, y, 0.0, "step " + (i + 1) + " differs from the uninterrupted run; kills: " + log);
        }
        Map<String, TensorData> fa = Checkpoint.readLatest(ref).tensors();
        Map<String, TensorData> fb = Checkpoint.readLatest(run).tensors();
        assertEquals(fa.keySet(), fb.keySet());
        for (String k : fa.keySet()) {
            if (fa.get(k).floats() != null) {
                assertArrayEquals(fa.get(k).floats(), fb.get(k).floats(), 0f, k);
            } else {
                assertArrayEquals(fa.get(k).longs(), fb.get(k).longs(), k);
            }
        }
    }

    /** Starts {@code gan4j train} in a new JVM: fresh, or with --resume once the run folder holds a checkpoint. */
    private static Process start(Path run, List<String> options, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp",
                classPath(), Main.class.getName(), "train"));
        if (Checkpoint.list(run.resolve("checkpoints")).isEmpty()) {
            // Killed before its first checkpoint, the run left files there: start again over them.
            cmd.addAll(options);
            cmd.addAll(List.of("--out", run.toString(), "--overwrite"));
        } else {
            cmd.addAll(List.of("--resume", run.toString()));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until a checkpoint newer than {@code step} is complete (true), or the process ends (false). */
    private static boolean waitForCheckpointAfter(Process p, Path run, long step) throws IOException,
            InterruptedException {
        while (p.isAlive()) {
            List<Path> files = Checkpoint.list(run.resolve("checkpoints"));
            if (!files.isEmpty() && Checkpoint.stepOf(files.get(files.size() - 1)) > step) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** Waits until a new checkpoint temporary file appears (true), or the process ends (false). */
    private static boolean waitForTempFile(Process p, Path dir, List<Path> stale) throws IOException,
            InterruptedException {
        while (p.isAlive()) {
            List<Path> now = checkpointTempFiles(dir);
            now.removeAll(stale);
            if (!now.isEmpty()) {
                return true;
            }
            Thread.sleep(0, 200_000);
        }
        return false;
    }

    /**
     * The checkpoint temporary files in {@code dir} while a run may be writing there: {@code Files.list} (no stat of
     * each entry, unlike {@code Files.walk}, which failed when the run deleted a file between listing and stat), and
     * not the run folder's writability probe ({@code .write-test.*.tmp}), which is no checkpoint being written.
     */
    private static List<Path> checkpointTempFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                    .filter(f -> !f.getFileName().toString().startsWith(".write-test."))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
    }

    /** Every temporary file under {@code dir}, once no run writes there. */
    private static List<Path> tempFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
    }

    private static String classPath() {
        // Surefire runs tests from a manifest-only jar; the real class path is in this property.
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null ? cp : System.getProperty("java.class.path").replace(File.pathSeparator + File.pathSeparator,
                File.pathSeparator);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
