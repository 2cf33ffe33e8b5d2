package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gan4j.backend.RandomState;
import org.gan4j.gan.StepMetrics;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CUDA-graph capture and replay (DESIGN.md consequence 3): ops, the capture guards, and a whole GAN step. GPU only. */
class CudaGraphTest {

    @BeforeEach
    void gpu() {
        GpuTests.assumeGpu();
    }

    /** Random draws and Adam steps replayed from a graph give the bits eager calls give: the device state advances. */
    @Test
    void replayAdvancesDeviceStateLikeEagerCalls() {
        int n = 100_003; // odd: vector and tail paths
        try (CudaBackend b = CudaBackend.create(0, false); RandomState re = b.newRandom(7);
                RandomState rg = b.newRandom(7); Tensor ge = b.allocate(n); Tensor pe = b.allocate(n);
                Tensor me = b.allocate(n); Tensor ve = b.allocate(n); Tensor se = b.allocate(1);
                Tensor gg = b.allocate(n); Tensor pg = b.allocate(n); Tensor mg = b.allocate(n);
                Tensor vg = b.allocate(n); Tensor sg = b.allocate(1)) {
            Runnable eager = () -> {
                b.randomNormal(re, 0f, 1f, ge);
                b.adamStep(ge, 1e-3f, 0.5f, 0.999f, 1e-8f, 0f, pe, me, ve, se);
            };
            for (int i = 0; i < 5; i++) {
                eager.run();
            }
            try (CudaGraph graph = b.captureGraph(() -> {
                b.randomNormal(rg, 0f, 1f, gg);
                b.adamStep(gg, 1e-3f, 0.5f, 0.999f, 1e-8f, 0f, pg, mg, vg, sg);
            })) {
                assertTrue(graph.nodes() >= 3, "normal, counter advance, adam: " + graph.nodes() + " nodes");
                assertEquals(0L, rg.counter(), "capturing runs nothing");
                for (int i = 0; i < 5; i++) {
                    graph.replay();
                }
            }
            assertEquals(re.counter(), rg.counter(), "each replay advanced the counter");
            assertEquals(5f, b.readScalar(sg), "each replay advanced Adam's step");
            assertArrayEquals(ge.toFloatArray(), gg.toFloatArray(), "the last draw is the fifth");
            assertArrayEquals(pe.toFloatArray(), pg.toFloatArray(), "same kernels, same order, same bits");
        }
    }

    /** What cannot be captured is refused with a message naming it, and the backend works afterwards. */
    @Test
    void uncapturableWorkIsRefusedAndTheBackendRecovers() {
        try (CudaBackend b = CudaBackend.create(); Tensor t = b.allocate(8)) {
            IllegalStateException alloc = assertThrows(IllegalStateException.class,
                    () -> b.captureGraph(() -> b.allocate(4)));
            assertTrue(alloc.getMessage().startsWith("allocating a tensor is not allowed while a CUDA graph"),
                    alloc.getMessage());
            IllegalStateException copy = assertThrows(IllegalStateException.class,
                    () -> b.captureGraph(() -> b.copyFromHost(new float[8], t)));
            assertTrue(copy.getMessage().startsWith("copyFromHost"), copy.getMessage());
            IllegalStateException read = assertThrows(IllegalStateException.class,
                    () -> b.captureGraph(() -> b.readScalar(t)));
            assertTrue(read.getMessage().startsWith("copyToHost"), read.getMessage());
            assertTrue(!b.isCapturing());
            b.fill(2f, t);
            assertEquals(2f, b.readScalar(t));
            try (CudaGraph g = b.captureGraph(() -> b.scale(3f, t))) {
                g.replay();
                g.replay();
            }
            assertEquals(18f, b.readScalar(t));
        }
    }

    /**
     * Ten DCGAN28 steps replayed from one captured step give, bit for bit, the metrics and parameters of ten eager
     * steps, on a backend with TF32 off and deterministic cuDNN algorithms: replay runs the same kernels on the same
     * addresses with the same arguments, so anything but identical bits is a defect of capture (a value baked into
     * the graph at capture time: a host scalar, a random counter, Adam's step count, a stale buffer).
     *
     * <p>Why deterministic algorithms: with cuDNN's fastest algorithms (the default), backward-filter and
     * backward-data kernels may add partial sums with atomics in any order, so even two eager runs differ in the
     * last bits; Adam then turns such differences in a near-zero gradient element into a different sign of
     * m / sqrt(v), i.e. a parameter difference of up to 2 lr per step (the 5.84e-4 seen on the H200 after 10 steps
     * at lr 2e-4). Bits are compared because nothing weaker tells a rounding-order difference from a small defect.
     */
    @Test
    void graphReplayedTrainingMatchesEagerTrainingBitForBit() {
        int steps = 10;
        try (CudaBackend b = CudaBackend.create(0, false, true)) {
            List<StepMetrics> eager;
            float[] eagerG;
            float[] eagerD;
            try (TrainingRun r = new TrainingRun(b)) {
                eager = r.run(steps);
                eagerG = r.generator.parameters().toFloatArray();
                eagerD = r.discriminator.parameters().toFloatArray();
            }
            try (TrainingRun r = new TrainingRun(b)) {
                assertTrue(r.trainer.useCudaGraph(true), "CUDA with one D step per G step uses a graph");
                List<StepMetrics> graphed = r.run(steps);
                assertEquals(steps, r.trainer.stepCount());
                assertEquals((float) steps, r.trainer.optimizerState().get("g.step")[0], "G's Adam stepped 10 times");
                for (int s = 0; s < steps; s++) {
                    assertArrayEquals(TrainingRun.values(eager.get(s)), TrainingRun.values(graphed.get(s)),
                            "metrics of step " + (s + 1) + " (" + String.join(", ", TrainingRun.NAMES) + ")");
                }
                assertArrayEquals(eagerG, r.generator.parameters().toFloatArray(), "G's parameters after 10 steps");
                assertArrayEquals(eagerD, r.discriminator.parameters().toFloatArray(), "D's parameters");
            }
        }
    }

    /**
     * A learning rate changed before every step (a linear schedule) is read by Adam from a device scalar, so the step
     * is captured once and replayed with each new rate, and the run matches the eager one bit for bit (as above).
     */
    @Test
    void aScheduleChangingTheRateEveryStepIsCapturedOnce() {
        int steps = 10;
        try (CudaBackend b = CudaBackend.create(0, false, true)) {
            List<StepMetrics> eager;
            float[] eagerG;
            try (TrainingRun r = new TrainingRun(b)) {
                eager = r.run(steps, true);
                eagerG = r.generator.parameters().toFloatArray();
            }
            try (TrainingRun r = new TrainingRun(b)) {
                assertTrue(r.trainer.useCudaGraph(true));
                List<StepMetrics> graphed = r.run(steps, true);
                assertEquals(1, r.trainer.graphCaptures(), "one capture for ten rates");
                for (int s = 0; s < steps; s++) {
                    assertArrayEquals(TrainingRun.values(eager.get(s)), TrainingRun.values(graphed.get(s)),
                            "metrics of step " + (s + 1));
                }
                assertArrayEquals(eagerG, r.generator.parameters().toFloatArray(), "G's parameters after 10 steps");
            }
        }
    }

    /**
     * Metrics read without stalling (GanTrainer.deferMetrics: pinned readback slots, an event each) while replaying
     * a graph are the eager run's, one read late, bit for bit (deterministic algorithms, TF32 off).
     */
    @Test
    void deferredMetricsOfGraphReplayAreTheEagerOnes() {
        int steps = 8;
        try (CudaBackend b = CudaBackend.create(0, false, true)) {
            List<StepMetrics> eager;
            try (TrainingRun r = new TrainingRun(b)) {
                eager = r.run(steps);
            }
            try (TrainingRun r = new TrainingRun(b)) {
                r.trainer.useCudaGraph(true);
                r.trainer.deferMetrics(true);
                List<StepMetrics> late = new ArrayList<>(r.run(steps));
                assertNull(late.remove(0), "the first step has nothing to deliver yet");
                late.add(r.trainer.flushMetrics());
                for (int s = 0; s < steps; s++) {
                    assertArrayEquals(TrainingRun.values(eager.get(s)), TrainingRun.values(late.get(s)),
                            "step " + (s + 1));
                    assertEquals(s + 1, late.get(s).step());
                }
            }
        }
    }

    /** Deterministic algorithms make two eager runs agree bit for bit: what the graph test above relies on. */
    @Test
    void deterministicAlgorithmsRepeatEagerRunsBitForBit() {
        try (CudaBackend b = CudaBackend.create(0, false, true)) {
            assertTrue(b.deterministic() && b.deviceDescription().contains("deterministic"), b.deviceDescription());
            float[][] params = new float[2][];
            for (int run = 0; run < 2; run++) {
                try (TrainingRun r = new TrainingRun(b)) {
                    r.run(3);
                    params[run] = r.generator.parameters().toFloatArray();
                }
            }
            assertArrayEquals(params[0], params[1]);
        }
    }
}
