package org.gan4j.api;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.backend.Precision;
import org.gan4j.gan.GanLoss;
import org.gan4j.gan.Labels;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.CheckpointFormatException;

/**
 * The configuration classes ({@link ModelConfig}, {@link TrainingConfig}) as JSON, as checkpoints store them in their
 * metadata ({@code model}, {@code training}) and summary.json shows them; field names are snake_case. Stateless; any
 * thread.
 */
final class ConfigJson {
    private ConfigJson() {
    }

    /** The architecture and options of a model (metadata {@code model}). */
    static ObjectNode model(ModelConfig m) {
        ObjectNode n = Checkpoints.mapper().createObjectNode();
        n.put("architecture", m.name());
        n.put("nz", m.options().nz());
        n.put("generator_width", m.options().generatorWidth());
        n.put("discriminator_width", m.options().discriminatorWidth());
        n.put("channels", m.options().channels());
        n.put("depth", m.options().depth());
        n.put("spectral_norm", m.options().spectralNorm());
        n.put("pack", m.options().pack());
        n.put("classes", m.options().classes());
        return n;
    }

    /** The training configuration (metadata {@code training}; also in summary.json). */
    static ObjectNode training(TrainingConfig c) {
        ObjectNode n = Checkpoints.mapper().createObjectNode();
        ObjectNode d = n.putObject("dataset");
        d.put("kind", c.dataset().kind().name());
        if (c.dataset().path() != null) {
            d.put("path", c.dataset().path().toString());
        }
        d.put("size", c.dataset().size());
        TrainerConfig t = c.trainer();
        ObjectNode h = n.putObject("trainer");
        h.put("batch_size", t.batchSize());
        h.put("lr_d", t.lrD());
        h.put("lr_g", t.lrG());
        h.put("beta1", t.beta1());
        h.put("beta2", t.beta2());
        h.put("d_steps", t.dStepsPerGStep());
        h.put("loss", t.loss().cliName());
        ObjectNode l = h.putObject("labels");
        l.put("real", t.labels().real());
        l.put("fake", t.labels().fake());
        l.put("noise", t.labels().noise());
        l.put("flip", t.labels().flipProbability());
        h.put("seed", t.seed());
        h.put("metrics_every", t.metricsEvery());
        h.put("collapse_loss_d", t.collapseLossD());
        h.put("collapse_read_steps", t.collapseReadSteps());
        h.put("ema_decay", t.emaDecay());
        h.put("r1_gamma", t.r1Gamma());
        n.put("epochs", c.epochs());
        n.put("steps", c.steps());
        n.put("backend", c.backend());
        n.put("threads", c.threads());
        n.put("output", c.output().toString());
        n.put("checkpoint_every", c.checkpointEvery());
        n.put("keep_checkpoints", c.keepCheckpoints());
        n.put("lr_schedule", c.lrSchedule().toString());
        n.put("precision", c.precision().cliName());
        return n;
    }

    /**
     * The training configuration of a checkpoint's {@code training} entry, with the checkpoint's {@code model}.
     *
     * @param file for messages: the checkpoint
     * @throws IllegalArgumentException  when a value is out of range (the config classes' message)
     * @throws CheckpointFormatException when a string field is missing
     */
    static TrainingConfig training(JsonNode t, ModelConfig model, Path file) {
        JsonNode h = t.path("trainer");
        JsonNode l = h.path("labels");
        TrainerConfig trainer = TrainerConfig.builder()
                .batchSize(h.path("batch_size").asInt())
                .lrD(h.path("lr_d").floatValue()).lrG(h.path("lr_g").floatValue())
                .betas(h.path("beta1").floatValue(), h.path("beta2").floatValue())
                .dStepsPerGStep(h.path("d_steps").asInt())
                .loss(GanLoss.parse(text(file, h, "loss")))
                .labels(new Labels(l.path("real").floatValue(), l.path("fake").floatValue(),
                        l.path("noise").floatValue(), l.path("flip").floatValue()))
                .seed(h.path("seed").asLong())
                .metricsEvery(h.path("metrics_every").asInt())
                .collapseWarning(h.path("collapse_loss_d").floatValue(), h.path("collapse_read_steps").asInt())
                .emaDecay(h.path("ema_decay").floatValue()) // absent (0: no average) before it existed
                .r1Gamma(h.path("r1_gamma").floatValue()) // absent (0: no penalty) before it existed
                .build();
        JsonNode d = t.path("dataset");
        String path = d.path("path").isTextual() ? d.path("path").asText() : null;
        DatasetConfig dataset = new DatasetConfig(DatasetConfig.Kind.valueOf(text(file, d, "kind")),
                path == null ? null : Path.of(path), d.path("size").asInt());
        return new TrainingConfig(model, dataset, trainer, t.path("epochs").asInt(),
                t.path("steps").asLong(), text(file, t, "backend"), t.path("threads").asInt(),
                Path.of(text(file, t, "output")), t.path("checkpoint_every").asLong(),
                t.path("keep_checkpoints").asInt(), t.path("lr_schedule").isTextual()
                        ? LrSchedule.parse(t.path("lr_schedule").asText()) : LrSchedule.CONSTANT,
                // absent before precisions existed: those runs used the default, TF32
                t.path("precision").isTextual() ? Precision.parse(t.path("precision").asText()) : Precision.TF32);
    }

    /** The string field {@code field} of {@code n}; a {@link CheckpointFormatException} when missing. */
    static String text(Path file, JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isTextual()) {
            throw new CheckpointFormatException(file, null, "metadata field '" + field + "' is missing or not"
                    + " a string");
        }
        return v.asText();
    }
}
