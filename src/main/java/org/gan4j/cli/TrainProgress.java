package org.gan4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.gan4j.api.GanTraining;
import org.gan4j.gan.StepMetrics;

/**
 * Shows a {@link GanTraining} run: on a terminal a progress bar (step, epoch, loss_D, loss_G, D(x), D(G(z)),
 * images/s, ETA); otherwise a log line about every 5% of the run or every 30 seconds. Warnings go to stderr. Times
 * count from the start of training ({@link #onStart}), as the final "Trained ... in" line does, so an epoch's time
 * never exceeds the run's. Epochs are 1-based, as in metrics.csv and the sample file names. Used on the training
 * thread.
 */
final class TrainProgress implements GanTraining.Listener, AutoCloseable {
    private static final long LOG_NANOS = 30_000_000_000L;

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private ProgressBar bar;
    private GanTraining.RunInfo info;
    private StepMetrics last;
    private long logEvery;
    private long lastLog;
    private long t0 = System.nanoTime();

    TrainProgress(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
        this.terminal = System.console() != null;
    }

    @Override
    public void onStart(GanTraining.RunInfo info) {
        this.info = info;
        t0 = System.nanoTime();
        out.printf("Training on %s (%s)%n  data: %s, %d steps per epoch, steps %d to %d%n  output: %s%n",
                info.backend(), info.device(), info.dataset(), info.batchesPerEpoch(), info.startStep(),
                info.totalSteps(), info.output());
        out.flush();
        logEvery = Math.max(1, (info.totalSteps() - info.startStep()) / 20);
        lastLog = System.nanoTime();
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(info.totalSteps())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setUnit(" steps", 1)
                    .startsFrom(info.startStep(), java.time.Duration.ZERO).build();
        }
    }

    @Override
    public void onStep(GanTraining.StepReport r) {
        if (r.metrics() != null) {
            last = r.metrics();
        }
        if (bar != null) {
            bar.stepTo(r.step());
            bar.setExtraMessage(text(r));
            return;
        }
        long now = System.nanoTime();
        if (r.step() % logEvery == 0 || r.step() == r.totalSteps() || now - lastLog > LOG_NANOS) {
            lastLog = now;
            out.printf("step %d/%d  %s%n", r.step(), r.totalSteps(), text(r));
            out.flush();
        }
    }

    private String text(GanTraining.StepReport r) {
        String m = last == null ? "" : String.format("  loss_D %.4f  loss_G %.4f  D(x) %.3f  D(G(z)) %.3f",
                last.lossD(), last.lossG(), last.dReal(), last.dFakeBefore());
        return String.format("epoch %d%s  %.0f img/s", r.epoch() + 1, m, r.imagesPerSecond());
    }

    @Override
    public void onEpochEnd(int epoch, Path samples) {
        if (bar == null) {
            out.printf("epoch %d done after %.1f s: %s%n", epoch, (System.nanoTime() - t0) / 1e9, samples);
            out.flush();
        }
    }

    @Override
    public void onWarning(String message) {
        if (bar != null) {
            bar.pause();
        }
        out.flush();
        err.println("warning: " + message);
        err.flush();
        if (bar != null) {
            bar.resume();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
