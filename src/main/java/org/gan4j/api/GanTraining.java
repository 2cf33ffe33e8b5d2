package org.gan4j.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongConsumer;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.backend.Backend;
import org.gan4j.backend.HostStaging;
import org.gan4j.backend.OutOfDeviceMemoryException;
import org.gan4j.data.BatchLoader;
import org.gan4j.data.Dataset;
import org.gan4j.data.Mixture2d;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerState;
import org.gan4j.gan.TrainingListener;
import org.gan4j.io.Checkpoint;
import org.gan4j.metrics.MixtureMetrics;
import org.gan4j.nn.Model;

/**
 * One GAN training run, configured by a {@link TrainingConfig}, writing into its output folder (written by
 * {@link RunOutputs}; the folder's rules - one run at a time, no run overwritten unless asked, where a resume writes -
 * are {@link RunFolder}'s):
 * <pre>
 * samples/epoch_NNN.png     64 samples (images: a grid; 2-D points: a scatter of 1000) from a fixed noise batch,
 *                           after every epoch and at the end
 * metrics.csv               step, epoch (1-based), loss_D, loss_G, D_x, D_G_z1, D_G_z2, grad_norm_D, grad_norm_G,
 *                           images_per_s
 * losses.png                losses and D outputs over the steps, refreshed each epoch and at the end
 * checkpoints/step_N.safetensors   the newest keepCheckpoints checkpoints (see {@link Checkpoints})
 * summary.json              steps, time, images/s, backend, final metrics (and mixture metrics for mlp2d)
 * run.lock                  held while a run writes here
 * </pre>
 * A sample grid, plot, metrics row or summary that cannot be written is a warning and training goes on; a checkpoint
 * that cannot be written stops the run.
 * The loop is pytorch/examples dcgan's: batches come from a {@link BatchLoader} (background threads, seeded per-epoch
 * shuffle) through the backend's {@link HostStaging} into {@link GanTrainer#realInput()} (on CUDA an asynchronous
 * copy from pinned memory that overlaps the previous step), and {@link GanTrainer#step()} runs one iteration.
 *
 * <p><b>Resume.</b> {@link #resume} restores both networks, both optimizers, every random-stream counter, the step
 * count and the position in the data (epoch, batch) from a checkpoint, so a run continued from step k produces the
 * same metrics as an uninterrupted one, bit for bit on the CPU backend.
 *
 * <p><b>Out of device memory.</b> When the backend runs out of device memory (an
 * {@link OutOfDeviceMemoryException}, from the CUDA backend) the run stops where it is, writes nothing more (the step
 * in progress is incomplete, so no final checkpoint), deletes temporary files of unfinished writes, and throws a
 * {@link TrainingOutOfMemoryException} that names the step, the newest checkpoint (which stays intact: checkpoints
 * are written atomically) and a batch size that should fit ({@link #suggestBatchSize}).
 *
 * <p><b>Threads.</b> {@link #run} runs on the calling thread (the listener is called there too); files are written
 * by a background thread from snapshots, all finished before {@code run} returns. {@link #cancel()} may be called
 * from any thread and makes {@code run} stop after the current step, write a final checkpoint and return.
 * {@link #close()} cancels a running run and waits for it to finish (from a listener, on the run's own thread, it only
 * cancels). A {@code GanTraining} runs once.
 *
 * <pre>{@code
 * TrainingConfig config = TrainingConfig.builder()
 *         .model(ModelConfig.of("mlp2d")).dataset(DatasetConfig.ring(20_000))
 *         .trainer(TrainerConfig.builder().batchSize(256).lr(1e-3f).build())
 *         .steps(2_000).output(Path.of("runs/ring")).build();
 * try (GanTraining run = GanTraining.create(config)) {
 *     TrainingResult result = run.run(new GanTraining.Listener() {});
 * }
 * }</pre>
 */
public final class GanTraining implements AutoCloseable {
    /** Number of images in each fixed-noise grid. */
    public static final int GRID_SAMPLES = 64;
    /** Number of points in each fixed-noise scatter of a 2-D model. */
    public static final int SCATTER_POINTS = 1000;
    /** The smallest batch size a trainer accepts (batch norm in training mode needs two samples). */
    static final int MIN_BATCH_SIZE = 2;
    /** Number of points MixtureMetrics is computed on at the end of a 2-D run. */
    public static final int MIXTURE_POINTS = 2500;
    /** Metrics columns of metrics.csv. */
    public static final List<String> COLUMNS = List.of("step", "epoch", "loss_D", "loss_G", "D_x", "D_G_z1",
            "D_G_z2", "grad_norm_D", "grad_norm_G", "images_per_s");

    /** Key offset of the mixture metrics' noise stream (independent of the training stream). */
    private static final long MIXTURE_NOISE_KEY = 0x5EED_F1CE_D001L;

    /** Receives progress on the thread that calls {@link #run}; every method does nothing by default. */
    public interface Listener {
        /** Once, before the first step. */
        default void onStart(RunInfo info) {
        }

        /** After every step; {@code metrics} is null on steps whose metrics were not read (see metricsEvery). */
        default void onStep(StepReport report) {
        }

        /** After an epoch; its sample grid is being written to {@code samples} (done by the time run returns). */
        default void onEpochEnd(int epoch, Path samples) {
        }

        /** After a checkpoint was written (in the background; reported on the run's thread at the next step). */
        default void onCheckpoint(Path file) {
        }

        /** A problem that does not stop training (a collapsing discriminator, a grid or plot not written, ...). */
        default void onWarning(String message) {
        }
    }

    /**
     * What a run is about to do.
     *
     * @param startStep       steps already done (0, or the checkpoint's step when resuming)
     * @param totalSteps      the step at which it stops
     * @param batchesPerEpoch steps per epoch
     * @param backend         backend name
     * @param device          device description
     * @param dataset         dataset description
     * @param output          the run folder
     */
    public record RunInfo(long startStep, long totalSteps, int batchesPerEpoch, String backend, String device,
            String dataset, Path output) {
    }

    /**
     * One step done.
     *
     * @param step            steps done so far
     * @param totalSteps      the step at which the run stops
     * @param epoch           0-based epoch of the batch just trained on
     * @param metrics         metrics delivered on this step, or null: those of an earlier read step (read without
     *                        stalling, they arrive one read step late; {@link StepMetrics#step()} says which), or of
     *                        this step at an epoch end or checkpoint
     * @param imagesPerSecond real samples per second since the run (or resume) started
     */
    public record StepReport(long step, long totalSteps, int epoch, StepMetrics metrics, double imagesPerSecond) {
    }

    private final TrainingConfig config;
    private final Checkpoint resumeFrom;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile boolean started;
    /** The thread in {@link #run}, so that {@link #close()} called from a listener does not wait for itself. */
    private volatile Thread runner;
    private boolean overwrite;
    /** The step being run (or prepared), for the out-of-memory message; only the thread in {@link #run} uses it. */
    private long currentStep;
    /** Called with the step number before each step (a test seam: injects failures); does nothing by default. */
    private LongConsumer beforeStep = step -> { };

    private GanTraining(TrainingConfig config, Checkpoint resumeFrom) {
        this.config = Objects.requireNonNull(config, "config");
        this.resumeFrom = resumeFrom;
    }

    /**
     * The run stopped because the device ran out of memory (see the class comment); the cause is the backend's
     * {@link OutOfDeviceMemoryException}. The message is one line, e.g. {@code "GPU out of memory at step 1201
     * (asked 300.0 MiB, 20.0 MiB free); the last checkpoint runs/a/checkpoints/step_00001200.safetensors is intact;
     * a batch size of about 8 should fit: restart with -b 8 and a new --out folder (a resumed run keeps its batch
     * size, 32), or free GPU memory and resume with --resume runs/a"}.
     */
    public static final class TrainingOutOfMemoryException extends RuntimeException {
        private final long step;
        private final transient Path lastCheckpoint;
        private final int suggestedBatchSize;

        TrainingOutOfMemoryException(String message, long step, Path lastCheckpoint, int suggestedBatchSize,
                OutOfDeviceMemoryException cause) {
            super(message, cause);
            this.step = step;
            this.lastCheckpoint = lastCheckpoint;
            this.suggestedBatchSize = suggestedBatchSize;
        }

        /** The step that was running (1-based: step {@code k} is the k-th). */
        public long step() {
            return step;
        }

        /** The newest checkpoint, which reads back intact, or null when none was written yet. */
        public Path lastCheckpoint() {
            return lastCheckpoint;
        }

        /** The batch size estimate of {@link #suggestBatchSize}, or 0 when already 2 (nothing smaller to try). */
        public int suggestedBatchSize() {
            return suggestedBatchSize;
        }

        @Override
        public OutOfDeviceMemoryException getCause() {
            return (OutOfDeviceMemoryException) super.getCause();
        }
    }

    /** A new run. Its output folder must not hold checkpoints already (resume those instead). */
    public static GanTraining create(TrainingConfig config) {
        return new GanTraining(config, null);
    }

    /**
     * Continues the run of {@code checkpoint} with {@code config}, which must equal the checkpoint's
     * {@link Checkpoints#trainingConfig} except for the length (epochs, steps), the output folder, backend, threads and
     * checkpoint cadence and learning-rate schedule ({@link #resumeConfig} makes one).
     *
     * @throws IllegalArgumentException when {@code config} changes anything else
     */
    public static GanTraining resume(Checkpoint checkpoint, TrainingConfig config) {
        TrainingConfig saved = Checkpoints.trainingConfig(checkpoint);
        if (!saved.model().equals(config.model()) || !saved.dataset().equals(config.dataset())
                || !saved.trainer().equals(config.trainer())) {
            throw new IllegalArgumentException("a resumed run must keep the model, dataset and trainer settings of "
                    + checkpoint.file() + "; only epochs/steps, output, backend, threads, checkpoint options and the"
                    + " learning-rate schedule may change");
        }
        return new GanTraining(config, checkpoint);
    }

    /**
     * The checkpoint's configuration, to change the length or output before {@link #resume}, with the output set to
     * the checkpoint's own run folder: the folder above the {@code checkpoints/} folder the file lies in. The output
     * path stored inside a checkpoint is never used (a copied or shared checkpoint would write elsewhere).
     *
     * @throws IllegalArgumentException when the checkpoint lies outside a run folder's {@code checkpoints/}: then use
     *                                  {@link #resumeConfig(Checkpoint, Path)}
     */
    public static TrainingConfig.Builder resumeConfig(Checkpoint checkpoint) {
        // The checkpoint's own contents first: a broken file is the error to report, wherever it lies.
        TrainingConfig saved = Checkpoints.trainingConfig(checkpoint);
        Path run = RunFolder.ownerOf(checkpoint.file());
        if (run == null) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.file() + " is not in a run folder"
                    + " (RUN/checkpoints/step_N.safetensors), so there is none to continue; give the output folder of"
                    + " the resumed run (--out DIR)");
        }
        return saved.toBuilder().output(run);
    }

    /** The checkpoint's configuration with the output folder {@code output}, to change before {@link #resume}. */
    public static TrainingConfig.Builder resumeConfig(Checkpoint checkpoint, Path output) {
        return Checkpoints.trainingConfig(checkpoint).toBuilder().output(output);
    }

    public TrainingConfig config() {
        return config;
    }

    /** Test seam: {@code hook} is called with each step's number (1-based) just before that step runs. */
    GanTraining beforeStep(LongConsumer hook) {
        this.beforeStep = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /**
     * Lets this run replace another run's files in its output folder (metrics.csv, summary.json, losses.png,
     * samples/epoch_N.png, checkpoints/step_N.safetensors): without it a folder holding them is refused (see
     * {@link RunFolder}). Call before {@link #run}.
     */
    public GanTraining overwrite() {
        this.overwrite = true;
        return this;
    }

    /** Asks a running {@link #run} to stop after its current step and write a final checkpoint. Any thread. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Trains until the configured length or {@link #cancel()}, then writes a final checkpoint, sample grid, plot and
     * summary.json.
     *
     * @throws IOException                       when an output file cannot be written
     * @throws org.gan4j.data.DatasetException   when the data cannot be loaded
     * @throws org.gan4j.gan.TrainingDivergedException when a loss becomes NaN or infinite (the last checkpoint stays)
     * @throws TrainingOutOfMemoryException      when the device ran out of memory (the last checkpoint stays)
     * @throws IllegalStateException             when called twice
     */
    public TrainingResult run(Listener listener) throws IOException {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("a GanTraining runs once; create another to train again");
            }
            started = true;
            runner = Thread.currentThread();
        }
        try {
            return train(Objects.requireNonNull(listener, "listener"));
        } finally {
            finished.countDown();
        }
    }

    private TrainingResult train(Listener listener) throws IOException {
        ModelConfig mc = config.model();
        long seed = config.trainer().seed();
        Dataset dataset = config.dataset().load(mc, seed);
        if (mc.classes() > 0) {
            DatasetConfig.requireClassLabels(dataset, mc.classes());
        }
        currentStep = resumeFrom == null ? 1 : Checkpoints.progress(resumeFrom).step() + 1;
        // Everything that can fail on bad settings (data, batch size, backend, checkpoint contents) runs before the
        // run folder is touched, so a refused run leaves no file behind.
        try (Backend backend = BackendChoice.open(config.backend(), config.threads(), config.precision(),
                listener::onWarning);
                Model g = new Model(backend, mc.generator(), seed ^ 0x4747L).initialize(mc.init(), seed);
                Model d = new Model(backend, mc.discriminator(), seed ^ 0x4444L).initialize(mc.init(), seed + 1);
                GanTrainer trainer = new GanTrainer(backend, g, d, mc.latentShape(), config.trainer())) {
            Checkpoints.Progress resumed = null;
            if (resumeFrom != null) {
                resumed = Checkpoints.progress(resumeFrom);
                Checkpoints.loadGenerator(resumeFrom, g);
                Checkpoints.loadDiscriminator(resumeFrom, d);
                trainer.restore(new TrainerState(resumed.step(), resumed.generatorSteps(), resumed.trainerRandom(),
                        resumed.generatorRandom(), resumed.discriminatorRandom(),
                        Checkpoints.optimizerState(resumeFrom)));
            }
            // read metrics without stalling: each step collects the previous read step's (flushed at the end)
            trainer.deferMetrics(true);
            trainer.addListener(new TrainingListener() {
                @Override
                public void onWarning(String message) {
                    listener.onWarning(message);
                }
            });
            // batches prepared on loader threads straight into the backend's staging (pinned memory on CUDA)
            try (HostStaging staging = backend.newHostStaging(BatchLoader.BUFFERS, trainer.realInput().size());
                    BatchLoader loader = new BatchLoader(dataset, config.trainer().batchSize(), seed,
                            resumed == null ? 0 : resumed.epoch(), resumed == null ? 0 : resumed.batchInEpoch(),
                            staging::awaitWritable, staging::buffer);
                    RunFolder folder = RunFolder.lock(config.output())) {
                prepare(folder, resumed, listener);
                try {
                    return trainOn(backend, trainer, dataset, loader, staging, folder, listener, resumed);
                } catch (OutOfDeviceMemoryException e) {
                    // The writes in flight are done by now; the step in progress is incomplete, so nothing more is
                    // written: no final checkpoint, no samples, no summary. Device memory is released on return.
                    folder.deleteTemporaryFiles();
                    throw outOfMemory(e, currentStep, folder.checkpoints(), config.output());
                }
            }
        }
    }

    /** Applies the run folder's rules before the first step (see {@link RunFolder}). */
    private void prepare(RunFolder folder, Checkpoints.Progress resumed, Listener listener) throws IOException {
        if (resumed == null) {
            folder.claim(overwrite, "resume it (--resume " + folder.dir() + "), ");
            return;
        }
        Path owner = RunFolder.ownerOf(resumeFrom.file());
        if (owner != null && Files.isSameFile(owner, folder.dir())) {
            folder.supersedeAfter(resumed.step(), resumed.epoch(), listener::onWarning);
        } else {
            folder.claim(overwrite, "");
            folder.copyMetricsFrom(owner, resumed.step(), COLUMNS);
        }
    }

    private TrainingResult trainOn(Backend backend, GanTrainer trainer, Dataset dataset, BatchLoader loader,
            HostStaging staging, RunFolder folder, Listener listener, Checkpoints.Progress resumed)
            throws IOException {
        long seed = config.trainer().seed();
        int batch = config.trainer().batchSize();
        double elapsedBefore = resumed == null ? 0 : resumed.elapsedSeconds();
        try (RunOutputs outputs = new RunOutputs(folder, config, dataset, listener,
                resumed == null ? -1 : resumed.step())) {
            int perEpoch = loader.batchesPerEpoch();
            long total = config.steps() > 0 ? config.steps() : (long) config.epochs() * perEpoch;
            long startStep = trainer.stepCount();
            // The resumed checkpoint counts as this run's last one only where it lies in this folder.
            long lastCheckpoint = Files.exists(Checkpoint.fileFor(folder.checkpoints(), startStep)) ? startStep
                    : -1;
            long t0 = System.nanoTime(); // before onStart, so a listener's times never exceed the run's
            listener.onStart(new RunInfo(startStep, total, perEpoch, backend.name(), backend.deviceDescription(),
                    dataset.description(), folder.dir()));
            int epoch = resumed == null ? 0 : resumed.epoch();
            int batchInEpoch = resumed == null ? 0 : resumed.batchInEpoch();
            StepMetrics last = null;
            double ips = 0;
            while (trainer.stepCount() < total && !cancelled) {
                currentStep = trainer.stepCount() + 1;
                BatchLoader.Batch b = loader.next();
                staging.upload(b.slot(), trainer.realInput()); // asynchronous on CUDA
                if (trainer.numClasses() > 0) {
                    trainer.setLabels(b.labels());
                }
                StepMetrics m;
                try {
                    beforeStep.accept(currentStep);
                    trainer.scaleLearningRates(config.lrSchedule().factor(trainer.stepCount(), total));
                    m = trainer.step();
                } catch (RuntimeException | Error e) {
                    keepInFlight(trainer, outputs, perEpoch, ips);
                    throw e;
                }
                long step = trainer.stepCount();
                boolean epochEnd = b.index() == perEpoch - 1;
                epoch = epochEnd ? b.epoch() + 1 : b.epoch();
                batchInEpoch = epochEnd ? 0 : b.index() + 1;
                double seconds = (System.nanoTime() - t0) / 1e9;
                ips = seconds > 0 ? (step - startStep) * (double) batch / seconds : 0;
                boolean due = config.checkpointEvery() > 0 ? step % config.checkpointEvery() == 0 : epochEnd;
                // metrics arrive one read step late (GanTrainer.deferMetrics); collect this step's own before an
                // epoch's files or a checkpoint are written
                StepMetrics own = epochEnd || (due && step < total) ? trainer.flushMetrics() : null;
                for (StepMetrics r : new StepMetrics[] {m, own}) {
                    if (r != null) {
                        last = r;
                        record(outputs, r, perEpoch, ips);
                    }
                }
                listener.onStep(new StepReport(step, total, b.epoch(), own != null ? own : m, ips));
                if (epochEnd) {
                    Path png = outputs.samples(trainer, b.epoch() + 1);
                    outputs.plot();
                    listener.onEpochEnd(b.epoch() + 1, png);
                }
                if (due && step < total) {
                    outputs.checkpoint(trainer, epoch, batchInEpoch,
                            elapsedBefore + (System.nanoTime() - t0) / 1e9);
                    lastCheckpoint = step;
                }
                outputs.poll();
            }
            long step = trainer.stepCount();
            double seconds = (System.nanoTime() - t0) / 1e9;
            StepMetrics tail = trainer.flushMetrics();
            if (tail != null) {
                last = tail;
                record(outputs, tail, perEpoch, ips);
            }
            Path finalCheckpoint = Checkpoint.fileFor(folder.checkpoints(), step);
            if (lastCheckpoint != step) {
                outputs.checkpoint(trainer, epoch, batchInEpoch, elapsedBefore + seconds);
            }
            boolean atEpochEnd = batchInEpoch == 0 && step > startStep;
            if (!atEpochEnd) {
                outputs.samples(trainer, epoch + 1);
            }
            outputs.plot();
            MixtureMetrics.Result mixture = null;
            if (dataset instanceof Mixture2d mix) {
                mixture = MixtureMetrics.evaluate(trainer.generate(MIXTURE_POINTS, seed ^ MIXTURE_NOISE_KEY,
                        GanTrainer.SamplingMode.EVAL), mix);
            }
            outputs.finish();
            ips = seconds > 0 ? (step - startStep) * (double) batch / seconds : 0;
            TrainingResult result = new TrainingResult(folder.dir(), step, step - startStep,
                    step == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, epoch), elapsedBefore + seconds, seconds,
                    ips, backend.name(), backend.deviceDescription(), dataset.description(), last, mixture,
                    finalCheckpoint, cancelled);
            outputs.summary(result, effectiveConfig(total, perEpoch));
            return result;
        }
    }

    /**
     * The configuration as summary.json shows it: the values the run used, not the "choose for me" zeros (steps,
     * threads, checkpoint interval).
     */
    private ObjectNode effectiveConfig(long totalSteps, int perEpoch) {
        ObjectNode n = ConfigJson.training(config);
        n.put("steps", totalSteps);
        n.put("threads", config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors());
        n.put("checkpoint_every", config.checkpointEvery() > 0 ? config.checkpointEvery() : perEpoch);
        return n;
    }

    /** Records {@code m} (of any step: metrics arrive late) with the 1-based epoch of its step. */
    private static void record(RunOutputs outputs, StepMetrics m, int perEpoch, double ips) {
        outputs.record(m.step(), (int) ((m.step() - 1) / perEpoch) + 1, m, ips);
    }

    /**
     * After a failed step: the metrics of the completed step before it, still in flight (they arrive late), are
     * recorded. Best effort: where the failure left the device unusable that row is lost.
     */
    private static void keepInFlight(GanTrainer trainer, RunOutputs outputs, int perEpoch, double ips) {
        try {
            StepMetrics m = trainer.flushMetrics();
            if (m != null) {
                record(outputs, m, perEpoch, ips);
            }
        } catch (RuntimeException lost) {
            // the failure being reported matters more than one row of metrics
        }
    }

    /** The exception for running out of device memory at {@code step}; reads the newest checkpoint to vouch for it. */
    private TrainingOutOfMemoryException outOfMemory(OutOfDeviceMemoryException e, long step, Path checkpointDir,
            Path out) {
        int batch = config.trainer().batchSize();
        Path last = null;
        String checkpoint;
        try {
            last = Checkpoint.readLatest(checkpointDir).file();
            checkpoint = "the last checkpoint " + last + " is intact";
        } catch (NoSuchFileException none) {
            checkpoint = "no checkpoint was written yet";
        } catch (IOException | RuntimeException unreadable) {
            checkpoint = "no checkpoint reads back (" + unreadable.getMessage() + ")";
        }
        int suggested = suggestBatchSize(batch, e);
        String advice = suggested == 0
                ? "even a batch size of " + MIN_BATCH_SIZE + " does not fit: free GPU memory (nvidia-smi) or train on the"
                        + " CPU (--backend cpu)"
                : "a batch size of about " + suggested + " should fit: restart with -b " + suggested + " and a new"
                        + " --out folder (a resumed run keeps its batch size, " + batch + ")";
        String resume = last != null ? ", or free GPU memory and resume with --resume " + out : "";
        return new TrainingOutOfMemoryException("GPU out of memory at step " + step + " (asked "
                + OutOfDeviceMemoryException.mib(e.bytesRequested()) + ", "
                + OutOfDeviceMemoryException.mib(e.bytesFree()) + " free); " + checkpoint + "; " + advice
                + (suggested == 0 ? "" : resume), step, last, suggested, e);
    }

    /**
     * A batch size that should fit after running out of device memory at {@code batch}; 0 when {@code batch} is
     * already the smallest a trainer accepts (2).
     *
     * <p>Basis: what the failure reports: the bytes the backend held in its own allocations ({@code held}), the
     * allocation that failed ({@code asked}) and the free device memory ({@code free}). At {@code batch} the run
     * needed at least {@code held + asked} and could have had at most {@code held + free}. Assuming all of it grows
     * in proportion to the batch size gives {@code batch * (held + free) / (held + asked)}; of that 90% is
     * suggested (a margin for cuDNN workspaces chosen for the new shapes and for fragmentation), rounded down, never
     * more than half of {@code batch} and never less than 2. The assumption errs both ways, which is why the result is an
     * estimate: parameters, their gradients and Adam moments do not grow with the batch (so the per-sample cost is
     * overstated and the estimate too small), while the failed allocation need not have been the step's last (so
     * the need is understated and the estimate too large; the cap at half covers that case). When a size is
     * unknown (a failure inside a library call) it halves the batch.
     */
    static int suggestBatchSize(int batch, OutOfDeviceMemoryException e) {
        if (batch <= MIN_BATCH_SIZE) {
            return 0;
        }
        int half = Math.max(MIN_BATCH_SIZE, batch / 2);
        long held = e.bytesHeld();
        long asked = e.bytesRequested();
        long free = e.bytesFree();
        if (held < 0 || asked <= 0 || free < 0) {
            return half;
        }
        double proportional = 0.9 * batch * ((double) held + free) / ((double) held + asked);
        return (int) Math.max(MIN_BATCH_SIZE, Math.min(half, (long) Math.floor(proportional)));
    }

    /**
     * Cancels a running {@link #run} and waits until it has returned; called on the run's own thread (from a
     * listener) it only cancels, since the run returns after the current step.
     */
    @Override
    public void close() {
        cancel();
        if (started && Thread.currentThread() != runner) {
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
