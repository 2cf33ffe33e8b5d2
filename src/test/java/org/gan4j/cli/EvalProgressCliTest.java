package org.gan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gan4j eval} on an image model says what it is doing while it trains its feature classifier (minutes on first
 * use with Fashion-MNIST): progress lines on stderr, the result on stdout; with the classifier cached, no training.
 */
class EvalProgressCliTest {
    @TempDir
    Path tmp;

    @Test
    void firstUseShowsClassifierTrainingProgressOnStderr() {
        Path run = tmp.resolve("shapes");
        StringWriter ignored = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(ignored), new PrintWriter(ignored), "train", "--dataset",
                "synthetic", "--dataset-size", "2000", "-b", "8", "--steps", "2", "--threads", "1", "--backend", "cpu",
                "--out", run.toString()), ignored::toString);
        Path cache = tmp.resolve("cache");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), "eval", "--checkpoint", run.toString(),
                "--n", "64", "--cache-dir", cache.toString()), () -> out + "\n" + err);
        List<String> lines = Arrays.asList(err.toString().split("\n"));
        assertTrue(lines.get(0).startsWith("training the feature classifier on "), err.toString());
        long steps = lines.stream().filter(l -> l.startsWith("feature classifier step ")).count();
        assertTrue(steps >= 2 && steps <= 11, "about one line per tenth of the steps:\n" + err);
        assertTrue(lines.get(lines.size() - 1).startsWith("feature classifier: "), err.toString());
        assertTrue(out.toString().startsWith("step 2:"), out.toString());

        StringWriter err2 = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2), "eval", "--checkpoint",
                run.toString(), "--n", "64", "--cache-dir", cache.toString()));
        assertTrue(err2.toString().lines().noneMatch(l -> l.startsWith("training")), err2.toString());
    }
}
