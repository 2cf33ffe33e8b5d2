package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /** Ten DCGAN28 steps replayed from one captured step give the metrics of ten eager steps. */
    @Test
    void graphReplayedTrainingMatchesEagerTraining() {
        int steps = 10;
        try (CudaBackend b = CudaBackend.create(0, false)) {
            List<StepMetrics> eager;
            float[] eagerParams;
            try (TrainingRun r = new TrainingRun(b)) {
                eager = r.run(steps);
                eagerParams = r.generator.parameters().toFloatArray();
            }
            try (TrainingRun r = new TrainingRun(b)) {
                assertTrue(r.trainer.useCudaGraph(true), "CUDA with one D step per G step uses a graph");
                List<StepMetrics> graphed = r.run(steps);
                assertEquals(steps, r.trainer.stepCount());
                assertEquals((float) steps, r.trainer.optimizerState().get("g.step")[0], "G's Adam stepped 10 times");
                // Same backend, same cuDNN algorithms: replay differs from eager at most as two eager runs do
                // (non-deterministic cuDNN algorithms), which the CPU-vs-CUDA bound covers with room to spare; a
                // frozen random counter or a stale buffer gives O(0.1) differences.
                String report = CudaTrainingParityTest.compare(eager, graphed);
                if (!report.isEmpty()) {
                    fail("graph replay left the eager trajectory:\n" + report);
                }
                float[] params = r.generator.parameters().toFloatArray();
                double maxDiff = 0;
                for (int i = 0; i < params.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(params[i] - eagerParams[i]));
                }
                // parameters moved ~10 * lr = 2e-3 in 10 steps; replay and eager agree far closer than one step
                assertTrue(maxDiff < 2e-4, "G's parameters after 10 steps differ by " + maxDiff);
            }
        }
    }
}
