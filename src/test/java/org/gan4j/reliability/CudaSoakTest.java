package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.api.TrainingResult;
import org.gan4j.backend.cuda.CudaBackend;
import org.gan4j.backend.cuda.GpuTests;
import org.gan4j.gan.TrainerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SoakTest} on the GPU: a {@link GanTraining} of dcgan28 on synthetic shapes with the CUDA backend (batch 64,
 * 32 steps per epoch, so sample grids at every epoch end reshape the generator to 64 samples and back; checkpoints,
 * plots and metrics.csv on) samples, every {@code every} steps, the heap after a full GC, JavaCPP's allocated bytes
 * and the device memory in use ({@code cudaMemGetInfo}: total - free, through {@link CudaBackend#deviceMemoryUsed()}
 * of a second backend opened beside the run; it counts the whole device, the run's allocations included). Skips
 * without a GPU ({@link GpuTests#assumeGpu()}).
 *
 * <p>Short by default (300 steps, sampled every 50; the first sample comes after the first epoch end, by which time
 * every shape has been planned). Long: {@code -Dgan4j.soak=true} (10,000 steps, every 500). Table in
 * {@code target/soak-cuda-memory-<steps>.csv}.
 *
 * <p>Criterion, as on the CPU: device memory in use and JavaCPP bytes exactly equal at the first and last sample
 * (every buffer, workspace and convolution plan exists after the first epoch, and each grid's reshaping frees what
 * it allocates); heap after GC within 1 MiB (4 MiB long). The GPU must not be shared with another process meanwhile.
 */
class CudaSoakTest {
    private static final boolean LONG = Boolean.getBoolean("gan4j.soak");
    private static final long STEPS = LONG ? 10_000 : 300;
    private static final long EVERY = LONG ? 500 : 50;
    private static final long HEAP_MARGIN = LONG ? 4L << 20 : 1L << 20;

    @TempDir
    Path tmp;

    @BeforeEach
    void gpu() {
        GpuTests.assumeGpu();
    }

    /** One sample: step, heap used after GC, JavaCPP total bytes, device memory in use. */
    record Sample(long step, long heap, long nativeTotal, long deviceUsed) {
    }

    @Test
    void deviceMemoryStaysFlatOverALongRun() throws IOException {
        TrainingConfig config = TrainingConfig.builder()
                .model(ModelConfig.of("dcgan28"))
                .dataset(DatasetConfig.synthetic(2048))
                .trainer(TrainerConfig.builder().batchSize(64).seed(3).build())
                .steps(STEPS).checkpointEvery(EVERY / 2).keepCheckpoints(2)
                .backend("cuda").output(tmp.resolve("run")).build();
        List<Sample> samples = new ArrayList<>();
        TrainingResult result;
        try (CudaBackend probe = CudaBackend.create(); GanTraining run = GanTraining.create(config)) {
            SoakTest.sample(0); // settle what earlier tests in this JVM left for the GC and JavaCPP's deallocator
            result = run.run(new GanTraining.Listener() {
                @Override
                public void onStep(GanTraining.StepReport r) {
                    if (r.step() % EVERY == 0) {
                        SoakTest.Sample s = SoakTest.sample(r.step());
                        // the run's stream may still be working; its allocations are made when ops are enqueued
                        samples.add(new Sample(r.step(), s.heap(), s.nativeTotal(), probe.deviceMemoryUsed()));
                    }
                }
            });
        }
        assertEquals(STEPS, result.steps());
        assertEquals("cuda", result.backend());
        StringBuilder table = new StringBuilder("step,heap_bytes,javacpp_total_bytes,device_used_bytes\n");
        for (Sample s : samples) {
            table.append(String.format(Locale.ROOT, "%d,%d,%d,%d%n", s.step, s.heap, s.nativeTotal, s.deviceUsed));
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "soak-cuda-memory-" + STEPS + ".csv"), table);
        assertEquals(STEPS / EVERY, samples.size());
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        assertEquals(first.deviceUsed, last.deviceUsed, "device memory in use changed:\n" + table);
        assertEquals(first.nativeTotal, last.nativeTotal, "JavaCPP native bytes changed:\n" + table);
        assertTrue(Math.abs(last.heap - first.heap) <= HEAP_MARGIN, "heap after GC moved by more than "
                + HEAP_MARGIN + " bytes:\n" + table);
    }
}
