package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GanSamplerTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void train() throws Exception {
        run = tmp.resolve("shapes");
        try (GanTraining t = GanTraining.create(Runs.shapes(run, 3).build())) {
            t.run(new GanTraining.Listener() { });
        }
    }

    @Test
    void sameSeedSameImagesDifferentSeedDifferentImages() throws Exception {
        try (GanSampler s = GanSampler.load(run, 2)) {
            float[] a = s.sample(70, 3); // 70: one full batch of 64 and a partial one
            float[] b = s.sample(70, 3);
            float[] c = s.sample(70, 4);
            assertEquals(70 * 28 * 28, a.length);
            assertArrayEquals(a, b, 0f);
            assertFalse(Arrays.equals(a, c));
            for (float v : a) {
                assertTrue(v >= -1f && v <= 1f, "tanh output out of [-1, 1]: " + v);
            }
            // 100,000 images of 784 values would be 78.4M floats: refused before allocating (was an int overflow
            // for larger n, e.g. dcgan64 with n = 1,000,000: "gan4j: -198967296").
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> s.sample(100_000, 1));
            assertEquals("100000 samples of (1, 28, 28) are 78400000 values, more than the 67108864 (256 MiB) one"
                    + " call returns; ask for at most 85598 and draw more with other seeds", big.getMessage());
            BufferedImage[] images = s.sampleImages(3, 3);
            assertEquals(3, images.length);
            assertEquals(28, images[0].getWidth());
        }
    }

    @Test
    void eightThreadsAtOnceGiveTheSingleThreadedResults() throws Exception {
        int threads = 8;
        List<float[]> expected = new ArrayList<>();
        try (GanSampler single = GanSampler.load(run, 1)) {
            for (int i = 0; i < threads; i++) {
                expected.add(single.sample(10, 100 + i));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (GanSampler shared = GanSampler.load(run, 4)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long seed = 100 + i;
                results.add(pool.submit(() -> {
                    go.await();
                    float[] last = null;
                    for (int rep = 0; rep < 3; rep++) {
                        float[] x = shared.sample(10, seed);
                        if (last != null) {
                            assertArrayEquals(last, x, 0f);
                        }
                        last = x;
                    }
                    return last;
                }));
            }
            go.countDown();
            for (int i = 0; i < threads; i++) {
                assertArrayEquals(expected.get(i), results.get(i).get(), 0f, "thread " + i);
            }
            assertTrue(shared.idleWorkers() <= 4, "pool grew beyond its bound: " + shared.idleWorkers());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closedSamplerAndBadArgumentsFailClearly() throws Exception {
        GanSampler s = GanSampler.load(run, 1);
        assertThrows(IllegalArgumentException.class, () -> s.sample(0, 1));
        s.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.sample(1, 1));
        assertTrue(e.getMessage().contains("closed"));
        s.close(); // idempotent
    }
}
