package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.api.TrainingResult;
import org.gan4j.gan.TrainerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long runs keep flat memory: a {@link GanTraining} (mlp2d on the 8-Gaussian ring, CPU backend, one thread, the
 * full run loop with metrics.csv, checkpoints, sample grids and plots) records, every {@code every} steps, the heap
 * in use after a full GC, and JavaCPP's native memory: {@link Pointer#physicalBytes()} (the process's resident set)
 * and {@link Pointer#totalBytes()} (bytes JavaCPP has allocated and not freed). The value at the last sample must
 * equal the value at the first within the margins below. {@link CudaSoakTest} does the same on the GPU and samples
 * device memory too.
 *
 * <p>CI runs the short version (600 steps, sampled every 100). The long version (10,000 steps, sampled every 500) runs
 * with {@code mvn -o -B test -Dtest=SoakTest -Dgan4j.soak=true}. Each writes its table to
 * {@code target/soak-memory-<steps>.csv}.
 *
 * <p>Margins: heap +/- 4 MiB (one full GC leaves a little floating garbage and JIT/class metadata is not heap, but a
 * leak of even 100 bytes per step would show as 1 MB over 10,000 steps and 0.06 MB over 600; the CI version uses the
 * tighter 1 MiB); native total bytes: exactly equal (every buffer is planned at the first step); resident set less
 * the committed heap, median of the first three samples against median of the last three, +/- 64 MiB (single
 * samples swing by about 30 MB from one to the next: malloc arenas of the plotting and PNG code, the JIT's code
 * cache; a leak moves every sample). The raw resident set is recorded too but not asserted: it also moves as each
 * full GC resizes the committed heap.
 */
class SoakTest {
    private static final boolean LONG = Boolean.getBoolean("gan4j.soak");
    private static final long STEPS = LONG ? 10_000 : 600;
    private static final long EVERY = LONG ? 500 : 100;
    private static final long HEAP_MARGIN = LONG ? 4L << 20 : 1L << 20;
    private static final long RSS_MARGIN = 64L << 20;

    @TempDir
    Path tmp;

    /**
     * One sample: step, heap used after GC, JavaCPP total bytes, resident set, and the resident set less the committed
     * heap (the heap's committed size moves with each full GC by tens of MB, which says nothing about native memory).
     */
    record Sample(long step, long heap, long nativeTotal, long physical, long physicalOutsideHeap) {
    }

    @Test
    void memoryStaysFlatOverALongRun() throws IOException {
        TrainingConfig config = TrainingConfig.builder()
                .model(ModelConfig.mlp2d(2, 64, 3))
                .dataset(DatasetConfig.ring(4096))
                .trainer(TrainerConfig.builder().batchSize(64).lr(1e-3f).seed(3).build())
                .steps(STEPS).checkpointEvery(EVERY / 2).keepCheckpoints(2)
                .backend("cpu").threads(1).output(tmp.resolve("run")).build();
        sample(0); // settle what earlier tests in this JVM left for the GC and JavaCPP's deallocator
        List<Sample> samples = new ArrayList<>();
        TrainingResult result;
        try (GanTraining run = GanTraining.create(config)) {
            result = run.run(new GanTraining.Listener() {
                @Override
                public void onStep(GanTraining.StepReport r) {
                    if (r.step() % EVERY == 0) {
                        samples.add(sample(r.step()));
                    }
                }
            });
        }
        assertEquals(STEPS, result.steps());
        StringBuilder table = new StringBuilder("step,heap_bytes,javacpp_total_bytes,physical_bytes,"
                + "physical_minus_committed_heap\n");
        for (Sample s : samples) {
            table.append(String.format(Locale.ROOT, "%d,%d,%d,%d,%d%n", s.step, s.heap, s.nativeTotal, s.physical,
                    s.physicalOutsideHeap));
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "soak-memory-" + STEPS + ".csv"), table);
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        assertEquals(STEPS / EVERY, samples.size());
        assertTrue(Math.abs(last.heap - first.heap) <= HEAP_MARGIN, "heap after GC moved by more than "
                + HEAP_MARGIN + " bytes:\n" + table);
        assertEquals(first.nativeTotal, last.nativeTotal, "JavaCPP native bytes changed:\n" + table);
        long rssFirst = median(samples.subList(0, 3));
        long rssLast = median(samples.subList(samples.size() - 3, samples.size()));
        assertTrue(Math.abs(rssLast - rssFirst) <= RSS_MARGIN, "resident set outside the heap (median of 3 samples)"
                + " moved from " + rssFirst + " to " + rssLast + ", more than " + RSS_MARGIN + " bytes:\n" + table);
    }

    /**
     * Waits until every run's background writer (thread "gan4j-run-writer") is idle, so a sample measures what the
     * run keeps between writes, not a grid or plot being rendered at that moment (bounded: one write of each kind).
     */
    static void awaitIdleWriters() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("gan4j-run-writer") && t.getState() != Thread.State.WAITING)) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long median(List<Sample> three) {
        long[] v = three.stream().mapToLong(Sample::physicalOutsideHeap).sorted().toArray();
        return v[1];
    }

    static Sample sample(long step) {
        awaitIdleWriters();
        // Two collections: the first may only promote; the second frees what became unreachable.
        System.gc();
        System.gc();
        try {
            Thread.sleep(100); // JavaCPP frees unreachable pointers of earlier tests on its deallocator thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long physical = Pointer.physicalBytes();
        return new Sample(step, heap.getUsed(), Pointer.totalBytes(), physical, physical - heap.getCommitted());
    }
}
