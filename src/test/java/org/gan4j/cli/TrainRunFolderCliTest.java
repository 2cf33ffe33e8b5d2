package org.gan4j.cli;

import static org.gan4j.cli.CliRun.ok;
import static org.gan4j.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;

/** {@code gan4j train} and its run folder: refusals, resume targets, failing outputs, what it prints and writes. */
class TrainRunFolderCliTest {
    @TempDir
    Path tmp;

    private static String[] ring(Path out, int steps, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--dataset", "ring", "--dataset-size", "640", "-b", "32",
                "--steps", Integer.toString(steps), "--threads", "1", "--backend", "cpu", "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void anotherRunsFolderIsRefusedForNewAndResumedRunsUnlessOverwriteIsGiven() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        ok(run(ring(a, 10, "--checkpoint-every", "5")));
        ok(run(ring(b, 6)));
        byte[] metricsB = Files.readAllBytes(b.resolve("metrics.csv"));

        CliRun again = run(ring(b, 3));
        assertEquals(2, again.code());
        assertEquals("gan4j: output folder " + b + " already holds a run (metrics.csv, summary.json, losses.png,"
                + " samples/, checkpoints/); resume it (--resume " + b + "), choose another output folder (--out), or"
                + " replace that run with --overwrite\n", again.err());

        CliRun into = run("train", "--resume", a.toString(), "--steps", "20", "--out", b.toString());
        assertEquals(2, into.code());
        assertEquals("gan4j: output folder " + b + " already holds a run (metrics.csv, summary.json, losses.png,"
                + " samples/, checkpoints/); choose another output folder (--out), or replace that run with"
                + " --overwrite\n", into.err());
        assertArrayEquals(metricsB, Files.readAllBytes(b.resolve("metrics.csv")));
        assertEquals(List.of(6L), steps(b));
        assertEquals(List.of(5L, 10L), steps(a));

        ok(run("train", "--resume", a.toString(), "--steps", "20", "--out", b.toString(), "--overwrite"));
        assertEquals(List.of(15L, 20L), steps(b)); // the checkpoint cadence (5) is the resumed run's
        assertEquals(20, MetricsLog.read(b.resolve("metrics.csv")).rows().size());
        assertEquals(List.of(5L, 10L), steps(a)); // the source run is untouched
    }

    @Test
    void aLooseCheckpointNeedsAnOutputFolder() throws Exception {
        Path a = tmp.resolve("a");
        ok(run(ring(a, 5)));
        Path loose = Files.copy(Checkpoint.fileFor(a.resolve("checkpoints"), 5), tmp.resolve("shared.safetensors"));
        CliRun r = run("train", "--resume", loose.toString(), "--steps", "8");
        assertEquals(2, r.code());
        assertEquals("gan4j: checkpoint " + loose + " is not in a run folder (RUN/checkpoints/step_N.safetensors), so"
                + " there is none to continue; give the output folder of the resumed run (--out DIR)\n", r.err());
        CliRun into = run("train", "--resume", loose.toString(), "--steps", "8", "--out", tmp.resolve("c").toString());
        ok(into);
        assertTrue(into.out().startsWith("Resuming " + loose + " at step 5 into " + tmp.resolve("c") + "\n"),
                into.out());
    }

    @Test
    void outputsThatCannotBeWrittenWarnOnStderrAndTrainingGoesOn() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("run"));
        Files.createDirectories(out.resolve("samples/epoch_001.png")); // a folder where a file should go
        Files.createDirectories(out.resolve("losses.png"));
        Files.createDirectories(out.resolve("summary.json"));
        Files.createDirectories(out.resolve("metrics.csv"));
        CliRun r = run(ring(out, 25));
        ok(r);
        List<String> warnings = Arrays.stream(r.err().split("\n")).filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(List.of("metrics.csv", "samples/epoch_001.png", "losses.png", "summary.json"),
                warnings.stream().map(w -> w.replaceAll("warning: could not write (\\S+) .*", "$1")).distinct()
                        .toList(), r.err());
        for (String w : warnings) {
            assertTrue(w.endsWith("; training goes on without it"), w);
        }
        assertEquals(List.of(20L, 25L), steps(out));
        assertTrue(Files.isRegularFile(out.resolve("samples/epoch_002.png")));
    }

    @Test
    void aCheckpointThatCannotBeWrittenStopsTheRun() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("run"));
        Path blocked = Files.createDirectories(Checkpoint.fileFor(out.resolve("checkpoints"), 10));
        CliRun r = run(ring(out, 60, "--checkpoint-every", "5"));
        assertEquals(1, r.code(), r.err());
        assertEquals("gan4j: I/O error: cannot write checkpoint " + blocked + ": " + blocked.toAbsolutePath()
                + ": is a folder, cannot write a file there; choose a file name; training stopped (the last checkpoint"
                + " is " + Checkpoint.fileFor(out.resolve("checkpoints"), 5) + "); free space or fix the"
                + " folder and resume\n(run again with --verbose for the stack trace)\n", r.err());
        assertEquals(List.of(5L), steps(out));
        assertTrue(MetricsLog.read(out.resolve("metrics.csv")).rows().size() < 60);
    }

    @Test
    void whatTheRunPrintsAndWrites() throws Exception {
        Path out = tmp.resolve("run");
        CliRun r = run(ring(out, 45, "--checkpoint-every", "10"));
        ok(r);
        // metrics.csv counts epochs from 1, as the console and the sample files do: 20 steps per epoch.
        double[] epochs = MetricsLog.read(out.resolve("metrics.csv")).column("epoch");
        assertEquals(1, epochs[0]);
        assertEquals(1, epochs[19]);
        assertEquals(3, epochs[44]);
        Matcher epoch = Pattern.compile("epoch 2 done after ([0-9.]+) s").matcher(r.out());
        Matcher total = Pattern.compile("Trained 45 steps \\(45 this run\\) in ([0-9.]+) s").matcher(r.out());
        assertTrue(epoch.find() && total.find(), r.out());
        assertTrue(Double.parseDouble(epoch.group(1)) <= Double.parseDouble(total.group(1)), r.out());
        // D's outputs are raw values (may be negative) under the ring recipe's hinge loss
        assertTrue(Pattern.compile("\nlast metrics \\(step 45\\): loss_D [0-9.]+  loss_G -?[0-9.]+"
                + "  D\\(x\\) -?[0-9.]+  D\\(G\\(z\\)\\) -?[0-9.]+ before and -?[0-9.]+ after the G update\n")
                .matcher(r.out()).find(),
                r.out());
        assertFalse(r.out().contains("Loss_D"), r.out());

        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertFalse(s.has("seconds"), "seconds duplicated total_seconds");
        assertFalse(s.has("steps_this_run"), "a run that was not resumed has no separate this-run numbers");
        JsonNode config = s.get("config");
        assertEquals(45, config.get("steps").asInt());
        assertEquals(1, config.get("threads").asInt());
        assertEquals(10, config.get("checkpoint_every").asInt());

        ok(run("train", "--resume", out.toString(), "--steps", "50", "--keep-checkpoints", "3"));
        JsonNode resumed = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(5, resumed.get("steps_this_run").asInt());
        assertTrue(resumed.get("seconds_this_run").asDouble() <= resumed.get("total_seconds").asDouble());
    }

    private static List<Long> steps(Path run) throws Exception {
        return Checkpoint.list(run.resolve("checkpoints")).stream().map(Checkpoint::stepOf).toList();
    }
}
