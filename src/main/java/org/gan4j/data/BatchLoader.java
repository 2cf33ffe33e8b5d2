package org.gan4j.data;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.gan4j.tensor.Shape;

/**
 * Shuffled batches of a {@link Dataset}, prepared ahead on background threads, like PyTorch's
 * {@code DataLoader(dataset, batch_size, shuffle=True, drop_last=True, num_workers=W)} with a fixed generator.
 *
 * <p>Each batch is {@code batchSize} samples as one {@code float[]} of shape {@code (batchSize, *sampleShape)} (NCHW
 * for images). The last incomplete batch of an epoch is dropped, so every batch has the same static shape:
 * {@code batchesPerEpoch = size / batchSize}. Epoch {@code e} visits the samples in the order
 * {@link #permutation(int, long, int) permutation(size, seed, e)}, which depends only on (seed, epoch): the batches
 * are the same on every run, whatever the number of workers, and a run resumed with {@code startEpoch, startBatch}
 * gets exactly the batches an uninterrupted run would have got from there on.
 *
 * <p>{@link #WORKERS} daemon threads each take the next batch number, fill a free buffer and hand it over;
 * {@link #next()} returns the batches in order. {@link #BUFFERS} buffers are allocated once and reused, so the
 * steady state allocates nothing but the small {@link Batch} record. With a staging target (the constructor taking
 * {@code awaitWritable} and {@code staging}, e.g. a backend's {@code HostStaging}: pinned memory on CUDA) the
 * worker also copies each finished batch into staging buffer {@link Batch#slot()}, after waiting until that buffer
 * may be overwritten; the consumer then uploads it from there without copying on its own thread. An exception on a
 * worker is rethrown by {@link #next()} as a {@link DatasetException} with it as the cause, in its batch's turn. Not
 * thread-safe: one consumer thread calls {@link #next()}. {@link #close()} stops the threads. The dataset's
 * {@link Dataset#get} and {@link Dataset#label} are called from several threads at once (they only read).
 */
public final class BatchLoader implements AutoCloseable {
    /** Number of batches prepared ahead of the one being consumed. */
    public static final int QUEUE = 2;
    /** Threads preparing batches: half the processors, 1 to 4. */
    public static final int WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    /** Buffers (and staging slots): one per worker, {@link #QUEUE} ready ones and the one being consumed. */
    public static final int BUFFERS = WORKERS + QUEUE + 1;

    /**
     * One batch. The arrays belong to the loader and are reused: they are valid until the next call to
     * {@link BatchLoader#next()}; copy them to keep them longer.
     *
     * @param data   {@code (batchSize, *sampleShape)} row-major
     * @param labels one label per sample, or null when the dataset has none
     * @param epoch  the epoch this batch belongs to
     * @param index  the batch's index within its epoch, in [0, batchesPerEpoch)
     * @param slot   the buffer it lives in, in [0, {@link #BUFFERS}): with staging, the staging buffer that holds it
     */
    public record Batch(float[] data, int[] labels, int epoch, int index, int slot) {
    }

    private static final class Buffer {
        final int slot;
        final float[] data;
        final int[] labels;
        int epoch;
        int index;

        Buffer(int slot, int floats, int n, boolean labelled) {
            this.slot = slot;
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
    private final long seed;
    private final long firstBatch;
    private final IntConsumer awaitWritable;
    private final IntFunction<FloatBuffer> staging;
    private final BlockingQueue<Buffer> free;
    /** Finished batches by number (Buffer or Failure), guarded by itself; workers notify, next() waits. */
    private final Map<Long, Object> finished = new HashMap<>();
    /** Permutations of the epochs in use, guarded by itself. */
    private final Map<Integer, int[]> permutations = new HashMap<>();
    private final Thread[] workers;
    private long nextToTake; // guarded by `finished`
    private long nextToReturn;
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
        this(dataset, batchSize, seed, startEpoch, startBatch, null, null);
    }

    /**
     * As {@link #BatchLoader(Dataset, int, long, int, int)}, with each batch also copied by its worker into
     * {@code staging.apply(slot)} ({@link #BUFFERS} slots of {@code batchShape().size()} floats) after
     * {@code awaitWritable.accept(slot)} returned; both are called on the workers' threads. E.g.
     * {@code new BatchLoader(ds, n, seed, 0, 0, hostStaging::awaitWritable, hostStaging::buffer)}.
     */
    public BatchLoader(Dataset dataset, int batchSize, long seed, int startEpoch, int startBatch,
            IntConsumer awaitWritable, IntFunction<FloatBuffer> staging) {
        this(dataset, batchSize, seed, startEpoch, startBatch, awaitWritable, staging, WORKERS);
    }

    /** With {@code workers} threads (tests; {@code workers + QUEUE + 1} slots). */
    BatchLoader(Dataset dataset, int batchSize, long seed, int startEpoch, int startBatch, IntConsumer awaitWritable,
            IntFunction<FloatBuffer> staging, int workers) {
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
        if ((awaitWritable == null) != (staging == null)) {
            throw new IllegalArgumentException("give both awaitWritable and staging, or neither");
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
        this.seed = seed;
        this.firstBatch = (long) startEpoch * batchesPerEpoch + startBatch;
        this.awaitWritable = awaitWritable;
        this.staging = staging;
        if (workers < 1) {
            throw new IllegalArgumentException("a batch loader needs at least one worker, got " + workers);
        }
        int buffers = workers + QUEUE + 1;
        this.free = new ArrayBlockingQueue<>(buffers);
        for (int i = 0; i < buffers; i++) {
            free.add(new Buffer(i, batchShape.size(), batchSize, dataset.hasLabels()));
        }
        this.workers = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            this.workers[w] = new Thread(this::produce, "gan4j-batch-loader-" + w);
            this.workers[w].setDaemon(true);
            this.workers[w].start();
        }
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
     * The next batch, waiting for it if it is not ready yet. Invalidates the arrays (and staging slot) of the
     * previous batch.
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
        synchronized (finished) {
            try {
                while (!finished.containsKey(nextToReturn)) {
                    finished.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatasetException("interrupted while waiting for a batch of " + dataset.description(), e);
            }
            item = finished.remove(nextToReturn++);
        }
        if (item instanceof Failure f) {
            failure = f;
            throw failed(f);
        }
        current = (Buffer) item;
        return new Batch(current.data, current.labels, current.epoch, current.index, current.slot);
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

    /** Epoch {@code epoch}'s permutation, computed once by the first worker that needs it. */
    private int[] permutationOf(int epoch) {
        synchronized (permutations) {
            int[] p = permutations.get(epoch);
            if (p == null) {
                permutations.remove(epoch - 2); // workers are at most one epoch apart
                p = permutation(dataset.size(), seed, epoch);
                permutations.put(epoch, p);
            }
            return p;
        }
    }

    private void produce() {
        int sampleSize = dataset.sampleSize();
        try {
            while (!closed) {
                Buffer b = free.take();
                long number;
                synchronized (finished) {
                    number = nextToTake++;
                }
                long global = firstBatch + number;
                int epoch = (int) (global / batchesPerEpoch);
                int index = (int) (global % batchesPerEpoch);
                Object result;
                try {
                    int[] perm = permutationOf(epoch);
                    for (int i = 0; i < batchSize; i++) {
                        int s = perm[index * batchSize + i];
                        dataset.get(s, b.data, i * sampleSize);
                        if (b.labels != null) {
                            b.labels[i] = dataset.label(s);
                        }
                    }
                    if (staging != null) {
                        awaitWritable.accept(b.slot);
                        staging.apply(b.slot).put(0, b.data);
                    }
                    b.epoch = epoch;
                    b.index = index;
                    result = b;
                } catch (RuntimeException | Error e) {
                    result = new Failure(e, epoch, index);
                }
                synchronized (finished) {
                    finished.put(number, result);
                    finished.notifyAll();
                }
                if (result instanceof Failure) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // close(): stop quietly.
        }
    }

    /** Stops the background threads and waits for them. Idempotent. */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = false;
        for (Thread worker : workers) {
            worker.interrupt();
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
