package org.gan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process {@code gan4j} command for tests: {@link Main#run} with its exit code, stdout and stderr. */
record CliRun(int code, String out, String err) {
    /** Runs {@code gan4j args...} and captures what it printed. */
    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Fails unless {@code r} exited 0, showing both streams. */
    static void ok(CliRun r) {
        assertEquals(0, r.code(), () -> "exit " + r.code() + "\nstdout: " + r.out() + "\nstderr: " + r.err());
    }
}
