package org.gan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
    /** Sample i is (i, -i) with label i % 5; get() of {@code failAt} throws. */
    private static Dataset numbers(int n, int failAt) {
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Shape sampleShape() {
                return Shape.of(2);
            }

            @Override
            public void get(int index, float[] dst, int dstOffset) {
                if (index == failAt) {
                    throw new IllegalStateException("sample " + index + " is broken");
                }
                dst[dstOffset] = index;
                dst[dstOffset + 1] = -index;
            }

            @Override
            public boolean hasLabels() {
                return true;
            }

            @Override
            public int label(int index) {
                return index % 5;
            }

            @Override
            public int numClasses() {
                return 5;
            }

            @Override
            public String description() {
                return "numbers 0.." + (n - 1);
            }
        };
    }

    private record Seen(int epoch, int index, float[] data, int[] labels) {
    }

    private static List<Seen> take(BatchLoader loader, int count) {
        List<Seen> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BatchLoader.Batch b = loader.next();
            out.add(new Seen(b.epoch(), b.index(), b.data().clone(), b.labels().clone()));
        }
        return out;
    }

    private static void assertSameBatches(List<Seen> a, List<Seen> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).epoch, b.get(i).epoch);
            assertEquals(a.get(i).index, b.get(i).index);
            assertArrayEquals(a.get(i).data, b.get(i).data);
            assertArrayEquals(a.get(i).labels, b.get(i).labels);
        }
    }

    @Test
    void batchesFollowThePermutationAndDropTheRemainder() {
        Dataset ds = numbers(10, -1);
        try (BatchLoader loader = new BatchLoader(ds, 3, 42)) {
            assertEquals(3, loader.batchesPerEpoch()); // 10 / 3, the last sample of each epoch is dropped
            assertEquals(Shape.of(3, 2), loader.batchShape());
            List<Seen> seen = take(loader, 9);
            for (int e = 0; e < 3; e++) {
                int[] perm = BatchLoader.permutation(10, 42, e);
                boolean[] used = new boolean[10];
                for (int b = 0; b < 3; b++) {
                    Seen s = seen.get(3 * e + b);
                    assertEquals(e, s.epoch);
                    assertEquals(b, s.index);
                    for (int i = 0; i < 3; i++) {
                        int sample = perm[3 * b + i];
                        assertEquals(sample, s.data[2 * i]);
                        assertEquals(-sample, s.data[2 * i + 1]);
                        assertEquals(sample % 5, s.labels[i]);
                        assertFalse(used[sample], "sample " + sample + " twice in epoch " + e);
                        used[sample] = true;
                    }
                }
            }
        }
    }

    @Test
    void permutationDependsOnlyOnSeedAndEpoch() {
        int[] p = BatchLoader.permutation(1000, 7, 3);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(p, BatchLoader.permutation(1000, 7, 3));
        // Two orders of 1000 items agree by chance with probability 1/1000!: a difference means seed/epoch are used.
        assertFalse(Arrays.equals(p, BatchLoader.permutation(1000, 7, 4)));
        assertFalse(Arrays.equals(p, BatchLoader.permutation(1000, 8, 3)));
        int identity = 0;
        for (int i = 0; i < 1000; i++) {
            identity += p[i] == i ? 1 : 0;
        }
        assertTrue(identity < 10, "a shuffle leaves ~1 fixed point on average, got " + identity);
    }

    @Test
    void sameSeedSameBatchesAndResumeContinuesExactly() {
        Dataset ds = numbers(50, -1);
        List<Seen> full;
        try (BatchLoader a = new BatchLoader(ds, 8, 123)) {
            full = take(a, 20); // 6 batches per epoch: into epoch 3
        }
        try (BatchLoader b = new BatchLoader(ds, 8, 123)) {
            assertSameBatches(full, take(b, 20));
        }
        try (BatchLoader resumed = new BatchLoader(ds, 8, 123, 1, 4)) { // the 11th batch of the run
            assertSameBatches(full.subList(10, 20), take(resumed, 10));
        }
        try (BatchLoader other = new BatchLoader(ds, 8, 124)) {
            assertFalse(Arrays.equals(full.get(0).data, take(other, 1).get(0).data));
        }
    }

    @Test
    void buffersAreReused() {
        try (BatchLoader loader = new BatchLoader(numbers(40, -1), 4, 1)) {
            List<float[]> arrays = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                arrays.add(loader.next().data());
            }
            long distinct = arrays.stream().map(System::identityHashCode).distinct().count();
            assertTrue(distinct <= BatchLoader.BUFFERS, "expected at most BUFFERS buffers, saw " + distinct);
        }
    }

    @Test
    void fourWorkersGiveTheSameBatchesInOrder() {
        Dataset ds = numbers(50, -1);
        List<Seen> one;
        try (BatchLoader a = new BatchLoader(ds, 8, 123, 0, 0, null, null, 1)) {
            one = take(a, 30);
        }
        try (BatchLoader four = new BatchLoader(ds, 8, 123, 0, 0, null, null, 4)) {
            assertSameBatches(one, take(four, 30));
        }
        try (BatchLoader resumed = new BatchLoader(ds, 8, 123, 2, 3, null, null, 4)) { // batch 15 of the run
            assertSameBatches(one.subList(15, 30), take(resumed, 15));
        }
    }

    /** With a staging target, each batch's worker waits for its slot, then copies the batch there. */
    @Test
    void stagingReceivesEachBatchInItsSlotAfterWaitingForIt() {
        Dataset ds = numbers(50, -1);
        int workers = 3;
        int slots = workers + BatchLoader.QUEUE + 1;
        FloatBuffer[] staging = new FloatBuffer[slots];
        int[] waits = new int[slots];
        for (int i = 0; i < slots; i++) {
            staging[i] = FloatBuffer.allocate(16);
        }
        try (BatchLoader loader = new BatchLoader(ds, 8, 9, 0, 0, slot -> {
            synchronized (waits) {
                waits[slot]++;
            }
        }, slot -> staging[slot], workers)) {
            for (int i = 0; i < 20; i++) {
                BatchLoader.Batch b = loader.next();
                float[] inSlot = new float[16];
                staging[b.slot()].get(0, inSlot);
                assertArrayEquals(b.data(), inSlot, "batch " + i + " in slot " + b.slot());
            }
        }
        synchronized (waits) {
            assertTrue(Arrays.stream(waits).sum() >= 20, "every staged batch waited first: " + Arrays.toString(waits));
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(ds, 8, 9, 0, 0, slot -> { }, null));
    }

    @Test
    void errorsInTheWorkerAreRethrownWithTheirCause() {
        try (BatchLoader loader = new BatchLoader(numbers(6, 4), 6, 5)) {
            DatasetException e = assertThrows(DatasetException.class, loader::next);
            assertTrue(e.getCause() instanceof IllegalStateException);
            assertEquals("sample 4 is broken", e.getCause().getMessage());
            assertTrue(e.getMessage().contains("batch 0 of epoch 0"), e.getMessage());
            DatasetException again = assertThrows(DatasetException.class, loader::next);
            assertSame(e.getCause(), again.getCause());
        }
    }

    @Test
    void badArgumentsAndClose() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(numbers(5, -1), 6, 0));
        assertTrue(e.getMessage().contains("batch size 6") && e.getMessage().contains("holds 5 samples"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(numbers(5, -1), 2, 0, 0, 2));
        long before = loaderThreads();
        BatchLoader loader = new BatchLoader(numbers(100, -1), 10, 0);
        assertEquals(0, loader.next().index());
        loader.close();
        loader.close(); // idempotent
        assertEquals(before, loaderThreads());
        assertThrows(IllegalStateException.class, loader::next);
    }

    @Test
    void unlabelledDatasetGivesNullLabels() {
        byte[][] chunks = ByteImageDataset.allocateChunks(4, 4);
        ByteImageDataset ds = new ByteImageDataset("tiny", Shape.of(1, 2, 2), 4, chunks, null, 0);
        try (BatchLoader loader = new BatchLoader(ds, 2, 0)) {
            BatchLoader.Batch b = loader.next();
            assertNull(b.labels());
            assertEquals(8, b.data().length);
            for (float v : b.data()) {
                assertEquals(-1f, v, 0f); // zero bytes map to -1
            }
        }
    }

    private static long loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("gan4j-batch-loader") && t.isAlive()).count();
    }
}
