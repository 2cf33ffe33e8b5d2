package org.gan4j.cli;

import static org.gan4j.api.OutOfMemoryInjection.failure;
import static org.gan4j.api.OutOfMemoryInjection.mib;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import org.gan4j.api.GanTraining;
import org.gan4j.api.OutOfMemoryInjection;
import org.gan4j.io.Checkpoint;

/**
 * Out of GPU memory in the middle of training, through the command line's error handling: one line on stderr, exit
 * code 1, and the run resumes from the checkpoint the line names with {@code gan4j train --resume}.
 */
class OutOfMemoryCliTest {
    @TempDir
    Path tmp;

    /** {@code train} as the CLI runs it, but failing with an injected out-of-memory error before step 25. */
    @Command(name = "train-oom")
    static final class InjectedTrain implements Callable<Integer> {
        Path out;

        @Override
        public Integer call() throws Exception {
            try (GanTraining t = OutOfMemoryInjection.ring(out, 10, 25, failure(mib(300), mib(20), mib(100)))) {
                t.run(new GanTraining.Listener() {
                });
            }
            return 0;
        }
    }

    @Test
    void oneLineExitOneAndTheRunResumes() throws IOException {
        Path run = tmp.resolve("run");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InjectedTrain command = new InjectedTrain();
        command.out = run;
        CommandLine cl = Main.commandLine(new PrintWriter(out), new PrintWriter(err));
        cl.addSubcommand("train-oom", command);
        cl.setOut(new PrintWriter(out)); // again, so that the added subcommand writes there too
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("train-oom");

        assertEquals(Main.FAILURE, code);
        Path checkpoint = run.resolve("checkpoints").resolve("step_00000020.safetensors");
        assertEquals("gan4j: GPU out of memory at step 25 (asked 300.0 MiB, 20.0 MiB free); the last checkpoint "
                + checkpoint + " is intact; a batch size of about 8 should fit: restart with -b 8 and a new --out"
                + " folder (a resumed run keeps its batch size, 32), or free GPU memory and resume with --resume "
                + run + System.lineSeparator(), err.toString());
        assertEquals("", out.toString());
        try (Stream<Path> s = Files.walk(run)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }

        // The advice works: resuming the run folder continues from step 20 to the end.
        StringWriter out2 = new StringWriter();
        StringWriter err2 = new StringWriter();
        int resumed = Main.run(new PrintWriter(out2), new PrintWriter(err2), "train", "--resume", run.toString(),
                "--steps", "30");
        assertEquals(0, resumed, () -> "stdout: " + out2 + "\nstderr: " + err2);
        assertTrue(out2.toString().contains("Resuming " + checkpoint + " at step 20"), out2.toString());
        assertEquals(30, Checkpoint.stepOf(Checkpoint.readLatest(run).file()));
    }
}
