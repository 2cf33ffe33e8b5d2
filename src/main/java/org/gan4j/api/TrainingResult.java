package org.gan4j.api;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.gan.StepMetrics;
import org.gan4j.metrics.MixtureMetrics;

/**
 * What a {@link GanTraining} run did; also written to its {@code summary.json}.
 *
 * @param output          the run folder
 * @param steps           total steps done (including those before a resume)
 * @param stepsThisRun    steps done by this run
 * @param epochs          epochs started (the epoch of the next batch)
 * @param totalSeconds    training time including earlier runs of a resumed training
 * @param seconds         training time of this run
 * @param imagesPerSecond real samples per second in this run
 * @param backend         backend name
 * @param device          device description
 * @param dataset         dataset description
 * @param lastMetrics     the last metrics read (null when none was)
 * @param mixture         mode coverage of a 2-D model on {@value GanTraining#MIXTURE_POINTS} samples, else null
 * @param checkpoint      the final checkpoint
 * @param cancelled       whether the run was cancelled
 */
public record TrainingResult(Path output, long steps, long stepsThisRun, int epochs, double totalSeconds,
        double seconds, double imagesPerSecond, String backend, String device, String dataset,
        StepMetrics lastMetrics, MixtureMetrics.Result mixture, Path checkpoint, boolean cancelled) {

    /**
     * As JSON (summary.json): steps, epochs, total_seconds (training time, earlier runs of a resumed training
     * included), images_per_second (this run), and for a resumed run steps_this_run and seconds_this_run.
     */
    public ObjectNode toJson() {
        ObjectNode n = Checkpoints.mapper().createObjectNode();
        n.put("gan4j_version", Version.VERSION);
        n.put("output", output.toString());
        n.put("steps", steps);
        n.put("epochs", epochs);
        n.put("total_seconds", totalSeconds);
        if (stepsThisRun != steps) { // resumed: what this run added (otherwise the same as the totals)
            n.put("steps_this_run", stepsThisRun);
            n.put("seconds_this_run", seconds);
        }
        n.put("images_per_second", imagesPerSecond);
        n.put("backend", backend);
        n.put("device", device);
        n.put("dataset", dataset);
        n.put("cancelled", cancelled);
        n.put("checkpoint", checkpoint.toString());
        if (lastMetrics != null) {
            ObjectNode m = n.putObject("final_metrics");
            m.put("step", lastMetrics.step());
            m.put("loss_D", lastMetrics.lossD());
            m.put("loss_G", lastMetrics.lossG());
            m.put("D_x", lastMetrics.dReal());
            m.put("D_G_z1", lastMetrics.dFakeBefore());
            m.put("D_G_z2", lastMetrics.dFakeAfter());
        }
        if (mixture != null) {
            ObjectNode m = n.putObject("mixture_metrics");
            m.put("points", mixture.numPoints());
            m.put("modes", mixture.numModes());
            m.put("modes_covered", mixture.modesCovered());
            m.put("high_quality_fraction", mixture.highQualityFraction());
            m.put("reverse_kl", mixture.reverseKl());
        }
        return n;
    }

    /** A few lines for a terminal. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s %d steps (%d this run) in %.1f s, %.1f images/s on %s (%s)%n",
                cancelled ? "Cancelled after" : "Trained", steps, stepsThisRun, seconds, imagesPerSecond, backend,
                device));
        if (lastMetrics != null) {
            b.append(String.format("last metrics (step %d): loss_D %.4f  loss_G %.4f  D(x) %.4f  D(G(z)) %.4f before"
                    + " and %.4f after the G update%n", lastMetrics.step(), lastMetrics.lossD(), lastMetrics.lossG(),
                    lastMetrics.dReal(), lastMetrics.dFakeBefore(), lastMetrics.dFakeAfter()));
        }
        if (mixture != null) {
            b.append("mixture: ").append(mixture).append('\n');
        }
        b.append("output: ").append(output).append("  checkpoint: ").append(checkpoint).append('\n');
        return b.toString();
    }
}
