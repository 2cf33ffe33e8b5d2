package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;

import org.gan4j.data.DatasetException;
import org.gan4j.data.SyntheticShapes;
import org.gan4j.io.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A class-conditional dcgan28 trained for a few steps on the labelled synthetic shapes, then sampled by class. */
class ConditionalGanTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = tmp.resolve("conditional");
        ModelConfig model = new ModelConfig(ModelConfig.of("dcgan28").architecture(),
                ModelConfig.of("dcgan28").options().withClasses(SyntheticShapes.NUM_CLASSES));
        try (GanTraining t = GanTraining.create(Runs.shapes(run, 3).model(model).dataset(DatasetConfig.synthetic(2000))
                .build())) {
            t.run(new GanTraining.Listener() { });
        }
    }

    @Test
    void theCheckpointRecordsTheClasses() throws Exception {
        assertEquals(3, Checkpoints.modelConfig(Checkpoint.readLatest(run)).classes());
        try (GanSampler s = GanSampler.load(run, 1)) {
            assertEquals(3, s.classes());
        }
    }

    @Test
    void samplingCyclesTheClassesUnlessOneIsChosen() throws Exception {
        try (GanSampler s = GanSampler.load(run, 1)) {
            int per = 28 * 28;
            float[] cycled = s.sample(6, 9);
            float[][] byClass = new float[3][];
            for (int k = 0; k < 3; k++) {
                byClass[k] = s.sample(6, 9, k);
                assertArrayEquals(byClass[k], s.sample(6, 9, k), 0f, "same class and seed, same images");
            }
            assertFalse(Arrays.equals(byClass[0], byClass[1]), "the class changes the images");
            // Eval-mode batch norm: each sample depends on its own noise and class only, so sample i of the cycled
            // draw is sample i of the draw of class i % 3, bit for bit.
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(Arrays.copyOfRange(byClass[i % 3], i * per, (i + 1) * per),
                        Arrays.copyOfRange(cycled, i * per, (i + 1) * per), 0f, "sample " + i);
            }
            assertEquals("class 3 is outside [0, 3): this generator knows 3 classes", assertThrows(
                    IllegalArgumentException.class, () -> s.sample(2, 1, 3)).getMessage());
        }
    }

    @Test
    void anUnconditionalGeneratorTakesNoClass() throws Exception {
        Path plain = tmp.resolve("plain");
        try (GanTraining t = GanTraining.create(Runs.shapes(plain, 1).build())) {
            t.run(new GanTraining.Listener() { });
        }
        try (GanSampler s = GanSampler.load(plain, 1)) {
            assertEquals(0, s.classes());
            assertEquals("this generator is not class-conditional (trained without --conditional): it cannot draw"
                    + " a chosen class", assertThrows(IllegalArgumentException.class, () -> s.sample(2, 1, 0))
                    .getMessage());
        }
    }

    @Test
    void aConditionalModelNeedsLabelledData() {
        ModelConfig model = new ModelConfig(ModelConfig.of("dcgan28").architecture(),
                ModelConfig.of("dcgan28").options().withClasses(5));
        DatasetException e = assertThrows(DatasetException.class, () -> {
            try (GanTraining t = GanTraining.create(Runs.shapes(tmp.resolve("five"), 1).model(model).build())) {
                t.run(new GanTraining.Listener() { });
            }
        });
        assertEquals("synthetic shapes (seed 5): 96 x (1, 28, 28), 3 classes: the labels name 3 classes but the model"
                + " has 5; train a new model on this data or use the data it was trained on", e.getMessage());
    }

    @Test
    void evalReportsAgreementPerRequestedClass() throws Exception {
        Evaluation.Result r = Evaluation.evaluate(run, null, 30, 0, tmp.resolve("cache"));
        com.fasterxml.jackson.databind.JsonNode a = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.json()).path("class_agreement");
        // 30 samples, classes cycled: 10 requested of each of the 3 shapes
        assertEquals("[10,10,10]", a.path("requested").toString());
        assertEquals(3, a.path("per_class").size());
        double overall = a.path("overall").asDouble(-1);
        assertEquals(true, overall >= 0 && overall <= 1, "overall agreement " + overall);
        // the classifier must reach 90% on the real test shapes before it scores anything
        assertEquals(true, a.path("real_test_overall").asDouble() >= 0.9, a.toString());
        assertEquals(true, r.summary().contains("class agreement "), r.summary());
    }
}
