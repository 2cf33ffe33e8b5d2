package org.gan4j.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.gan4j.backend.Backend;
import org.gan4j.data.Dataset;
import org.gan4j.data.IdxDataset;
import org.gan4j.data.SyntheticShapes;
import org.gan4j.data.Mixture2d;
import org.gan4j.io.Checkpoint;
import org.gan4j.gan.GanTrainer;
import org.gan4j.metrics.ClassAgreement;
import org.gan4j.metrics.FeatureClassifier;
import org.gan4j.metrics.ImageQuality;
import org.gan4j.metrics.MixtureMetrics;
import org.gan4j.tensor.Shape;

/**
 * Scores a checkpoint's generator: for 2-D models {@link MixtureMetrics} (modes covered, high-quality share, reverse
 * KL) against the ring or grid it was trained on; for image models classifier-based image quality. Stateless; each
 * call uses its own {@link GanSampler}.
 */
public final class Evaluation {
    /** Default number of generated points scored. */
    public static final int DEFAULT_POINTS = 2500;
    /** Default number of generated images scored. */
    public static final int DEFAULT_IMAGES = 2000;

    private Evaluation() {
    }

    /**
     * The outcome of an evaluation.
     *
     * @param summary one or more lines for a terminal
     * @param json    the same as a JSON object
     */
    public record Result(String summary, String json) {
    }

    /**
     * Evaluates the generator of {@code checkpointOrRun}.
     *
     * @param dataset  reference data as {@code train --dataset} takes it, or null for the checkpoint's
     * @param n        samples to generate, or null for the default
     * @param seed     noise seed
     * @param cacheDir where a feature classifier is cached (image models)
     */
    public static Result evaluate(Path checkpointOrRun, String dataset, Integer n, long seed, Path cacheDir)
            throws IOException {
        return evaluate(checkpointOrRun, dataset, n, seed, cacheDir, line -> { });
    }

    /**
     * As {@link #evaluate(Path, String, Integer, long, Path)}, telling {@code progress} about the slow part, one line
     * at a time: training the feature classifier on first use for a dataset (minutes on a CPU; then cached), with
     * its step count about every 10%, and the accuracy it reached.
     */
    public static Result evaluate(Path checkpointOrRun, String dataset, Integer n, long seed, Path cacheDir,
            Consumer<String> progress) throws IOException {
        Checkpoint c = Checkpoints.read(checkpointOrRun);
        ModelConfig model = Checkpoints.modelConfig(c);
        DatasetConfig data = dataset != null ? DatasetConfig.parse(dataset, DatasetConfig.DEFAULT_SIZE)
                : Checkpoints.trainingConfig(c).dataset();
        ObjectNode json = Checkpoints.mapper().createObjectNode();
        json.put("checkpoint", String.valueOf(c.file()));
        json.put("step", Checkpoints.progress(c).step());
        json.put("model", model.name());
        json.put("dataset", data.describe());
        json.put("seed", seed);
        try (GanSampler sampler = GanSampler.of(c, 1)) {
            if (!model.isImage()) {
                int count = n != null ? n : DEFAULT_POINTS;
                Dataset d = data.load(model, seed);
                if (!(d instanceof Mixture2d mixture)) {
                    throw new IllegalArgumentException("2-D evaluation needs --dataset ring or grid, got "
                            + data.describe());
                }
                MixtureMetrics.Result r = MixtureMetrics.evaluate(sampler.sample(count, seed), mixture);
                json.put("points", r.numPoints());
                json.put("modes", r.numModes());
                json.put("modes_covered", r.modesCovered());
                json.put("high_quality_fraction", r.highQualityFraction());
                json.put("reverse_kl", r.reverseKl());
                return new Result("step " + Checkpoints.progress(c).step() + ": " + r, Checkpoints.toJson(json));
            }
            int count = n != null ? n : DEFAULT_IMAGES;
            Shape shape = model.sampleShape();
            Dataset train;
            Dataset test;
            FeatureClassifier.TrainOptions recipe = FeatureClassifier.TrainOptions.defaults();
            switch (data.kind()) {
                case FASHION_MNIST, IDX -> {
                    train = IdxDataset.fromDirectory(data.path(), true);
                    test = IdxDataset.fromDirectory(data.path(), false);
                }
                case SYNTHETIC -> {
                    train = SyntheticShapes.generate(data.size(), shape.dim(1), shape.dim(0), seed);
                    test = SyntheticShapes.generate(Math.max(200, data.size() / 5), shape.dim(1), shape.dim(0),
                            seed + 1);
                    // small generated sets: about 200 classifier steps, so the 90% accuracy floor is reached
                    recipe = new FeatureClassifier.TrainOptions(Math.max(2, 200 * 64 / data.size()), 64, 2e-3f);
                }
                default -> throw new IllegalArgumentException("image evaluation needs labelled data with a test"
                        + " split (fashion-mnist, an IDX folder with t10k files, or synthetic); "
                        + data.describe() + " has none; pass --dataset");
            }
            if (!train.sampleShape().equals(shape)) {
                throw new IllegalArgumentException(train.description() + " has samples " + train.sampleShape()
                        + " but the generator makes " + shape + "; pass --dataset with matching images");
            }
            float[] generated = sampler.sample(count, seed);
            try (Backend cpu = BackendChoice.cpu(0);
                    FeatureClassifier classifier = FeatureClassifier.loadOrTrain(cpu, train, test, cacheDir, 0,
                            tenths(progress), FeatureClassifier.FASHION_MNIST_MIN_ACCURACY, recipe)) {
                ImageQuality q = ImageQuality.evaluate(classifier, generated, count, test);
                ObjectNode quality = (ObjectNode) Checkpoints.mapper().readTree(q.toJson());
                json.set("image_quality", quality);
                String summary = "step " + Checkpoints.progress(c).step() + ":\n" + q.summary();
                if (model.classes() > 0) {
                    ClassAgreement a = agreement(classifier, generated, count, model.classes());
                    ObjectNode agreement = json.putObject("class_agreement");
                    agreement.put("overall", a.overall());
                    com.fasterxml.jackson.databind.node.ArrayNode perClass = agreement.putArray("per_class");
                    com.fasterxml.jackson.databind.node.ArrayNode requested = agreement.putArray("requested");
                    for (int k = 0; k < a.classes(); k++) {
                        perClass.add(a.requested()[k] == 0 ? null : a.agreement(k));
                        requested.add(a.requested()[k]);
                    }
                    ClassAgreement real = realAgreement(classifier, test);
                    agreement.put("real_test_overall", real.overall());
                    com.fasterxml.jackson.databind.node.ArrayNode realPerClass = agreement.putArray(
                            "real_test_per_class");
                    for (int k = 0; k < real.classes(); k++) {
                        realPerClass.add(real.requested()[k] == 0 ? null : real.agreement(k));
                    }
                    summary += "\n" + a.summary() + "\nreal test images (the classifier's own accuracy): "
                            + real.summary();
                }
                return new Result(summary, Checkpoints.toJson(json));
            }
        }
    }

    /**
     * Agreement of the classifier with the classes a conditional generator's {@code count} samples were drawn for
     * (cycled: sample i of class {@code i % classes}, as {@link GanSampler#sample(int, long)} draws them).
     */
    private static ClassAgreement agreement(FeatureClassifier classifier, float[] generated, int count,
            int classes) {
        if (classifier.numClasses() != classes) {
            throw new IllegalArgumentException("the generator was trained on " + classes + " classes but the"
                    + " reference data has " + classifier.numClasses() + "; evaluate it against its training data");
        }
        return ClassAgreement.of(GanTrainer.cycledLabels(count, classes), classifier.predict(generated, count),
                classes);
    }

    /** The classifier's agreement with the labels of the real test images: the ceiling for a generator's. */
    private static ClassAgreement realAgreement(FeatureClassifier classifier, Dataset test) {
        int n = test.size();
        float[] images = new float[n * test.sampleSize()];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            test.get(i, images, i * test.sampleSize());
            labels[i] = test.label(i);
        }
        return ClassAgreement.of(labels, classifier.predict(images, n), classifier.numClasses());
    }

    /** Passes messages without a step count on, and step updates when they cross another tenth of the total. */
    private static FeatureClassifier.Progress tenths(Consumer<String> progress) {
        long[] shown = {-1};
        return (done, total, message) -> {
            if (total <= 0) {
                progress.accept(message);
            } else if (done * 10 / total > shown[0]) {
                shown[0] = done * 10 / total;
                progress.accept(String.format("feature classifier step %d/%d (%d%%): %s", done, total,
                        done * 100 / total, message));
            }
        };
    }
}
