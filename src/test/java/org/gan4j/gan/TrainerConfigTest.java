package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {
    @Test
    void defaultsArePytorchExamplesDcgan() {
        TrainerConfig c = TrainerConfig.builder().build();
        assertEquals(64, c.batchSize());
        assertEquals(2e-4f, c.lrD());
        assertEquals(2e-4f, c.lrG());
        assertEquals(0.5f, c.beta1());
        assertEquals(0.999f, c.beta2());
        assertEquals(1, c.dStepsPerGStep());
        assertEquals(GanLoss.NON_SATURATING, c.loss());
        assertEquals(Labels.HARD, c.labels());
        assertEquals(1, c.metricsEvery());
        assertEquals(0.01f, c.collapseLossD());
        assertEquals(200, c.collapseReadSteps());
        assertEquals(c, c.toBuilder().build());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("batchSize", "1", b -> b.batchSize(1)),
                bad("batchSize", "0", b -> b.batchSize(0)),
                bad("lrD", "NaN", b -> b.lrD(Float.NaN)),
                bad("lrG", "0.0", b -> b.lrG(0f)),
                bad("lrD", "-0.001", b -> b.lrD(-1e-3f)),
                bad("lrG", "Infinity", b -> b.lrG(Float.POSITIVE_INFINITY)),
                bad("beta1", "1.0", b -> b.betas(1f, 0.999f)),
                bad("beta2", "-0.5", b -> b.betas(0.5f, -0.5f)),
                bad("beta1", "NaN", b -> b.betas(Float.NaN, 0.999f)),
                bad("dStepsPerGStep", "0", b -> b.dStepsPerGStep(0)),
                bad("loss", "null", b -> b.loss(null)),
                bad("labels", "null", b -> b.labels(null)),
                bad("labels", "1.05", b -> b.labels(new Labels(1f, 0f, 0.05f, 0f))),
                bad("labels", "-0.1", b -> b.labels(new Labels(0.9f, 0f, 0.1f, 0f))),
                bad("metricsEvery", "0", b -> b.metricsEvery(0)),
                bad("collapseLossD", "NaN", b -> b.collapseWarning(Float.NaN, 10)),
                bad("collapseReadSteps", "0", b -> b.collapseWarning(0.01f, 0)));
    }

    private static Arguments bad(String field, String value, UnaryOperator<TrainerConfig.Builder> change) {
        return Arguments.of(field, value, change);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badValues")
    void badValueIsRejectedWithItsNameAndValue(String field, String value, UnaryOperator<TrainerConfig.Builder> c) {
        TrainerConfig.Builder b = c.apply(TrainerConfig.builder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains(field), "'" + e.getMessage() + "' should name " + field);
        assertTrue(e.getMessage().contains(value), "'" + e.getMessage() + "' should give the value " + value);
    }

    @Test
    void labelsValidateTheirFields() {
        assertMessage(() -> new Labels(Float.NaN, 0f, 0f, 0f), "labels.real", "NaN");
        assertMessage(() -> new Labels(1f, Float.POSITIVE_INFINITY, 0f, 0f), "labels.fake", "Infinity");
        assertMessage(() -> new Labels(1f, 0f, -0.1f, 0f), "labels.noise", "-0.1");
        assertMessage(() -> new Labels(1f, 0f, 0f, 1.5f), "labels.flipProbability", "1.5");
    }

    @Test
    void leastSquaresAcceptsTargetsOutsideZeroToOne() {
        // LSGAN's a = -1, b = 1 coding is legitimate for squared error, not for cross-entropy
        Labels pm = new Labels(1f, -1f, 0f, 0f);
        assertEquals(pm, TrainerConfig.builder().loss(GanLoss.LEAST_SQUARES).labels(pm).build().labels());
        assertThrows(IllegalArgumentException.class, () -> TrainerConfig.builder().labels(pm).build());
        assertTrue(Labels.HARD.isConstant());
        assertTrue(!new Labels(1f, 0f, 0f, 0.05f).isConstant());
    }

    private static void assertMessage(Runnable r, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain " + p);
        }
    }
}
