package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.gan4j.backend.Backends;
import org.gan4j.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where CUDA cannot run (this machine: no driver), {@code gan4j train --backend auto} trains on the CPU and says why in
 * exactly one line on stderr; {@code --backend cuda} exits with code 1 and a message naming the cause. The other GPU failures
 * (driver too old, no device, out of memory at start) are played through the decision function in
 * org.gan4j.backend.BackendsFallbackTest.
 */
class NoGpuTest {
    @TempDir
    Path tmp;

    @Test
    void autoFallsBackWithOneLineAndForcedCudaNamesTheCause() {
        assumeFalse(Backends.status("cuda").usable(), "CUDA is usable here: no fallback to see");
        assumeTrue(System.getProperty(Backends.PROPERTY) == null, "gan4j.backend is set for this run");
        String reason = Backends.status("cuda").reason();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "train", "--dataset", "ring",
                "--dataset-size", "256", "--batch-size", "32", "--steps", "2", "--backend", "auto", "--threads", "1",
                "--out", tmp.resolve("auto").toString());
        assertEquals(0, code, err::toString);
        List<String> lines = Arrays.stream(err.toString().split("\n")).filter(l -> l.contains("CPU backend"))
                .collect(Collectors.toList());
        assertEquals(List.of("warning: gan4j: using the CPU backend because CUDA is not usable: " + reason), lines);
        assertEquals(List.of(), Arrays.stream(out.toString().split("\n")).filter(l -> l.contains("CPU backend"))
                .collect(Collectors.toList()), "the warning goes to stderr only");

        StringWriter err2 = new StringWriter();
        int forced = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true), "train",
                "--dataset", "ring", "--steps", "2", "--backend", "cuda", "--out", tmp.resolve("cuda").toString());
        assertEquals(1, forced);
        assertEquals("gan4j: the CUDA backend was requested but cannot run here: " + reason + ". Use the CPU backend"
                + " (-Dgan4j.backend=cpu) or auto.\n(run again with --verbose for the stack trace)\n", err2.toString());
    }
}
