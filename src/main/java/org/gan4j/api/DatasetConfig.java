package org.gan4j.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

import org.gan4j.data.Dataset;
import org.gan4j.data.DatasetException;
import org.gan4j.data.IdxDataset;
import org.gan4j.data.ImageFolderDataset;
import org.gan4j.data.Mixture2d;
import org.gan4j.data.SyntheticShapes;
import org.gan4j.tensor.Shape;

/**
 * Which data a run trains on; saved in checkpoints (inside the training configuration) so a resumed run reloads the
 * same data. Immutable.
 *
 * <ul>
 * <li>{@link Kind#FASHION_MNIST}: the IDX files in {@code path} (default {@link IdxDataset#FASHION_MNIST_DIR}),
 * training split, {@code (1, 28, 28)}.</li>
 * <li>{@link Kind#IDX}: any MNIST-like folder of IDX files, training split.</li>
 * <li>{@link Kind#IMAGE_FOLDER}: every PNG/JPEG under {@code path}, resized and cropped to the model's size.</li>
 * <li>{@link Kind#RING} / {@link Kind#GRID}: {@code size} points of the 8-Gaussian ring / 25-Gaussian grid.</li>
 * <li>{@link Kind#SYNTHETIC}: {@code size} generated {@link SyntheticShapes} images at the model's size.</li>
 * </ul>
 *
 * @param kind what it is
 * @param path the folder for FASHION_MNIST, IDX and IMAGE_FOLDER; null otherwise
 * @param size number of samples for RING, GRID and SYNTHETIC; 0 otherwise
 */
public record DatasetConfig(Kind kind, Path path, int size) {
    /** The kinds of data. */
    public enum Kind { FASHION_MNIST, IDX, IMAGE_FOLDER, RING, GRID, SYNTHETIC }

    /** Samples in the generated data sets unless told otherwise. */
    public static final int DEFAULT_SIZE = 20_000;
    /** The most samples of a generated dataset (ring and grid: 80 MB of points; synthetic images: see
     * {@link SyntheticShapes#MAX_BYTES}). */
    public static final int MAX_GENERATED = 10_000_000;

    /** Validates the combination. */
    public DatasetConfig {
        if (kind == null) {
            throw new IllegalArgumentException("dataset kind must not be null");
        }
        boolean needsPath = kind == Kind.FASHION_MNIST || kind == Kind.IDX || kind == Kind.IMAGE_FOLDER;
        if (needsPath && path == null) {
            throw new IllegalArgumentException("dataset " + kind + " needs a folder");
        }
        if (!needsPath && size < 1) {
            throw new IllegalArgumentException("dataset " + kind + " needs a sample count >= 1, got " + size);
        }
        if (!needsPath && size > MAX_GENERATED) {
            throw new IllegalArgumentException("dataset " + kind + " of " + size + " samples is more than the "
                    + MAX_GENERATED + " gan4j generates; use a smaller --dataset-size");
        }
    }

    public static DatasetConfig fashionMnist() {
        return new DatasetConfig(Kind.FASHION_MNIST, IdxDataset.FASHION_MNIST_DIR, 0);
    }

    public static DatasetConfig ring(int n) {
        return new DatasetConfig(Kind.RING, null, n);
    }

    public static DatasetConfig grid(int n) {
        return new DatasetConfig(Kind.GRID, null, n);
    }

    public static DatasetConfig synthetic(int n) {
        return new DatasetConfig(Kind.SYNTHETIC, null, n);
    }

    /**
     * Parses the CLI's {@code --dataset}: {@code fashion-mnist}, {@code ring}, {@code grid}, {@code synthetic}, or a
     * folder: one holding {@code train-images-idx3-ubyte[.gz]} is read as IDX, any other as an image folder.
     * {@code size} is used by the generated kinds.
     */
    public static DatasetConfig parse(String value, int size) {
        String v = value.trim();
        if (v.isEmpty()) {
            // Path.of("") is the current folder: walking it for images could take minutes and gigabytes.
            throw new IllegalArgumentException("dataset is empty; give fashion-mnist, ring, grid, synthetic or a"
                    + " folder of IDX files or images");
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist", "fashion_mnist", "fashionmnist":
                return fashionMnist();
            case "ring":
                return ring(size);
            case "grid":
                return grid(size);
            case "synthetic":
                return synthetic(size);
            default:
                break;
        }
        Path p = Path.of(v);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("dataset '" + value + "' is neither fashion-mnist, ring, grid,"
                    + " synthetic nor an existing folder; give one of those or a folder of IDX files or images");
        }
        return new DatasetConfig(hasIdx(p) ? Kind.IDX : Kind.IMAGE_FOLDER, p, 0);
    }

    private static boolean hasIdx(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(f -> f.getFileName().toString().matches("train-images[-.]idx3-ubyte(\\.gz)?"));
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list the folder: " + e.getMessage());
        }
    }

    /** Whether the samples are 2-D points (else images). */
    public boolean isPoints() {
        return kind == Kind.RING || kind == Kind.GRID;
    }

    /**
     * Loads the data for {@code model}, checking that its samples have the model's sample shape.
     *
     * @param seed for the generated kinds
     * @throws DatasetException         when files are missing or malformed
     * @throws IllegalArgumentException when the data does not fit the model (the message says which to change)
     */
    public Dataset load(ModelConfig model, long seed) {
        Shape want = model.sampleShape();
        if (isPoints() != !model.isImage()) {
            throw new IllegalArgumentException("dataset " + describe() + " gives " + (isPoints() ? "2-D points"
                    : "images") + " but model " + model.name() + " needs " + (model.isImage() ? "images"
                    : "2-D points") + "; use " + (model.isImage() ? "--model mlp2d" : "--dataset ring or grid")
                    + " or another dataset");
        }
        Dataset d = switch (kind) {
            case FASHION_MNIST -> IdxDataset.fashionMnist(path, true);
            case IDX -> IdxDataset.fromDirectory(path, true);
            case IMAGE_FOLDER -> ImageFolderDataset.load(path, want.dim(1), want.dim(0));
            case RING -> Mixture2d.ring8(size, seed);
            case GRID -> Mixture2d.grid25(size, seed);
            case SYNTHETIC -> SyntheticShapes.generate(size, want.dim(1), want.dim(0), seed);
        };
        if (!d.sampleShape().equals(want)) {
            throw new IllegalArgumentException(d.description() + " has samples " + d.sampleShape() + " but model "
                    + model.name() + " needs " + want + (want.dim(-1) == 64 && d.sampleShape().dim(-1) == 28
                    ? "; use --model dcgan28 for 28x28 data" : want.dim(-1) == 28
                    ? "; use --model dcgan64 for larger images" : ""));
        }
        return d;
    }

    /**
     * The number of classes the data's labels name, for {@code train --conditional}, read without loading the images:
     * Fashion-MNIST and IDX folders from the training label file ({@code train-labels-idx1-ubyte[.gz]}: the
     * largest label + 1), image folders from their sub-folders (one per class), synthetic shapes 3, ring 8, grid 25.
     *
     * @throws DatasetException when the data has no labels (the message says how to give them)
     */
    public int classCount() {
        return switch (kind) {
            case FASHION_MNIST, IDX -> IdxDataset.trainingLabelClasses(path);
            case IMAGE_FOLDER -> ImageFolderDataset.classNames(path).size();
            case RING -> 8;
            case GRID -> 25;
            case SYNTHETIC -> SyntheticShapes.NUM_CLASSES;
        };
    }

    /**
     * Checks that {@code data} can train a class-conditional model of {@code classes} classes: it has labels, of that
     * many classes (at least 2), and every class has at least one sample.
     *
     * @throws DatasetException naming the problem and the fix
     */
    public static void requireClassLabels(Dataset data, int classes) {
        if (!data.hasLabels()) {
            throw new DatasetException(data.description() + ": a class-conditional model needs class labels and"
                    + " this data has none; put train-labels-idx1-ubyte(.gz) beside IDX images, or each class's"
                    + " images in its own sub-folder of an image folder");
        }
        if (data.numClasses() < 2) {
            throw new DatasetException(data.description() + ": the labels name a single class, and a"
                    + " class-conditional model needs at least 2 (one label value, or one sub-folder of images, per"
                    + " class); drop --conditional to train on this data");
        }
        if (data.numClasses() != classes) {
            throw new DatasetException(data.description() + ": the labels name " + data.numClasses() + " classes"
                    + " but the model has " + classes + "; train a new model on this data or use the data it was"
                    + " trained on");
        }
        int[] count = new int[classes];
        for (int i = 0; i < data.size(); i++) {
            count[data.label(i)]++;
        }
        for (int k = 0; k < classes; k++) {
            if (count[k] == 0) {
                throw new DatasetException(data.description() + ": class " + k + " has no samples (labels must"
                        + " number the classes 0 to " + (classes - 1) + " without gaps); renumber the labels");
            }
        }
    }

    /** For logs, e.g. {@code ring (20000 points)} or the folder. */
    public String describe() {
        return switch (kind) {
            case FASHION_MNIST -> "fashion-mnist (" + path + ")";
            case IDX -> "IDX folder " + path;
            case IMAGE_FOLDER -> "image folder " + path;
            case RING -> "ring (" + size + " points)";
            case GRID -> "grid (" + size + " points)";
            case SYNTHETIC -> "synthetic shapes (" + size + " images)";
        };
    }
}
