package org.gan4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The CPU backend's pool: every item runs once, failures come back, nothing hangs, and the workers take part. */
@Timeout(60)
class WorkPoolTest {

    /** Every index of every loop runs exactly once, for chunk counts from 1 to n, loops large and tiny. */
    @Test
    void everyItemRunsExactlyOnce() {
        withPool(3, pool -> {
            for (int n : new int[] {1, 2, 3, 7, 64, 1000}) {
                for (int chunks = 1; chunks <= Math.min(n, 17); chunks++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.run(n, chunks, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                            busy(2_000); // long enough a loop for the workers to wake and claim chunks
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "n " + n + ", chunks " + chunks + ", item " + i);
                    }
                }
            }
        });
    }

    /**
     * Many short loops back to back (the small-batch pattern, where a worker often wakes after the loop it was
     * woken for has ended and must not run a chunk of it twice or of the next one late): each still sums right.
     */
    @Test
    void shortLoopsBackToBackNeitherHangNorRepeat() {
        withPool(2, pool -> {
            for (int loop = 0; loop < 20_000; loop++) {
                int n = 1 + loop % 9;
                AtomicInteger sum = new AtomicInteger();
                pool.run(n, n, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        sum.addAndGet(i + 1);
                    }
                });
                assertEquals(n * (n + 1) / 2, sum.get(), "loop " + loop);
            }
        });
    }

    /**
     * Chunks that take a while give the parked workers time to wake: every thread takes part, the calling thread and
     * all seven workers (woken in a tree: the calling thread wakes two, each of them two more).
     */
    @Test
    void everyWorkerTakesPart() {
        withPool(7, pool -> {
            Set<String> names = ConcurrentHashMap.newKeySet();
            pool.run(64, 64, (from, to) -> {
                names.add(Thread.currentThread().getName());
                sleep(Duration.ofMillis(30)); // 8 chunks per thread: 240 ms for each worker to wake and claim its own
            });
            assertTrue(names.contains(Thread.currentThread().getName()), "the calling thread runs chunks: " + names);
            for (int w = 1; w <= 7; w++) {
                assertTrue(names.contains("gan4j-cpu-" + w), "worker " + w + " ran chunks: " + names);
            }
        });
    }

    /** The first failure is rethrown after every chunk ran, as it was thrown (an error too); the pool goes on. */
    @Test
    void failuresComeBackAfterAllChunksRan() {
        withPool(2, pool -> {
            AtomicInteger ran = new AtomicInteger();
            IllegalArgumentException thrown = new IllegalArgumentException("chunk 5");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run(8, 8, (f, t) -> {
                ran.incrementAndGet();
                if (f == 5) {
                    throw thrown;
                }
            }));
            assertSame(thrown, e);
            assertEquals(8, ran.get());
            assertThrows(OutOfMemoryError.class, () -> pool.run(4, 4, (f, t) -> {
                throw new OutOfMemoryError("test");
            }));
            AtomicInteger after = new AtomicInteger();
            pool.run(100, 4, (f, t) -> after.addAndGet(t - f));
            assertEquals(100, after.get());
        });
    }

    /** A loop started from inside a chunk runs on that chunk's thread (no deadlock, every item once). */
    @Test
    void nestedLoopsRunInline() {
        withPool(2, pool -> {
            AtomicIntegerArray hits = new AtomicIntegerArray(40);
            pool.run(4, 4, (f, t) -> {
                for (int c = f; c < t; c++) {
                    int base = c * 10;
                    pool.run(10, 5, (g, u) -> {
                        for (int i = g; i < u; i++) {
                            hits.incrementAndGet(base + i);
                        }
                    });
                }
            });
            for (int i = 0; i < 40; i++) {
                assertEquals(1, hits.get(i), "item " + i);
            }
        });
    }

    @Test
    void rejectsBadChunkCountsAndUseAfterClose() {
        WorkPool pool = new WorkPool(1);
        assertThrows(IllegalArgumentException.class, () -> pool.run(4, 0, (f, t) -> { }));
        assertThrows(IllegalArgumentException.class, () -> pool.run(4, 5, (f, t) -> { }));
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(4, 2, (f, t) -> { }));
        assertTrue(e.getMessage().contains("close()"), e.getMessage());
    }

    /** Runs {@code test} on a fresh pool of {@code workers} workers and closes the pool after it. */
    private static void withPool(int workers, Consumer<WorkPool> test) {
        WorkPool pool = new WorkPool(workers);
        try {
            test.accept(pool);
        } finally {
            pool.close();
        }
    }

    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
