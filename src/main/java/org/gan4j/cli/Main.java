package org.gan4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Map<String, String> summaries = new LinkedHashMap<>();
        rewrapDescriptions(cl, summaries);
        // The command list: each command's first sentence, wrapped at spaces under its name.
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
            StringBuilder b = new StringBuilder();
            for (String name : help.subcommands().keySet()) {
                String[] lines = wrap(new String[] {summaries.getOrDefault(name, "")}, cl.getUsageHelpWidth() - 10);
                for (int i = 0; i < lines.length; i++) {
                    b.append(String.format("  %-7s %s%n", i == 0 ? name : "", lines[i]));
                }
            }
            return b.toString();
        });
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

    /**
     * Breaks every command's description into lines at spaces only, each at most the help width: picocli wraps with
     * the JDK's line {@link java.text.BreakIterator}, which also breaks after a '.' and split names such as
     * {@code main.<i>.<param>} or {@code 'netG.safetensors'} across lines.
     */
    private static void rewrapDescriptions(CommandLine cl, Map<String, String> summaries) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        String[] description = spec.usageMessage().description();
        if (spec.usageMessage().header().length > 0) { // as picocli: a header is the command's summary
            summaries.put(spec.name(), spec.usageMessage().header()[0]);
        } else if (description.length > 0) {
            int end = description[0].indexOf(". ");
            summaries.put(spec.name(), end > 0 ? description[0].substring(0, end + 1) : description[0]);
        }
        spec.usageMessage().description(wrap(description, cl.getUsageHelpWidth()));
        // Option descriptions sit in a column of about 50 characters (80 less the option names); re-adding every
        // option in its order keeps the help's order.
        List<CommandLine.Model.OptionSpec> options = new ArrayList<>(spec.options());
        options.removeIf(o -> !o.inherited() && o.scopeType() == ScopeType.INHERIT); // re-adding would copy it down
        options.forEach(spec::remove);
        for (CommandLine.Model.OptionSpec o : options) {
            spec.addOption(o.toBuilder().description(wrap(o.description(), OPTION_TEXT_WIDTH)).build());
        }
        cl.getSubcommands().values().forEach(sub -> rewrapDescriptions(sub, summaries));
    }

    /** Width of the option descriptions' column in {@code --help}: 80 columns less at most 29 of option names. */
    private static final int OPTION_TEXT_WIDTH = 50;

    /** {@code paragraphs} as lines of at most {@code width} characters, broken at spaces only. */
    private static String[] wrap(String[] paragraphs, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : paragraphs) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" ")) {
                if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.length() > 0 ? " " : "").append(word);
            }
            lines.add(line.toString());
        }
        return lines.toArray(new String[0]);
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
