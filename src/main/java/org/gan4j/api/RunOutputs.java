package org.gan4j.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.data.Dataset;
import org.gan4j.data.Mixture2d;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerState;
import org.gan4j.io.AtomicFiles;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.ImageGrid;
import org.gan4j.io.MetricsLog;
import org.gan4j.io.ScatterPlot;
import org.gan4j.io.TrainingPlot;
import org.gan4j.tensor.Shape;

/**
 * What a {@link GanTraining} run writes into its {@link RunFolder}: metrics.csv, losses.png, samples/epoch_NNN.png,
 * checkpoints/step_N.safetensors and summary.json.
 *
 * <p><b>Nothing optional stops a run.</b> A sample grid, loss plot, metrics row or summary that cannot be written
 * (disk full, a folder in the way, no fonts, ...) becomes one warning line through
 * {@link GanTraining.Listener#onWarning} and training goes on (after a failed metrics write the log is switched off, so the warning comes once). A
 * checkpoint that cannot be written stops the run at the next step with an {@link IOException} naming the file,
 * the cause and the last checkpoint that was written.
 *
 * <p><b>Off the training thread.</b> The training thread only takes snapshots (the grid's samples, the plot's rows,
 * the checkpoint's tensors copied to the host); rendering, PNG encoding, checkpoint serialisation, fsync and pruning
 * run on one background writer thread, in submission order. At most one write of each kind is pending (a new one
 * waits for the previous), so the snapshots held stay bounded. Warnings and {@code onCheckpoint} calls from the
 * writer are delivered on the training thread by {@link #poll()}; {@link #finish()} and {@link #close()} wait for
 * every write. Used by one training thread; not thread-safe otherwise.
 */
final class RunOutputs implements AutoCloseable {
    /** Size of losses.png in pixels. */
    static final int PLOT_WIDTH = 1000;
    static final int PLOT_HEIGHT = 600;
    /** Most rows kept for losses.png (see {@link PlotRows}). */
    static final int MAX_PLOT_ROWS = 4096;
    /** Key offset of the fixed-noise stream of the grids (independent of the training stream, same every epoch). */
    private static final long FIXED_NOISE_KEY = 0x5EED_F1CE_D000L;

    private final RunFolder folder;
    private final TrainingConfig config;
    private final Dataset dataset;
    private final GanTraining.Listener listener;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gan4j-run-writer");
        t.setDaemon(true);
        return t;
    });
    /** Listener calls from the writer, run on the training thread by {@link #poll()}. */
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final PlotRows plot = new PlotRows();
    private volatile IOException checkpointFailure;
    private volatile Path lastWritten;
    private Future<?> pendingCheckpoint;
    private Future<?> pendingSamples;
    private Future<?> pendingPlot;
    private MetricsLog log;

    /**
     * Opens metrics.csv: a new log, or when resuming at {@code resumedStep} the folder's log cut to that step (its
     * rows also seed the plot). A log that cannot be opened is a warning: the run goes on without one.
     *
     * @param resumedStep the resumed checkpoint's step, or -1 for a new run
     */
    RunOutputs(RunFolder folder, TrainingConfig config, Dataset dataset, GanTraining.Listener listener,
            long resumedStep) {
        this.folder = folder;
        this.config = config;
        this.dataset = dataset;
        this.listener = listener;
        Path csv = folder.metrics();
        try {
            log = resumedStep < 0 ? MetricsLog.create(csv, GanTraining.COLUMNS)
                    : MetricsLog.resume(csv, GanTraining.COLUMNS, resumedStep);
            if (resumedStep >= 0) {
                for (double[] r : MetricsLog.read(csv).rows()) {
                    plot.add(new TrainingPlot.Row((long) r[0], r[2], r[3], r[4], r[5]));
                }
            }
        } catch (IOException | RuntimeException e) {
            warn(csv, e);
            closeLog();
        }
    }

    /** Appends a read step to metrics.csv and the plot; {@code epoch} is 1-based, as on the console. */
    void record(long step, int epoch, StepMetrics m, double imagesPerSecond) {
        if (m == null) {
            return;
        }
        plot.add(new TrainingPlot.Row(step, m.lossD(), m.lossG(), m.dReal(), m.dFakeBefore()));
        if (log != null) {
            try {
                log.append(step, epoch, m.lossD(), m.lossG(), m.dReal(), m.dFakeBefore(), m.dFakeAfter(),
                        m.gradNormD(), m.gradNormG(), imagesPerSecond);
            } catch (IOException | RuntimeException e) {
                warn(log.file(), e);
                closeLog();
            }
        }
    }

    /**
     * Generates the fixed-noise samples now (G in eval mode) and writes samples/epoch_NNN.png in the background: a
     * grid of {@value GanTraining#GRID_SAMPLES} images, or for 2-D points a scatter of
     * {@value GanTraining#SCATTER_POINTS} over the data's modes.
     *
     * @param epoch 1-based, the number in the file name
     * @return the file being written
     */
    Path samples(GanTrainer trainer, int epoch) {
        Path png = folder.samples().resolve(String.format("epoch_%03d.png", epoch));
        long key = config.trainer().seed() ^ FIXED_NOISE_KEY;
        ModelConfig mc = config.model();
        flushLog();
        if (mc.isImage()) {
            float[] x = trainer.generate(GanTraining.GRID_SAMPLES, key, GanTrainer.SamplingMode.EVAL);
            Shape s = mc.sampleShape();
            Shape nchw = Shape.of(GanTraining.GRID_SAMPLES, s.dim(0), s.dim(1), s.dim(2));
            pendingSamples = submitOptional(pendingSamples, png, () -> ImageGrid.write(png, x, nchw, 8));
        } else {
            float[] p = trainer.generate(GanTraining.SCATTER_POINTS, key, GanTrainer.SamplingMode.EVAL);
            double[][] modes = dataset instanceof Mixture2d m ? m.modes() : new double[0][];
            pendingSamples = submitOptional(pendingSamples, png, () -> ScatterPlot.write(png, p, modes, 512));
        }
        return png;
    }

    /** Redraws losses.png from the rows so far, in the background. */
    void plot() {
        Path png = folder.dir().resolve("losses.png");
        List<TrainingPlot.Row> rows = List.copyOf(plot.rows());
        flushLog();
        pendingPlot = submitOptional(pendingPlot, png,
                () -> TrainingPlot.write(png, rows, PLOT_WIDTH, PLOT_HEIGHT));
    }

    /**
     * Snapshots the trainer's state now and writes checkpoints/step_N.safetensors in the background (then prunes to
     * the newest {@code keepCheckpoints}).
     *
     * @param epoch        epoch of the next batch
     * @param batchInEpoch index of that batch in its epoch
     * @param elapsed      training seconds so far, earlier runs included
     * @return the file being written
     * @throws IOException when an earlier checkpoint could not be written
     */
    Path checkpoint(GanTrainer trainer, int epoch, int batchInEpoch, double elapsed) throws IOException {
        TrainerState s = trainer.state();
        Checkpoints.Progress p = new Checkpoints.Progress(s.step(), s.generatorSteps(), epoch, batchInEpoch,
                s.randomCounter(), s.generatorRandomCounter(), s.discriminatorRandomCounter(), elapsed);
        Checkpoint c = Checkpoints.of(config, p, trainer.generator(), trainer.discriminator(), s.optimizerState(),
                trainer.averagedGeneratorState());
        Path dir = folder.checkpoints();
        Path file = Checkpoint.fileFor(dir, s.step());
        flushLog();
        await(pendingCheckpoint);
        poll();
        pendingCheckpoint = writer.submit(() -> {
            if (checkpointFailure != null) {
                return;
            }
            try {
                c.write(file);
                lastWritten = file;
                Checkpoint.prune(dir, config.keepCheckpoints());
                events.add(() -> listener.onCheckpoint(file));
            } catch (IOException | RuntimeException e) {
                Path last = lastWritten;
                checkpointFailure = new IOException("cannot write checkpoint " + file + ": " + oneLine(e)
                        + "; training stopped (" + (last == null ? "no checkpoint was written"
                        : "the last checkpoint is " + last) + "); free space or fix the folder and resume", e);
            }
        });
        return file;
    }

    /**
     * Runs the listener calls the writer queued, on this (the training) thread.
     *
     * @throws IOException when a checkpoint could not be written: the run must stop
     */
    void poll() throws IOException {
        for (Runnable r; (r = events.poll()) != null; ) {
            r.run();
        }
        if (checkpointFailure != null) {
            throw checkpointFailure;
        }
    }

    /** Waits for every write and delivers its events; throws a checkpoint failure as {@link #poll()} does. */
    void finish() throws IOException {
        flushLog();
        for (Future<?> f : new Future<?>[] {pendingSamples, pendingPlot, pendingCheckpoint}) {
            await(f);
        }
        poll();
    }

    /** Writes summary.json: the result plus the configuration with its effective values (optional). */
    void summary(TrainingResult result, ObjectNode effectiveConfig) {
        Path file = folder.dir().resolve("summary.json");
        try {
            ObjectNode summary = result.toJson();
            summary.set("config", effectiveConfig);
            AtomicFiles.writeBytes(file, Checkpoints.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(summary));
        } catch (IOException | RuntimeException e) {
            warn(file, e);
        }
    }

    /** Waits for pending writes (so no write outlives the run) and stops the writer; closes metrics.csv. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            while (!writer.awaitTermination(1, TimeUnit.MINUTES)) {
                // a checkpoint of a large model on a slow disk: keep waiting, the run must not outlive its files
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeLog();
    }

    private Future<?> submitOptional(Future<?> previous, Path file, IoTask task) {
        await(previous);
        return writer.submit(() -> {
            try {
                task.run();
            } catch (Throwable e) { // anything: no fonts (UnsatisfiedLinkError), disk full, a folder in the way
                warn(file, e);
            }
        });
    }

    private void warn(Path file, Throwable e) {
        String message = "could not write " + folder.dir().relativize(file) + " (" + oneLine(e)
                + "); training goes on without it";
        if (Thread.currentThread().getName().equals("gan4j-run-writer")) {
            events.add(() -> listener.onWarning(message));
        } else {
            listener.onWarning(message);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getClass() == IOException.class ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    private void flushLog() {
        if (log != null) {
            try {
                log.flush();
            } catch (IOException e) {
                warn(log.file(), e);
                closeLog();
            }
        }
    }

    private void closeLog() {
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                // already reported, or nothing more to lose: the rows were flushed or warned about
            }
            log = null;
        }
    }

    private static void await(Future<?> f) {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the run's writer failed: " + e.getCause(), e.getCause());
        }
    }

    /** A write that may throw. */
    @FunctionalInterface
    private interface IoTask {
        void run() throws IOException;
    }

    /**
     * The rows of losses.png, at most {@link #MAX_PLOT_ROWS}: when full, every other row is dropped and from then on
     * only every {@code stride}-th row is kept, so memory stays bounded over any number of steps (keeping every row
     * grew the heap by about 60 bytes per step).
     */
    private static final class PlotRows {
        private final List<TrainingPlot.Row> rows = new ArrayList<>();
        private long stride = 1;
        private long seen;

        void add(TrainingPlot.Row r) {
            if (seen++ % stride != 0) {
                return;
            }
            if (rows.size() == MAX_PLOT_ROWS) {
                for (int i = 0; i < MAX_PLOT_ROWS / 2; i++) {
                    rows.set(i, rows.get(2 * i));
                }
                rows.subList(MAX_PLOT_ROWS / 2, MAX_PLOT_ROWS).clear();
                stride *= 2;
                if ((seen - 1) % stride != 0) {
                    return;
                }
            }
            rows.add(r);
        }

        List<TrainingPlot.Row> rows() {
            return rows;
        }
    }
}
