package org.gan4j.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gan4j.nn.Layer;
import org.gan4j.nn.Model;
import org.gan4j.nn.Parameter;
import org.gan4j.nn.StateBuffer;
import org.gan4j.tensor.Shape;

/**
 * A gan4j training checkpoint: one safetensors file holding the generator's and the discriminator's parameters and
 * buffers ({@code generator.<name>}, {@code discriminator.<name>}, names as {@link Model#stateDict()}), the optimizer
 * state ({@code optimizer.<name>}: moments and step counters) and, in the {@code __metadata__} block, string entries:
 *
 * <pre>
 * format          "gan4j-checkpoint"
 * format_version  "1"
 * gan4j_version   e.g. "0.1.0"
 * model           JSON: architecture name and its options
 * training        JSON: the full training configuration (dataset, loss, hyper-parameters, seed, ...)
 * progress        JSON: step, epoch, batch index in the epoch, random-stream counters
 * </pre>
 *
 * The JSON entries are written and read by {@code org.gan4j.api}; this class only moves them. Files are written
 * atomically ({@link Safetensors#write}), and reading validates the header ({@link Safetensors#read}), the format
 * marker and the format version; {@link #loadInto} checks that every tensor a model expects is present with its
 * shape. Every problem is a {@link CheckpointFormatException} naming the file and the fix. Immutable.
 *
 * <p>PyTorch equivalent: {@code torch.save({'netG': netG.state_dict(), 'netD': ..., 'optG': ...})}, but in
 * safetensors so it loads without unpickling.
 */
public final class Checkpoint {
    /** Value of the {@code format} metadata entry. */
    public static final String FORMAT = "gan4j-checkpoint";
    /** The format version this code writes; it reads versions 1 to this. */
    public static final int FORMAT_VERSION = 1;
    /** Prefixes of the tensor groups. */
    public static final String GENERATOR = "generator.";
    public static final String DISCRIMINATOR = "discriminator.";
    public static final String OPTIMIZER = "optimizer.";
    /**
     * The averaged generator (exponential moving average of its weights, with its buffers), named as the generator;
     * present only when training kept an average. Samplers prefer it to {@link #GENERATOR}.
     */
    public static final String AVERAGED_GENERATOR = "ema.";

    /** The most values (parameters and buffers) of one network that a checkpoint may describe: 2^28 (1 GiB of F32). */
    public static final long MAX_PARAMETERS = 1L << 28;

    private static final Pattern STEP_FILE = Pattern.compile("step_(\\d+)\\.safetensors");

    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, TensorData> tensors;

    private Checkpoint(Path file, Map<String, String> metadata, Map<String, TensorData> tensors) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * A checkpoint from its parts. {@code info} holds the {@code model}, {@code training} and {@code progress}
     * entries (and any other); format, format version and {@code gan4jVersion} are added here. Tensor names in the
     * three maps are given without their group prefix.
     */
    public static Checkpoint of(String gan4jVersion, Map<String, String> info, Map<String, TensorData> generator,
            Map<String, TensorData> discriminator, Map<String, TensorData> optimizer) {
        return of(gan4jVersion, info, generator, discriminator, optimizer, Map.of());
    }

    /** As {@link #of(String, Map, Map, Map, Map)} with an averaged generator ({@link #AVERAGED_GENERATOR}). */
    public static Checkpoint of(String gan4jVersion, Map<String, String> info, Map<String, TensorData> generator,
            Map<String, TensorData> discriminator, Map<String, TensorData> optimizer,
            Map<String, TensorData> averagedGenerator) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", Integer.toString(FORMAT_VERSION));
        meta.put("gan4j_version", gan4jVersion);
        meta.putAll(info);
        Map<String, TensorData> all = new LinkedHashMap<>();
        addGroup(all, GENERATOR, generator);
        addGroup(all, DISCRIMINATOR, discriminator);
        addGroup(all, OPTIMIZER, optimizer);
        addGroup(all, AVERAGED_GENERATOR, averagedGenerator);
        return new Checkpoint(null, meta, all);
    }

    private static void addGroup(Map<String, TensorData> all, String prefix, Map<String, TensorData> group) {
        for (TensorData t : group.values()) {
            TensorData named = new TensorData(prefix + t.name(), t.dtype(), t.shape(), t.floats(), t.longs());
            if (all.put(named.name(), named) != null) {
                throw new IllegalArgumentException("checkpoint tensor '" + named.name() + "' given twice");
            }
        }
    }

    /** Writes the checkpoint to {@code target} atomically (temporary file, then rename). */
    public void write(Path target) throws IOException {
        Safetensors.write(target, tensors, metadata);
    }

    /**
     * Reads and validates a checkpoint: valid safetensors, the gan4j format marker, a supported format version, and
     * the {@code model}, {@code training} and {@code progress} entries present.
     *
     * @throws CheckpointFormatException naming the file and the problem
     * @throws IOException               if the file cannot be read (a missing file is a {@code NoSuchFileException})
     */
    public static Checkpoint read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null,
                    "checkpoint not found; give a .safetensors file or a run folder with checkpoints/");
        }
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        String format = meta.get("format");
        if (!FORMAT.equals(format)) {
            throw new CheckpointFormatException(file, null, "not a gan4j checkpoint (metadata 'format' is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT
                    + "'); for a PyTorch state_dict use 'gan4j export'/'Checkpoints.importPyTorchDcgan'");
        }
        String version = meta.get("format_version");
        int v;
        try {
            v = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw new CheckpointFormatException(file, null, "metadata 'format_version' is '" + version
                    + "', expected an integer");
        }
        if (v < 1 || v > FORMAT_VERSION) {
            throw new CheckpointFormatException(file, null, "format version " + v + " is not supported (this gan4j"
                    + " reads 1 to " + FORMAT_VERSION + "); use the gan4j version that wrote it ("
                    + meta.getOrDefault("gan4j_version", "unknown") + ")");
        }
        for (String key : List.of("model", "training", "progress")) {
            if (!meta.containsKey(key)) {
                throw new CheckpointFormatException(file, null, "metadata entry '" + key + "' is missing");
            }
        }
        for (String name : c.tensors().keySet()) {
            if (!name.startsWith(GENERATOR) && !name.startsWith(DISCRIMINATOR) && !name.startsWith(OPTIMIZER)
                    && !name.startsWith(AVERAGED_GENERATOR)) {
                throw new CheckpointFormatException(file, name, "unexpected tensor: names start with '" + GENERATOR
                        + "', '" + DISCRIMINATOR + "', '" + OPTIMIZER + "' or '" + AVERAGED_GENERATOR + "'");
            }
        }
        return new Checkpoint(file, meta, c.tensors());
    }

    /** The file it was read from, or null when built in memory. */
    public Path file() {
        return file;
    }

    /** Every metadata entry. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** A metadata entry; {@link CheckpointFormatException} when absent. */
    public String info(String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new CheckpointFormatException(file, null, "metadata entry '" + key + "' is missing");
        }
        return v;
    }

    /** All tensors, with their group prefixes. */
    public Map<String, TensorData> tensors() {
        return tensors;
    }

    /** The tensors of one group ({@link #GENERATOR}, ...), names without the prefix, in file order. */
    public Map<String, TensorData> group(String prefix) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (TensorData t : tensors.values()) {
            if (t.name().startsWith(prefix)) {
                String local = t.name().substring(prefix.length());
                out.put(local, new TensorData(local, t.dtype(), t.shape(), t.floats(), t.longs()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ models

    /** A model's parameters and buffers as F32 tensors named as {@link Model#stateDict()}. */
    public static Map<String, TensorData> fromModel(Model model) {
        return fromStateDict(model.stateDict(), model.stateShapes());
    }

    /** A state dict ({@link Model#stateDict()}'s form) as F32 tensors with the shapes of {@code shapes}. */
    public static Map<String, TensorData> fromStateDict(Map<String, float[]> dict, Map<String, Shape> shapes) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        dict.forEach((name, values) -> out.put(name, TensorData.f32(name, values, toLong(shapes.get(name).dims()))));
        return out;
    }

    /**
     * Loads {@code group} into {@code model} after checking it as {@link #checkFits} does.
     *
     * @param what for messages, e.g. {@code "generator"}
     * @throws CheckpointFormatException listing the problems (at most 5, then how many more)
     */
    public static void loadInto(Model model, Map<String, TensorData> group, List<String> ignored, Path file,
            String what) {
        Map<String, float[]> dict = check(model.stateShapes(), group, ignored, file, what);
        model.loadStateDict(dict, List.of());
    }

    /**
     * Checks, before any memory is allocated for it, that {@code group} fits the network {@code root} describes (a
     * fresh, unallocated layer tree): every parameter and buffer the network has is present with the same shape
     * (hence the same number of bytes the file really holds), a floating dtype and only finite values, no other
     * tensor is present except those in {@code ignored}, and the network has at most {@link #MAX_PARAMETERS}
     * values. So a checkpoint whose metadata declares a huge model costs nothing before it is refused.
     *
     * @param what for messages, e.g. {@code "generator"}
     * @throws CheckpointFormatException listing the problems (at most 5, then how many more)
     */
    public static void checkFits(Layer root, Map<String, TensorData> group, List<String> ignored, Path file,
            String what) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        collectShapes("", root, shapes);
        long count = stateValues(shapes);
        if (count > MAX_PARAMETERS) {
            throw new CheckpointFormatException(file, null, "the " + what + " it describes would have " + count
                    + " parameters and buffers, more than the " + MAX_PARAMETERS + " (2^28) gan4j loads; was the"
                    + " file edited or written by another program?");
        }
        check(shapes, group, ignored, file, what);
    }

    /**
     * The values (parameters and buffers) of the network {@code root} describes, counted without allocating it: at
     * most {@link #MAX_PARAMETERS} for its checkpoints to load.
     */
    public static long stateValues(Layer root) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        collectShapes("", root, shapes);
        return stateValues(shapes);
    }

    private static long stateValues(Map<String, Shape> shapes) {
        long count = 0;
        for (Shape shape : shapes.values()) {
            count += shape.size();
        }
        return count;
    }

    private static void collectShapes(String prefix, Layer layer, Map<String, Shape> out) {
        for (Parameter p : layer.localParameters()) {
            out.put(prefix + p.name(), p.shape());
        }
        for (StateBuffer b : layer.localBuffers()) {
            out.put(prefix + b.name(), b.shape());
        }
        for (Map.Entry<String, Layer> c : layer.children()) {
            collectShapes(prefix + c.getKey() + ".", c.getValue(), out);
        }
    }

    /** The state dict of {@code group} for {@code shapes}, or a {@link CheckpointFormatException} listing problems. */
    private static Map<String, float[]> check(Map<String, Shape> shapes, Map<String, TensorData> group,
            List<String> ignored, Path file, String what) {
        List<String> problems = new ArrayList<>();
        Map<String, float[]> dict = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            TensorData t = group.get(e.getKey());
            long[] expected = toLong(e.getValue().dims());
            if (t == null) {
                problems.add("missing '" + e.getKey() + "' " + Arrays.toString(expected));
            } else if (!Arrays.equals(t.shape(), expected)) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + ", the model expects "
                        + Arrays.toString(expected));
            } else if (!t.dtype().isFloating()) {
                problems.add("'" + e.getKey() + "' has dtype " + t.dtype() + ", expected a floating type");
            } else if (nonFinite(t.floats()) > 0) {
                problems.add("'" + e.getKey() + "' holds " + nonFinite(t.floats()) + " NaN or infinite values");
            } else {
                dict.put(e.getKey(), t.floats());
            }
        }
        for (String name : group.keySet()) {
            if (!shapes.containsKey(name) && !ignored.contains(name)) {
                problems.add("unexpected '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointFormatException(file, null, "the " + what + " does not fit the model its metadata"
                    + " describes: " + listed(problems) + "; was the file edited or written by another program?");
        }
        return dict;
    }

    private static int nonFinite(float[] values) {
        int n = 0;
        for (float v : values) {
            if (!Float.isFinite(v)) {
                n++;
            }
        }
        return n;
    }

    /** The first 5 problems joined by "; ", then how many more: a message stays short whatever the file holds. */
    public static String listed(List<String> problems) {
        int shown = Math.min(problems.size(), 5);
        return String.join("; ", problems.subList(0, shown))
                + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : "");
    }

    static long[] toLong(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    // ------------------------------------------------------------------ files of a run

    /** {@code dir/step_NNNNNNNN.safetensors}. */
    public static Path fileFor(Path dir, long step) {
        return dir.resolve(String.format("step_%08d.safetensors", step));
    }

    /** The step of a checkpoint file name, or -1 when the name is not {@code step_N.safetensors}. */
    public static long stepOf(Path file) {
        Matcher m = STEP_FILE.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The {@code step_N.safetensors} files of {@code dir}, oldest step first (empty when none or no folder). */
    public static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "step_*.safetensors")) {
            for (Path p : ds) {
                if (stepOf(p) >= 0 && Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        out.sort((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        return out;
    }

    /**
     * Deletes all but the newest {@code keep} checkpoint files of {@code dir}, and the temporary files of checkpoint
     * writes that never finished ({@code .step_N.safetensors.*.tmp}, left when a process was killed while writing:
     * {@link AtomicFiles} deletes its temporary file on every failure it survives).
     */
    public static void prune(Path dir, int keep) throws IOException {
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
        AtomicFiles.deleteTemporaryFiles(dir);
    }

    /**
     * The newest complete checkpoint for {@code fileOrFolder}: the file itself, or in a run folder (or its
     * {@code checkpoints/} folder) the highest-step file that reads and validates; an unreadable newer file is skipped
     * with its problem added to the message should none be usable.
     *
     * @throws java.nio.file.NoSuchFileException when there is no checkpoint there
     */
    public static Checkpoint readLatest(Path fileOrFolder) throws IOException {
        if (!Files.isDirectory(fileOrFolder)) {
            return read(fileOrFolder);
        }
        Path dir = Files.isDirectory(fileOrFolder.resolve("checkpoints")) ? fileOrFolder.resolve("checkpoints")
                : fileOrFolder;
        List<Path> files = list(dir);
        List<String> skipped = new ArrayList<>();
        for (int i = files.size() - 1; i >= 0; i--) {
            try {
                return read(files.get(i));
            } catch (CheckpointFormatException e) {
                skipped.add(e.getMessage());
            }
        }
        throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no usable checkpoint (step_N.safetensors)"
                + " in this folder" + (skipped.isEmpty() ? "" : "; skipped: " + String.join("; ", skipped)));
    }
}
