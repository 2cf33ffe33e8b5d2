package org.gan4j.cli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.gan4j.api.GanSampler;
import org.gan4j.io.AtomicFiles;

/**
 * {@code gan4j sample}: images (a PNG grid, or one PNG per image with {@code --single}) or 2-D points (CSV) from a
 * checkpoint's generator, through {@link GanSampler}; the same options give the same bytes.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate samples from a trained generator (same options: the same files, byte for byte).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint file, or a run folder (its newest checkpoint).")
    Path checkpoint;

    @Option(names = {"-n", "--n"}, defaultValue = "64", description = "Number of samples. Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", paramLabel = "PATH", description = "Output: a grid of images (.png or .jpg),"
            + " a folder with --single, or a .csv (2-D points). Default: samples.png, samples/ or samples.csv.")
    Path out;

    @Option(names = "--single", description = "One PNG per image (sample_0000.png, ...) in the --out folder.")
    boolean single;

    @Option(names = "--nrow", defaultValue = "8", description = "Images per grid row. Default: ${DEFAULT-VALUE}.")
    int nrow;

    @Option(names = "--class", paramLabel = "K", description = "Class-conditional models (trained with"
            + " --conditional): draw class K only (0 to classes-1). Default: the classes cycled, sample i of class"
            + " i mod classes.")
    Integer classLabel;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The extension of {@code file} among {@code allowed} (any case), or a usage error naming them. */
    private String requireExtension(Path file, String why, String... allowed) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : allowed) {
            if (name.endsWith(ext)) {
                return ext;
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--out " + file + ": " + why + ", so the name"
                + " must end in " + String.join(" or ", allowed));
    }

    @Override
    public Integer call() throws Exception {
        if (n < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--n must be >= 1, got " + n);
        }
        if (nrow < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nrow must be >= 1, got " + nrow);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        try (GanSampler sampler = GanSampler.load(checkpoint, 1)) {
            int k = GanSampler.ANY_CLASS;
            if (classLabel != null) {
                if (sampler.classes() == 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--class " + classLabel + ": "
                            + checkpoint + " is not class-conditional (trained without --conditional); drop --class");
                }
                if (classLabel < 0 || classLabel >= sampler.classes()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--class must be in [0, "
                            + sampler.classes() + ") for this model (" + sampler.classes() + " classes), got "
                            + classLabel);
                }
                k = classLabel;
            }
            if (!sampler.model().isImage()) {
                Path file = out != null ? out : Path.of("samples.csv");
                requireExtension(file, "a 2-D model's samples are points, written as CSV", ".csv");
                float[] p = sampler.sample(n, seed, k);
                StringBuilder b = new StringBuilder("x,y\n");
                for (int i = 0; i < n; i++) {
                    b.append(p[2 * i]).append(',').append(p[2 * i + 1]).append('\n');
                }
                AtomicFiles.writeBytes(file, b.toString().getBytes(StandardCharsets.UTF_8));
                stdout.println("Wrote " + n + " points to " + file);
            } else if (single) {
                Path dir = out != null ? out : Path.of("samples");
                BufferedImage[] images = sampler.sampleImages(n, seed, k);
                for (int i = 0; i < n; i++) {
                    AtomicFiles.writeImage(dir.resolve(String.format("sample_%04d.png", i)), images[i], "png");
                }
                stdout.println("Wrote " + n + " images to " + dir);
            } else {
                Path file = out != null ? out : Path.of("samples.png");
                String format = requireExtension(file, "images are written as PNG or JPEG", ".png", ".jpg",
                        ".jpeg");
                AtomicFiles.writeImage(file, sampler.sampleGrid(n, seed, nrow, k), format.equals(".png") ? "png"
                        : "jpg");
                stdout.println("Wrote a grid of " + n + " images to " + file);
            }
        }
        stdout.flush();
        return 0;
    }
}
