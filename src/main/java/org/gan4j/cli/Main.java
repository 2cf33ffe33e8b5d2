package org.gan4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import org.gan4j.api.GanTraining;
import org.gan4j.api.Version;
import org.gan4j.data.DatasetException;
import org.gan4j.io.CheckpointFormatException;

/**
 * The {@code gan4j} command: {@code train}, {@code sample}, {@code eval}, {@code export} and {@code import}
 * subcommands over {@link org.gan4j.api}. Exit codes: 0 success, 2 a usage error (bad option, missing or malformed
 * input file, data that does not fit the model), 1 a failure while running. Errors are one line on stderr naming the
 * problem and the fix; {@code --verbose} adds the stack trace.
 */
@Command(name = "gan4j", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Train and sample GANs on the JVM (CPU or CUDA).",
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, ExportCommand.class,
            ImportCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code of a usage error. */
    public static final int USAGE = 2;
    /** Exit code of a failure at run time. */
    public static final int FAILURE = 1;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** With no subcommand: {@code train} with its defaults, so {@code bin/gan4j} alone trains something. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: train, sample, eval,"
                + " export or import (gan4j --help lists them)");
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line, writing to {@code out} and {@code err}; returns the exit code (for tests and embedding). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(out, err);
        return cl.execute(args);
    }

    /** The configured picocli command line (for tests: {@code commandLine(out, err).execute(args)}). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.registerConverter(Path.class, Main::path);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            int code = exitCode(e);
            line.getErr().println("gan4j: " + message(e));
            // Running out of GPU memory is fully explained by its one line (what to do, from which checkpoint).
            if (main.verbose) {
                e.printStackTrace(line.getErr());
            } else if (code == FAILURE && !(e instanceof GanTraining.TrainingOutOfMemoryException)) {
                line.getErr().println("(run again with --verbose for the stack trace)");
            }
            line.getErr().flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("gan4j: " + ex.getMessage());
            c.getErr().println("(" + c.getCommandSpec().qualifiedName() + " --help shows every option)");
            if (main.verbose) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return USAGE;
        });
        return cl;
    }

    /**
     * An option's path, or a conversion error saying why not: mostly characters that the platform encoding cannot
     * represent (a non-ASCII name under {@code LANG=C}, where the JVM decodes the command line as ASCII; bin/gan4j
     * runs Java with a UTF-8 locale to avoid that).
     */
    static Path path(String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a usable path (" + e.getReason()
                    + "; platform encoding " + System.getProperty("sun.jnu.encoding") + "); run with a UTF-8 locale,"
                    + " e.g. LC_ALL=C.UTF-8");
        }
    }

    static int exitCode(Throwable e) {
        if (e instanceof IllegalArgumentException || e instanceof DatasetException
                || e instanceof CheckpointFormatException || e instanceof NoSuchFileException
                || e instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        return FAILURE;
    }

    static String message(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file");
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        if (e instanceof IOException && !(e instanceof CheckpointFormatException)) {
            return "I/O error: " + m;
        }
        return m;
    }

    /** The version from {@link Version}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gan4j " + Version.VERSION, "Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("java.vm.name") + ")"};
        }
    }
}
