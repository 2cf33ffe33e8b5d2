package org.gan4j.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.io.Checkpoint;
import org.gan4j.io.CheckpointFormatException;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;
import org.gan4j.io.TensorDtype;
import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Model;

/**
 * Saving and loading gan4j checkpoints ({@link Checkpoint}: the file format) with their typed metadata
 * ({@link ModelConfig}, {@link TrainingConfig}, {@link Progress}), and conversion to and from the naming of
 * PyTorch's pytorch/examples DCGAN ({@link #exportPyTorch}, {@link #importPyTorchDcgan}).
 *
 * <p>All methods are static and stateless; they may be called from any thread (each call reads or writes its own
 * files). Every malformed or mismatched file is a {@link CheckpointFormatException} naming the file, the tensor or
 * entry and the fix.
 *
 * <h2>PyTorch names</h2>
 * pytorch/examples {@code dcgan/main.py} keeps each network in {@code self.main = nn.Sequential(...)}, so
 * {@code netG.state_dict()} has keys {@code main.<i>.<param>}; gan4j's {@code Dcgan64} has the same layers at the
 * same indices, named {@code <i>.<param>}. The mapping adds or removes the {@code main.} prefix; PyTorch's batch
 * norm counter {@code main.<i>.num_batches_tracked} (I64 scalar) is ignored on import (gan4j's batch norm uses a fixed
 * momentum, for which the counter has no effect) and written on export as the number of generator (or
 * discriminator) updates. Everything else must match in name and shape.
 */
public final class Checkpoints {
    /** State names in a file that gan4j models do not have and may be ignored. */
    static final List<String> IGNORED_STATE = List.of();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PYTORCH_PREFIX = "main.";
    private static final String BATCHES_TRACKED = "num_batches_tracked";

    private Checkpoints() {
    }

    /**
     * Where a run stands, saved in the {@code progress} metadata entry.
     *
     * @param step                  steps done (discriminator updates)
     * @param generatorSteps        generator updates done
     * @param epoch                 epoch of the next batch to train on
     * @param batchInEpoch          index of that batch in its epoch
     * @param trainerRandom         counter of the trainer's random stream
     * @param generatorRandom       counter of the generator's own random stream
     * @param discriminatorRandom   counter of the discriminator's own random stream
     * @param elapsedSeconds        training time so far
     */
    public record Progress(long step, long generatorSteps, int epoch, int batchInEpoch, long trainerRandom,
            long generatorRandom, long discriminatorRandom, double elapsedSeconds) {
    }

    /** Reads a checkpoint file, or the newest usable one of a run folder (see {@link Checkpoint#readLatest}). */
    public static Checkpoint read(Path fileOrRun) throws IOException {
        return Checkpoint.readLatest(fileOrRun);
    }

    /** Builds a checkpoint of a training run's state (see {@link GanTraining}), without an averaged generator. */
    public static Checkpoint of(TrainingConfig config, Progress progress, Model generator, Model discriminator,
            Map<String, float[]> optimizerState) {
        return of(config, progress, generator, discriminator, optimizerState, null);
    }

    /**
     * Builds a checkpoint of a training run's state; {@code averagedGenerator} (the generator's weight average as a
     * state dict, see {@code GanTrainer.averagedGeneratorState}) goes into the {@link Checkpoint#AVERAGED_GENERATOR}
     * group when not null.
     */
    public static Checkpoint of(TrainingConfig config, Progress progress, Model generator, Model discriminator,
            Map<String, float[]> optimizerState, Map<String, float[]> averagedGenerator) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("model", toJson(ConfigJson.model(config.model())));
        info.put("training", toJson(ConfigJson.training(config)));
        info.put("progress", toJson(JSON.valueToTree(progressMap(progress))));
        Map<String, TensorData> opt = new LinkedHashMap<>();
        optimizerState.forEach((k, v) -> opt.put(k, TensorData.f32(k, v)));
        Map<String, TensorData> average = averagedGenerator == null ? Map.of()
                : Checkpoint.fromStateDict(averagedGenerator, generator.stateShapes());
        return Checkpoint.of(Version.VERSION, info, Checkpoint.fromModel(generator),
                Checkpoint.fromModel(discriminator), opt, average);
    }

    /**
     * The architecture and options of a checkpoint's networks, checked against the tensors the file really holds
     * before anything is built or allocated: the generator (and the discriminator, when present) must match the
     * declared model tensor for tensor in name and shape, hold only finite values, and stay within
     * {@link Checkpoint#MAX_PARAMETERS} (see {@link Checkpoint#checkFits}). So a small file declaring a huge model,
     * or one without tensors, is a {@link CheckpointFormatException} and costs no more memory than the file.
     */
    public static ModelConfig modelConfig(Checkpoint c) {
        JsonNode m = parse(c, "model");
        for (String k : List.of("nz", "generator_width", "discriminator_width", "channels", "depth")) {
            if (!m.path(k).canConvertToInt()) {
                throw new CheckpointFormatException(c.file(), null, "metadata 'model' needs an integer '" + k
                        + "' below 2^31, got " + (m.has(k) ? m.get(k) : "none"));
            }
        }
        Map<String, TensorData> g = c.group(Checkpoint.GENERATOR);
        Map<String, TensorData> d = c.group(Checkpoint.DISCRIMINATOR);
        // Each hidden layer holds at least one tensor: a larger depth cannot fit, and building it could take forever.
        if (m.path("depth").asInt() > Math.max(g.size(), 1)) {
            throw new CheckpointFormatException(c.file(), null, "metadata 'model' declares depth "
                    + m.path("depth").asInt() + " but the generator has " + g.size() + " tensors; was the file"
                    + " edited or written by another program?");
        }
        try {
            ModelConfig config = new ModelConfig(GanArchitecture.parse(text(c, m, "architecture")),
                    new GanArchitecture.Options(m.path("nz").asInt(), m.path("generator_width").asInt(),
                            m.path("discriminator_width").asInt(), m.path("channels").asInt(),
                            m.path("depth").asInt(), m.path("spectral_norm").asBoolean(false),
                            m.path("pack").asInt(1), m.path("classes").asInt(0))); // absent before they existed

            Checkpoint.checkFits(config.generator(), g, IGNORED_STATE, c.file(), "generator");
            if (!d.isEmpty()) {
                Checkpoint.checkFits(config.discriminator(), d, IGNORED_STATE, c.file(), "discriminator");
            }
            return config;
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(c.file(), null, "metadata 'model' is invalid: " + e.getMessage());
        }
    }

    /** The training configuration a checkpoint was written with. */
    public static TrainingConfig trainingConfig(Checkpoint c) {
        JsonNode t = parse(c, "training");
        if (t.path("imported").asBoolean(false)) {
            throw new CheckpointFormatException(c.file(), null, "this checkpoint was imported from PyTorch and has"
                    + " no training state; it can be sampled and exported but not resumed");
        }
        ModelConfig model = modelConfig(c);
        if (c.group(Checkpoint.DISCRIMINATOR).isEmpty()) {
            throw new CheckpointFormatException(c.file(), null, "has no discriminator tensors, which every training"
                    + " checkpoint holds; was the file edited or written by another program?");
        }
        try {
            return ConfigJson.training(t, model, c.file());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(c.file(), null, "metadata 'training' is invalid: " + e.getMessage());
        }
    }

    /** Where the run stood when the checkpoint was written. */
    public static Progress progress(Checkpoint c) {
        JsonNode p = parse(c, "progress");
        for (String k : List.of("step", "generator_steps", "epoch", "batch_in_epoch", "trainer_random",
                "generator_random", "discriminator_random")) {
            if (!p.path(k).canConvertToLong() || p.path(k).asLong() < 0) {
                throw new CheckpointFormatException(c.file(), null, "metadata 'progress' needs a non-negative"
                        + " integer '" + k + "', got " + p.path(k));
            }
        }
        return new Progress(p.path("step").asLong(), p.path("generator_steps").asLong(), p.path("epoch").asInt(),
                p.path("batch_in_epoch").asInt(), p.path("trainer_random").asLong(),
                p.path("generator_random").asLong(), p.path("discriminator_random").asLong(),
                p.path("elapsed_seconds").asDouble());
    }

    /** The optimizer state of a checkpoint, by name, for {@code GanTrainer}'s restore. */
    public static Map<String, float[]> optimizerState(Checkpoint c) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (TensorData t : c.group(Checkpoint.OPTIMIZER).values()) {
            if (!t.dtype().isFloating()) {
                throw new CheckpointFormatException(c.file(), Checkpoint.OPTIMIZER + t.name(), "dtype " + t.dtype()
                        + ", expected F32");
            }
            out.put(t.name(), t.floats());
        }
        return out;
    }

    /**
     * The generator to sample and evaluate: the averaged one ({@link Checkpoint#AVERAGED_GENERATOR}) when the run
     * kept an average, else the trained one ({@link Checkpoint#GENERATOR}); names without the prefix.
     */
    public static Map<String, TensorData> samplingGenerator(Checkpoint c) {
        Map<String, TensorData> average = c.group(Checkpoint.AVERAGED_GENERATOR);
        return average.isEmpty() ? c.group(Checkpoint.GENERATOR) : average;
    }

    /** Loads a checkpoint's generator into a model built from {@link #modelConfig}. */
    public static void loadGenerator(Checkpoint c, Model model) {
        Checkpoint.loadInto(model, c.group(Checkpoint.GENERATOR), IGNORED_STATE, c.file(), "generator");
    }

    /** Loads a checkpoint's discriminator into a model built from {@link #modelConfig}. */
    public static void loadDiscriminator(Checkpoint c, Model model) {
        Checkpoint.loadInto(model, c.group(Checkpoint.DISCRIMINATOR), IGNORED_STATE, c.file(), "discriminator");
    }

    // ------------------------------------------------------------------ PyTorch

    /**
     * Writes the checkpoint's generator and discriminator as PyTorch {@code state_dict}s in pytorch/examples dcgan's
     * naming ({@code main.<i>.<param>}), loadable with {@code netG.load_state_dict(safetensors.torch.load_file(f))};
     * each batch norm also gets {@code num_batches_tracked} (I64 scalar) set to that network's update count.
     * Either path may be null to skip that network.
     */
    public static void exportPyTorch(Checkpoint c, Path generatorOut, Path discriminatorOut) throws IOException {
        modelConfig(c); // the networks must fit their metadata: no empty or mismatched state_dict is written
        Progress p = progress(c);
        if (generatorOut != null) {
            Safetensors.write(generatorOut, toPyTorch(c.group(Checkpoint.GENERATOR), p.generatorSteps()), null);
        }
        if (discriminatorOut != null) {
            Map<String, TensorData> d = c.group(Checkpoint.DISCRIMINATOR);
            if (d.isEmpty()) {
                throw new CheckpointFormatException(c.file(), null, "has no discriminator to export");
            }
            Safetensors.write(discriminatorOut, toPyTorch(d, p.step()), null);
        }
    }

    /**
     * Writes the average of the generator's weights ({@link Checkpoint#AVERAGED_GENERATOR}: what {@code sample} and
     * {@code eval} use) as a PyTorch {@code state_dict} like {@link #exportPyTorch}'s generator, loadable into the
     * same {@code netG}.
     *
     * @return false (and nothing written) when the run kept no average
     */
    public static boolean exportAveragedGeneratorPyTorch(Checkpoint c, Path out) throws IOException {
        modelConfig(c);
        Map<String, TensorData> average = c.group(Checkpoint.AVERAGED_GENERATOR);
        if (average.isEmpty()) {
            return false;
        }
        Safetensors.write(out, toPyTorch(average, progress(c).generatorSteps()), null);
        return true;
    }

    private static Map<String, TensorData> toPyTorch(Map<String, TensorData> group, long updates) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (TensorData t : group.values()) {
            String name = PYTORCH_PREFIX + t.name();
            out.put(name, new TensorData(name, t.dtype(), t.shape(), t.floats(), t.longs()));
            if (t.name().endsWith(".running_var")) {
                String counter = name.substring(0, name.length() - "running_var".length()) + BATCHES_TRACKED;
                out.put(counter, TensorData.scalarI64(counter, updates));
            }
        }
        return out;
    }

    /**
     * Converts pytorch/examples dcgan {@code state_dict}s saved as safetensors ({@code save_file(netG.state_dict(),
     * f)}) into a gan4j checkpoint of a {@code dcgan64} model, whose options (nz, ngf, ndf, nc) are read from the
     * tensor shapes. The discriminator is optional (null). The result can be sampled, evaluated and exported, not
     * resumed (it has no optimizer or training state).
     */
    public static Checkpoint importPyTorchDcgan(Path generatorFile, Path discriminatorFileOrNull) throws IOException {
        Safetensors.Contents generator = Safetensors.read(generatorFile);
        Map<String, TensorData> g = fromPyTorch(generator, generatorFile);
        TensorData first = require(g, "0.weight", generatorFile, 4);
        TensorData last = require(g, "12.weight", generatorFile, 4);
        int nz = (int) first.shape()[0];
        int ngf = (int) last.shape()[0];
        int nc = (int) last.shape()[1];
        Map<String, TensorData> d = Map.of();
        int ndf = 64;
        if (discriminatorFileOrNull != null) {
            d = fromPyTorch(Safetensors.read(discriminatorFileOrNull), discriminatorFileOrNull);
            ndf = (int) require(d, "0.weight", discriminatorFileOrNull, 4).shape()[0];
        }
        ModelConfig model;
        try {
            model = ModelConfig.dcgan64(nz, ngf, ndf, nc);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(generatorFile, null, "not a pytorch/examples DCGAN: " + e.getMessage());
        }
        // Check every shape now, before anything is allocated, so a mismatch is reported against the PyTorch file.
        Checkpoint.checkFits(model.generator(), g, IGNORED_STATE, generatorFile, "generator");
        if (!d.isEmpty()) {
            Checkpoint.checkFits(model.discriminator(), d, IGNORED_STATE, discriminatorFileOrNull, "discriminator");
        }
        Map<String, String> info = new LinkedHashMap<>();
        info.put("model", toJson(ConfigJson.model(model)));
        ObjectNode training = JSON.createObjectNode();
        training.put("imported", true);
        training.put("generator_file", generatorFile.toString());
        if (discriminatorFileOrNull != null) {
            training.put("discriminator_file", discriminatorFileOrNull.toString());
        }
        info.put("training", toJson(training));
        long tracked = batchesTracked(generator);
        info.put("progress", toJson(JSON.valueToTree(progressMap(new Progress(tracked, tracked, 0, 0, 0, 0, 0, 0)))));
        return Checkpoint.of(Version.VERSION, info, g, d, Map.of());
    }

    private static long batchesTracked(Safetensors.Contents c) {
        for (TensorData t : c.tensors().values()) {
            if (t.name().endsWith(BATCHES_TRACKED) && t.longs() != null && t.longs().length == 1) {
                return Math.max(0, t.longs()[0]);
            }
        }
        return 0;
    }

    private static Map<String, TensorData> fromPyTorch(Safetensors.Contents c, Path file) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (TensorData t : c.tensors().values()) {
            if (!t.name().startsWith(PYTORCH_PREFIX)) {
                problems.add("'" + t.name() + "' does not start with '" + PYTORCH_PREFIX + "'");
                continue;
            }
            if (t.name().endsWith("." + BATCHES_TRACKED)) {
                continue;
            }
            if (!t.dtype().isFloating()) {
                problems.add("'" + t.name() + "' has dtype " + t.dtype() + ", expected a floating type");
                continue;
            }
            String local = t.name().substring(PYTORCH_PREFIX.length());
            out.put(local, new TensorData(local, TensorDtype.F32, t.shape(), t.floats(), null));
        }
        if (!problems.isEmpty()) {
            throw new CheckpointFormatException(file, null, "not a pytorch/examples DCGAN state_dict: "
                    + Checkpoint.listed(problems) + "; save it with save_file(netG.state_dict(), path)");
        }
        return out;
    }

    private static TensorData require(Map<String, TensorData> m, String name, Path file, int rank) {
        TensorData t = m.get(name);
        if (t == null || t.shape().length != rank) {
            throw new CheckpointFormatException(file, PYTORCH_PREFIX + name, (t == null ? "missing"
                    : "has rank " + t.shape().length) + "; a pytorch/examples DCGAN has a rank-" + rank
                    + " tensor there");
        }
        return t;
    }

    // ------------------------------------------------------------------ JSON

    private static Map<String, Object> progressMap(Progress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", p.step());
        m.put("generator_steps", p.generatorSteps());
        m.put("epoch", p.epoch());
        m.put("batch_in_epoch", p.batchInEpoch());
        m.put("trainer_random", p.trainerRandom());
        m.put("generator_random", p.generatorRandom());
        m.put("discriminator_random", p.discriminatorRandom());
        m.put("elapsed_seconds", p.elapsedSeconds());
        return m;
    }

    static String toJson(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    static ObjectMapper mapper() {
        return JSON;
    }

    private static JsonNode parse(Checkpoint c, String key) {
        String s = c.info(key);
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(c.file(), null, "metadata '" + key + "' is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new CheckpointFormatException(c.file(), null, "metadata '" + key + "' must be a JSON object");
        }
        return n;
    }

    private static String text(Checkpoint c, JsonNode n, String field) {
        return ConfigJson.text(c.file(), n, field);
    }
}
