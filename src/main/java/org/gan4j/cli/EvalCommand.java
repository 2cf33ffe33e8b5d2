package org.gan4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.gan4j.api.Evaluation;
import org.gan4j.io.AtomicFiles;

/**
 * {@code gan4j eval}: scores a checkpoint's generator through {@link Evaluation}: mode coverage for 2-D models, image
 * quality for image models. Prints the result and writes it as JSON with {@code --out}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a trained generator: modes covered / high-quality share / reverse KL for 2-D models,"
            + " classifier-based image quality for image models.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint file, or a run folder (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--dataset", paramLabel = "DATA", description = "Reference data (as train --dataset). Default:"
            + " the checkpoint's training data.")
    String dataset;

    @Option(names = {"-n", "--n"}, description = "Generated samples to score. Default: 2500 (points), 2000 (images).")
    Integer n;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where the feature classifier is cached."
            + " Default: ~/.cache/gan4j.")
    Path cacheDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the result as JSON here.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (n != null && n < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--n must be >= 2, got " + n);
        }
        Path cache = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "gan4j");
        PrintWriter err = spec.commandLine().getErr();
        Evaluation.Result r = Evaluation.evaluate(checkpoint, dataset, n, seed, cache, line -> {
            err.println(line); // progress on stderr: first use trains a classifier for minutes
            err.flush();
        });
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(r.summary());
        if (out != null) {
            AtomicFiles.writeBytes(out, r.json().getBytes(StandardCharsets.UTF_8));
            stdout.println("Wrote " + out);
        }
        stdout.flush();
        return 0;
    }
}
