package org.gan4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.gan4j.api.Checkpoints;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.Recipes;
import org.gan4j.api.TrainingConfig;
import org.gan4j.api.TrainingResult;
import org.gan4j.backend.Precision;
import org.gan4j.gan.LrSchedule;
import org.gan4j.io.Checkpoint;
import org.gan4j.models.GanArchitecture;

/**
 * {@code gan4j train}: builds a {@link TrainingConfig} from the options (or a checkpoint's, with {@code --resume}) and
 * runs a {@link GanTraining} with a progress bar (or log lines when stdout is not a terminal). Uses
 * {@code org.gan4j.api} only; the options are validated there, once ({@link TrainingConfig.Builder#build()}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a GAN. With no options: dcgan28 on Fashion-MNIST for 1 epoch (or on built-in synthetic"
            + " shapes when Fashion-MNIST is not installed). Each dataset has a default recipe (see Recipes); every"
            + " option overrides its part.",
            "Writes samples/epoch_NNN.png, metrics.csv, losses.png, checkpoints/ and summary.json into --out."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", paramLabel = "DATA", description = "fashion-mnist, ring, grid, synthetic, or a"
            + " folder of IDX files (MNIST-like) or of PNG/JPEG images. Default: fashion-mnist.")
    String dataset;

    @Option(names = "--dataset-size", paramLabel = "N", description = "Samples of the generated datasets (ring,"
            + " grid, synthetic). Default: 100000 (ring, grid), 20000 (synthetic).")
    Integer datasetSize;

    @Option(names = "--model", description = "dcgan64, dcgan28 or mlp2d. Default: dcgan28 for 28x28 data, dcgan64"
            + " for image folders, mlp2d for ring/grid.")
    String model;

    @Option(names = "--channels", description = "Image channels for dcgan64 (1 or 3). Default: 3.")
    Integer channels;

    @Option(names = "--width", paramLabel = "UNITS", description = "Hidden units of G and D (mlp2d), or ngf and"
            + " ndf (dcgan64). Default: 128 (mlp2d), 64 (dcgan64).")
    Integer width;

    @Option(names = "--depth", paramLabel = "LAYERS", description = "Hidden layers of G and of D (mlp2d only)."
            + " Default: 3.")
    Integer depth;

    @Option(names = "--latent-size", paramLabel = "NZ", description = "Noise dimensions (mlp2d, dcgan64)."
            + " Default: 2 (mlp2d), 100 (dcgan64).")
    Integer latentSize;

    @Option(names = "--spectral-norm", description = "Spectral normalisation of every Linear and Conv2d weight of"
            + " the discriminator (Miyato et al. 2018).")
    Boolean spectralNorm;

    @Option(names = "--pack", paramLabel = "K", description = "PacGAN: the discriminator judges K samples at once"
            + " (the batch size must be a multiple of K). Default: 1.")
    Integer pack;

    @Option(names = "--conditional", description = "Class-conditional GAN (dcgan28, dcgan64): a class embedding in"
            + " G and a projection discriminator, trained on the data's labels (IDX label file, or one sub-folder per"
            + " class). Then 'sample --class K' draws class K.")
    Boolean conditional;

    @Option(names = "--loss", description = "non-saturating, minimax, least-squares or hinge. Default: hinge for"
            + " ring/grid, non-saturating otherwise.")
    String loss;

    @Option(names = {"-b", "--batch-size"}, description = "Samples per step. Default: 128 for ring/grid, 32 for 28x28"
            + " data (Fashion-MNIST, IDX, synthetic: the dcgan28 recipe), 64 for image folders.")
    Integer batchSize;

    @Option(names = "--epochs", description = "Passes over the data. Default: 1 (images); the ring trains"
            + " 12000 steps, the grid 14000.")
    Integer epochs;

    @Option(names = "--steps", description = "Total steps instead of epochs.")
    Long steps;

    @Option(names = "--lr-d", description = "Discriminator learning rate (Adam). Default: 1e-3 for ring/grid,"
            + " 2e-4 otherwise.")
    Float lrD;

    @Option(names = "--lr-g", description = "Generator learning rate (Adam). Default: 1e-3 for ring/grid, 4e-4 for"
            + " 28x28 data (Fashion-MNIST, IDX, synthetic: the dcgan28 recipe), 2e-4 for image folders.")
    Float lrG;

    @Option(names = "--lr-schedule", paramLabel = "SCHEDULE", description = "constant, linear[:START] (linear"
            + " decay towards 0 at the last step, from the fraction START of the run) or step:EVERY[:GAMMA] (times"
            + " GAMMA, default 0.5, every EVERY steps). May be changed with --resume. Default: linear:0.5 for"
            + " ring/grid, constant otherwise.")
    String lrSchedule;

    @Option(names = "--beta1", description = "Adam beta1. Default: 0 for ring/grid, 0.5 otherwise.")
    Float beta1;

    @Option(names = "--beta2", description = "Adam beta2. Default: 0.9 for ring/grid, 0.999 otherwise.")
    Float beta2;

    @Option(names = "--d-steps", description = "Discriminator steps per generator step. Default: 1.")
    Integer dSteps;

    @Option(names = "--label-smoothing", paramLabel = "REAL", description = "Target for real samples, e.g. 0.9."
            + " Default: 1.")
    Float realLabel;

    @Option(names = "--label-noise", paramLabel = "W", description = "Uniform noise of half-width W added to every"
            + " target; fake targets are then centred at W (so they stay in [0, 2W]) and real ones default to 1 - W."
            + " Default: 0.")
    Float labelNoise;

    @Option(names = "--label-flip", paramLabel = "P", description = "Probability of swapping a target. Default: 0.")
    Float labelFlip;

    @Option(names = "--ema", paramLabel = "DECAY", description = "Keep an exponential moving average of the"
            + " generator's weights with this decay (e.g. 0.999) and use it for samples, evaluation and checkpoints"
            + " (saved as ema.* beside the trained weights). 0: off. Default: 0.99 for ring/grid and 28x28"
            + " data (the dcgan28 recipe), 0 for image folders.")
    Float ema;

    @Option(names = "--r1", paramLabel = "GAMMA", description = "R1 gradient penalty (Mescheder et al. 2018):"
            + " adds GAMMA/2 * mean ||grad_x D(x)||^2 on real data to the discriminator's loss (D without batch norm,"
            + " e.g. mlp2d). 0: off. Default: 0.1 for grid, 0 otherwise.")
    Float r1;

    @Option(names = "--seed", description = "Seed of initialisation, noise, labels and shuffling. Default: 1.")
    Long seed;

    @Option(names = "--metrics-every", paramLabel = "N", description = "Read metrics to the host every N steps."
            + " Default: 1.")
    Integer metricsEvery;

    @Option(names = "--backend", description = "auto, cpu or cuda (also -Dgan4j.backend). Default: auto.")
    String backend;

    @Option(names = "--threads", description = "CPU threads. Default: every processor.")
    Integer threads;

    @Option(names = "--precision", paramLabel = "P", description = "fp32, tf32 or bf16. tf32: TF32 tensor cores for"
            + " convolutions and products on CUDA, plain fp32 on the CPU. bf16: mixed precision as PyTorch autocast"
            + " (fp32 weights, Adam, losses, batch-norm statistics; bf16 convolution inputs and outputs); on the CPU"
            + " an emulation of the same rounding, slower than fp32. Default: tf32.")
    String precision;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (locked while the run writes; a folder"
            + " holding another run is refused unless --overwrite). Default: runs/<name or timestamp>.")
    Path out;

    @Option(names = "--name", description = "Run name for the default folder runs/<name>.")
    String name;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Checkpoint every STEPS steps"
            + " (0: at the end of each epoch). A final checkpoint is always written. Default: 0.")
    Long checkpointEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "K", description = "Keep the newest K checkpoints."
            + " Default: 3.")
    Integer keepCheckpoints;

    @Option(names = "--resume", paramLabel = "PATH", description = "Continue from a checkpoint file or the newest"
            + " checkpoint of a run folder, writing into that run folder (or --out). Resuming from an older checkpoint"
            + " moves the run's later files to superseded/. Only --epochs/--steps, --out, --backend, --threads,"
            + " --precision, --lr-schedule, --overwrite and checkpoint options may be given with it.")
    Path resume;

    @Option(names = "--overwrite", description = "Replace the files of another run in --out (metrics.csv,"
            + " summary.json, losses.png, samples/, checkpoints/) instead of refusing to write there.")
    boolean overwrite;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (steps != null && steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1, got " + steps
                    + "; leave it out to train by --epochs");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GanTraining training;
        if (resume != null) {
            rejectWithResume();
            LrSchedule schedule = lrSchedule == null ? null : LrSchedule.parse(lrSchedule); // before any file is read
            Checkpoint c = Checkpoints.read(resume);
            // Into --out, else the checkpoint's own run folder; never the folder named inside the checkpoint.
            TrainingConfig.Builder b = out != null ? GanTraining.resumeConfig(c, out) : GanTraining.resumeConfig(c);
            if (epochs != null) {
                b.epochs(epochs);
            }
            if (steps != null) {
                b.steps(steps);
            }
            if (backend != null) {
                b.backend(backend);
            }
            if (threads != null) {
                b.threads(threads);
            }
            if (precision != null) {
                b.precision(parsePrecision());
            }
            if (checkpointEvery != null) {
                b.checkpointEvery(checkpointEvery);
            }
            if (keepCheckpoints != null) {
                b.keepCheckpoints(keepCheckpoints);
            }
            if (schedule != null) {
                b.lrSchedule(schedule);
            }
            TrainingConfig config = b.build();
            training = GanTraining.resume(c, config);
            stdout.println("Resuming " + c.file() + " at step " + Checkpoints.progress(c).step() + " into "
                    + config.output());
        } else {
            training = GanTraining.create(config(err));
        }
        if (overwrite) {
            training.overwrite();
        }
        try (GanTraining t = training; TrainProgress progress = new TrainProgress(stdout, err)) {
            Thread hook = new Thread(t::close, "gan4j-shutdown");
            boolean hooked = addShutdownHook(hook);
            TrainingResult result;
            try {
                result = t.run(progress);
            } finally {
                if (hooked) {
                    removeShutdownHook(hook);
                }
            }
            progress.close();
            stdout.print(result.describe());
            stdout.flush();
        }
        return 0;
    }

    private static boolean addShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException | SecurityException e) {
            return false;
        }
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | SecurityException e) {
            // the JVM is shutting down: the hook cancels the run
        }
    }

    /** --precision as a {@link Precision}; a usage error naming the choices for another word. */
    private Precision parsePrecision() {
        try {
            return Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--precision: " + e.getMessage());
        }
    }

    private void rejectWithResume() {
        List<String> given = new ArrayList<>();
        addIf(given, dataset, "--dataset");
        addIf(given, model, "--model");
        addIf(given, channels, "--channels");
        addIf(given, width, "--width");
        addIf(given, depth, "--depth");
        addIf(given, latentSize, "--latent-size");
        addIf(given, spectralNorm, "--spectral-norm");
        addIf(given, pack, "--pack");
        addIf(given, conditional, "--conditional");
        addIf(given, loss, "--loss");
        addIf(given, batchSize, "--batch-size");
        addIf(given, lrD, "--lr-d");
        addIf(given, lrG, "--lr-g");
        addIf(given, beta1, "--beta1");
        addIf(given, beta2, "--beta2");
        addIf(given, dSteps, "--d-steps");
        addIf(given, realLabel, "--label-smoothing");
        addIf(given, labelNoise, "--label-noise");
        addIf(given, labelFlip, "--label-flip");
        addIf(given, ema, "--ema");
        addIf(given, r1, "--r1");
        addIf(given, seed, "--seed");
        addIf(given, metricsEvery, "--metrics-every");
        addIf(given, name, "--name");
        if (!given.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join(", ", given) + " cannot be"
                    + " changed when resuming (the checkpoint's settings are used); drop "
                    + (given.size() == 1 ? "it" : "them"));
        }
    }

    private static void addIf(List<String> given, Object value, String option) {
        if (value != null) {
            given.add(option);
        }
    }

    /** {@code mc} with --width, --depth and --latent-size applied; an error where the architecture fixes them. */
    private ModelConfig sized(ModelConfig mc) {
        GanArchitecture a = mc.architecture();
        GanArchitecture.Options o = mc.options();
        if ((width != null || latentSize != null || depth != null) && a == GanArchitecture.DCGAN28) {
            throw new IllegalArgumentException("dcgan28 has fixed sizes (it is benchmarked against PyTorch layer for"
                    + " layer): drop --width, --depth and --latent-size, or use --model dcgan64 or mlp2d");
        }
        if (depth != null && a != GanArchitecture.MLP2D) {
            throw new IllegalArgumentException("--depth applies to mlp2d only (" + a.cliName() + " has a fixed"
                    + " depth); drop it");
        }
        if (width != null) {
            o = o.withWidths(width, width);
        }
        if (depth != null) {
            o = o.withDepth(depth);
        }
        if (latentSize != null) {
            o = o.withNz(latentSize);
        }
        if (spectralNorm != null) {
            o = o.withSpectralNorm(spectralNorm);
        }
        if (pack != null) {
            o = o.withPack(pack);
        }
        return new ModelConfig(a, o);
    }

    /**
     * The configuration of a new run: the dataset's recipe ({@link Recipes#forDataset}) with every given option
     * applied over it.
     */
    TrainingConfig config(PrintWriter err) {
        DatasetConfig data;
        if (dataset == null) {
            DatasetConfig fashion = DatasetConfig.fashionMnist();
            if (Files.isDirectory(fashion.path())) {
                data = fashion;
            } else {
                err.println("Fashion-MNIST is not installed at " + fashion.path() + "; install it with"
                        + " 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu) or pass --dataset DIR with the"
                        + " IDX files. Training on built-in synthetic shapes instead.");
                err.flush();
                data = DatasetConfig.synthetic(datasetSize != null ? datasetSize : DatasetConfig.DEFAULT_SIZE);
            }
        } else {
            boolean points = dataset.trim().equalsIgnoreCase("ring") || dataset.trim().equalsIgnoreCase("grid");
            data = DatasetConfig.parse(dataset, datasetSize != null ? datasetSize
                    : points ? Recipes.MIXTURE_POINTS : DatasetConfig.DEFAULT_SIZE);
        }
        TrainingConfig recipe = Recipes.forDataset(data).build();
        ModelConfig mc = model != null ? ModelConfig.of(model) : recipe.model();
        if (channels != null) {
            if (!"dcgan64".equals(mc.name())) {
                throw new IllegalArgumentException("--channels applies to dcgan64 only (" + mc.name() + " has fixed"
                        + " channels); drop it or use --model dcgan64");
            }
            mc = new ModelConfig(mc.architecture(), mc.options().withChannels(channels));
        }
        mc = sized(mc);
        if (Boolean.TRUE.equals(conditional)) {
            if (mc.architecture() == GanArchitecture.MLP2D) {
                throw new IllegalArgumentException("--conditional needs an image model (dcgan28 or dcgan64);"
                        + " mlp2d has no class-conditional variant");
            }
            mc = new ModelConfig(mc.architecture(), mc.options().withClasses(data.classCount()));
        }
        TrainingConfig.Builder b = recipe.toBuilder().model(mc);
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (lrD != null) {
            b.lrD(lrD);
        }
        if (lrG != null) {
            b.lrG(lrG);
        }
        if (beta1 != null) {
            b.beta1(beta1);
        }
        if (beta2 != null) {
            b.beta2(beta2);
        }
        if (dSteps != null) {
            b.discriminatorSteps(dSteps);
        }
        if (loss != null) {
            b.loss(loss);
        }
        if (realLabel != null || labelNoise != null || labelFlip != null) {
            float noise = labelNoise != null ? labelNoise : 0f;
            b.labels(realLabel != null ? realLabel : 1f - noise, noise, noise, labelFlip != null ? labelFlip : 0f);
        }
        b.seed(seed != null ? seed : 1L);
        if (ema != null) {
            b.emaDecay(ema);
        }
        if (r1 != null) {
            b.r1Gamma(r1);
        }
        if (metricsEvery != null) {
            b.metricsEvery(metricsEvery);
        }
        if (steps != null) {
            b.steps(steps);
        } else if (epochs != null) {
            b.epochs(epochs);
        }
        String be = backend != null ? backend : System.getProperty("gan4j.backend", "auto");
        b.backend(be);
        if (threads != null) {
            b.threads(threads);
        }
        if (precision != null) {
            b.precision(parsePrecision());
        }
        if (checkpointEvery != null) {
            b.checkpointEvery(checkpointEvery);
        }
        if (keepCheckpoints != null) {
            b.keepCheckpoints(keepCheckpoints);
        }
        if (lrSchedule != null) {
            b.lrSchedule(LrSchedule.parse(lrSchedule));
        }
        b.output(out != null ? out : Path.of("runs", name != null ? name
                : LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        return b.build();
    }
}
