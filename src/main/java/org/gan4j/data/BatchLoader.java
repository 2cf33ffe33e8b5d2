package org.gan4j.data;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.gan4j.tensor.Shape;

/**
 * Shuffled batches of a {@link Dataset}, prepared ahead on a background thread, like PyTorch's
 * {@code DataLoader(dataset, batch_size, shuffle=True, drop_last=True)} with a fixed generator.
 *
 * <p>Each batch is {@code batchSize} samples as one {@code float[]} of shape {@code (batchSize, *sampleShape)} (NCHW
 * for images). The last incomplete batch of an epoch is dropped, so every batch has the same static shape:
 * {@code batchesPerEpoch = size / batchSize}. Epoch {@code e} visits the samples in the order
 * {@link #permutation(int, long, int) permutation(size, seed, e)}, which depends only on (seed, epoch): the batches
 * are the same on every run, and a run resumed with {@code startEpoch, startBatch} gets exactly the batches an
 * uninterrupted run would have got from there on.
 *
 * <p>A daemon thread fills buffers into a queue of {@value #QUEUE} ready batches; {@link #QUEUE} + 2 buffers are
 * allocated once and reused, so the steady state allocates nothing but the small {@link Batch} record. An exception
 * on that thread is rethrown by {@link #next()} as a {@link DatasetException} with it as the cause. Not thread-safe:
 * one consumer thread calls {@link #next()}. {@link #close()} stops the thread.
 */
public final class BatchLoader implements AutoCloseable {
    /** Number of batches prepared ahead. */
    public static final int QUEUE = 2;

    /**
     * One batch. The arrays belong to the loader and are reused: they are valid until the next call to
     * {@link BatchLoader#next()}; copy them to keep them longer.
     *
     * @param data   {@code (batchSize, *sampleShape)} row-major
     * @param labels one label per sample, or null when the dataset has none
     * @param epoch  the epoch this batch belongs to
     * @param index  the batch's index within its epoch, in [0, batchesPerEpoch)
     */
    public record Batch(float[] data, int[] labels, int epoch, int index) {
    }

    private static final class Buffer {
        final float[] data;
        final int[] labels;
        int epoch;
        int index;

        Buffer(int floats, int n, boolean labelled) {
            data = new float[floats];
            labels = labelled ? new int[n] : null;
        }
    }

    private record Failure(Throwable cause, int epoch, int index) {
    }

    private final Dataset dataset;
    private final int batchSize;
    private final int batchesPerEpoch;
    private final Shape batchShape;
    private final BlockingQueue<Buffer> free = new ArrayBlockingQueue<>(QUEUE + 2);
    private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(QUEUE);
    private final Thread worker;
    private Buffer current;
    private Failure failure;
    private volatile boolean closed;

    /** Batches from epoch 0, batch 0. */
    public BatchLoader(Dataset dataset, int batchSize, long seed) {
        this(dataset, batchSize, seed, 0, 0);
    }

    /**
     * Batches starting at batch {@code startBatch} of epoch {@code startEpoch} (to resume a run).
     *
     * @throws IllegalArgumentException if batchSize is not in [1, dataset.size()] or the start is out of range
     */
    public BatchLoader(Dataset dataset, int batchSize, long seed, int startEpoch, int startBatch) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        int n = dataset.size();
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (batchSize > n) {
            // One sample fits no batch a GAN can train on (batch norm needs two): then only more data helps.
            throw new IllegalArgumentException("batch size " + batchSize + " does not fit " + dataset.description()
                    + ": it holds " + n + (n == 1 ? " sample; training needs batches of at least 2, so give more"
                    + " data" : " samples; use a batch of at most " + n + " or more data"));
        }
        if ((long) batchSize * dataset.sampleSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + batchSize + " x " + dataset.sampleShape()
                    + " has more than 2^31 floats; use a smaller batch");
        }
        this.batchSize = batchSize;
        this.batchesPerEpoch = n / batchSize;
        if (startEpoch < 0 || startBatch < 0 || startBatch >= batchesPerEpoch) {
            throw new IllegalArgumentException("start (epoch " + startEpoch + ", batch " + startBatch
                    + ") out of range: need epoch >= 0 and 0 <= batch < " + batchesPerEpoch);
        }
        int[] dims = dataset.sampleShape().dims();
        int[] bd = new int[dims.length + 1];
        bd[0] = batchSize;
        System.arraycopy(dims, 0, bd, 1, dims.length);
        this.batchShape = Shape.of(bd);
        for (int i = 0; i < QUEUE + 2; i++) {
            free.add(new Buffer(batchShape.size(), batchSize, dataset.hasLabels()));
        }
        this.worker = new Thread(() -> produce(seed, startEpoch, startBatch), "gan4j-batch-loader");
        worker.setDaemon(true);
        worker.start();
    }

    /** Number of full batches per epoch: {@code size / batchSize}. */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** Samples per batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Shape of {@link Batch#data()}: {@code (batchSize, *sampleShape)}. */
    public Shape batchShape() {
        return batchShape;
    }

    /**
     * The next batch, waiting for it if it is not ready yet. Invalidates the arrays of the previous batch.
     *
     * @throws DatasetException if preparing the batch failed (the cause is the original exception)
     * @throws IllegalStateException after {@link #close()}
     */
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("BatchLoader is closed");
        }
        if (failure != null) {
            throw failed(failure);
        }
        if (current != null) {
            free.add(current); // never blocks: `free` has room for every buffer
            current = null;
        }
        Object item;
        try {
            item = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("interrupted while waiting for a batch of " + dataset.description(), e);
        }
        if (item instanceof Failure f) {
            failure = f;
            throw failed(f);
        }
        current = (Buffer) item;
        return new Batch(current.data, current.labels, current.epoch, current.index);
    }

    private DatasetException failed(Failure f) {
        return new DatasetException("preparing batch " + f.index + " of epoch " + f.epoch + " from "
                + dataset.description() + " failed: " + f.cause, f.cause);
    }

    /**
     * The order in which epoch {@code epoch} visits {@code n} samples: a Fisher-Yates shuffle of 0..n-1 driven by
     * SplitMix64 seeded from (seed, epoch). Depends on nothing else.
     */
    public static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        long state = mix64(seed ^ mix64(0x9E3779B97F4A7C15L * (epoch + 1L)));
        for (int i = n - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            long r = mix64(state) >>> 33; // 31 random bits
            int j = (int) ((r * (i + 1)) >>> 31); // uniform in [0, i] up to a bias below 2^-31 * n
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void produce(long seed, int startEpoch, int startBatch) {
        int epoch = startEpoch;
        int index = startBatch;
        int sampleSize = dataset.sampleSize();
        try {
            while (!closed) {
                int[] perm = permutation(dataset.size(), seed, epoch);
                for (; index < batchesPerEpoch && !closed; index++) {
                    Buffer b = free.take();
                    try {
                        for (int i = 0; i < batchSize; i++) {
                            int s = perm[index * batchSize + i];
                            dataset.get(s, b.data, i * sampleSize);
                            if (b.labels != null) {
                                b.labels[i] = dataset.label(s);
                            }
                        }
                    } catch (RuntimeException | Error e) {
                        ready.put(new Failure(e, epoch, index));
                        return;
                    }
                    b.epoch = epoch;
                    b.index = index;
                    ready.put(b);
                }
                index = 0;
                epoch++;
            }
        } catch (InterruptedException e) {
            // close(): stop quietly.
        }
    }

    /** Stops the background thread and waits for it. Idempotent. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
