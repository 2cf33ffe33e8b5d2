package org.gan4j.api;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.ImageGrid;
import org.gan4j.io.TensorData;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Samples a trained generator, loaded from a checkpoint, on the CPU: images as {@code (n, C, H, W)} floats in
 * [-1, 1] or {@link BufferedImage}s, or 2-D points as {@code (n, 2)}. Like PyTorch's {@code netG.eval(); netG(z)}
 * under {@code torch.no_grad()}: batch norm uses its running statistics, so each sample depends on its own noise
 * only.
 *
 * <p><b>Determinism.</b> {@code sample(n, seed)} draws the noise {@code z ~ N(0, 1)} from a Philox stream keyed by
 * {@code seed} (counter 0), {@value #BATCH_IMAGES} (images) or {@value #BATCH_POINTS} (points) latent vectors at a
 * time, and runs the generator at that fixed batch size (a last partial batch is computed in full and cut), so the
 * same {@code (n, seed)} gives bit-identical results on every call and every thread.
 *
 * <p><b>Threads.</b> Safe to call from any number of threads at once. Each call borrows a worker (its own
 * single-threaded CPU backend and its own copy of the generator) from a pool of at most {@code maxWorkers},
 * created on demand and reused; a call waits while all are busy. No state is shared between workers except the
 * immutable weights. Note that OpenBLAS's thread count is process-wide, and every worker sets it to 1 (see
 * the CPU backend). {@link #close()} waits for running calls, then frees every worker; calls after it throw
 * {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (GanSampler sampler = GanSampler.load(Path.of("runs/demo"))) {   // newest checkpoint of a run
 *     float[] images = sampler.sample(16, 42);                          // (16, 1, 28, 28) in [-1, 1]
 *     BufferedImage grid = sampler.sampleGrid(64, 42, 8);
 * }
 * }</pre>
 */
public final class GanSampler implements AutoCloseable {
    /** The most values one {@link #sample} call returns: 2^26 floats (256 MiB), e.g. 5461 dcgan64 RGB images. */
    public static final long MAX_VALUES = 1L << 26;
    /** Generator batch size for image models. */
    public static final int BATCH_IMAGES = 64;
    /** Generator batch size for 2-D point models. */
    public static final int BATCH_POINTS = 500;
    /** The class argument that asks for no particular class: classes cycled on a class-conditional generator. */
    public static final int ANY_CLASS = -1;

    private final ModelConfig model;
    private final Map<String, TensorData> weights;
    private final Path source;
    private final int batch;
    private final int maxWorkers;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Worker> idle = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private GanSampler(ModelConfig model, Map<String, TensorData> weights, Path source, int maxWorkers) {
        if (maxWorkers < 1) {
            throw new IllegalArgumentException("maxWorkers must be >= 1, got " + maxWorkers);
        }
        this.model = model;
        this.weights = weights;
        this.source = source;
        this.batch = model.isImage() ? BATCH_IMAGES : BATCH_POINTS;
        this.maxWorkers = maxWorkers;
        this.permits = new Semaphore(maxWorkers, true);
        idle.add(new Worker()); // builds one generator now, so a checkpoint that does not fit fails here
    }

    /** Loads the generator of a checkpoint file or of a run folder's newest checkpoint; one worker per processor. */
    public static GanSampler load(Path checkpointOrRun) throws IOException {
        return load(checkpointOrRun, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #load(Path)} with at most {@code maxWorkers} concurrent workers. */
    public static GanSampler load(Path checkpointOrRun, int maxWorkers) throws IOException {
        return of(Checkpoint.readLatest(checkpointOrRun), maxWorkers);
    }

    /** The generator of an already read checkpoint (its averaged generator when the run kept one). */
    public static GanSampler of(Checkpoint checkpoint, int maxWorkers) {
        ModelConfig config = Checkpoints.modelConfig(checkpoint);
        return new GanSampler(config, Checkpoints.samplingGenerator(checkpoint), checkpoint.file(), maxWorkers);
    }

    /** The generator's architecture and options. */
    public ModelConfig model() {
        return model;
    }

    /** Shape of one sample: {@code (C, H, W)} or {@code (2)}. */
    public Shape sampleShape() {
        return model.sampleShape();
    }

    /**
     * {@code n} samples from the noise stream {@code seed}: {@code n * sampleShape().size()} floats, sample-major
     * (NCHW for images, in [-1, 1]; (x, y) pairs for points). At most {@link #MAX_VALUES} floats per call.
     *
     * @throws IllegalArgumentException when {@code n < 1} or the result would exceed {@link #MAX_VALUES}
     */
    public float[] sample(int n, long seed) {
        return sample(n, seed, ANY_CLASS);
    }

    /**
     * As {@link #sample(int, long)}, every sample of class {@code classLabel} (class-conditional models), or with
     * {@link #ANY_CLASS} the classes cycled: sample {@code i} of class {@code i % classes()} (for an unconditional
     * model {@link #ANY_CLASS} is the only choice). The noise is the same whatever the class, so the same
     * {@code (n, seed)} draws the same "style" in every class.
     *
     * @throws IllegalArgumentException when {@code classLabel} is not {@link #ANY_CLASS} or in {@code [0, classes())}
     */
    public float[] sample(int n, long seed, int classLabel) {
        int classes = model.classes();
        if (classLabel != ANY_CLASS && (classLabel < 0 || classLabel >= classes)) {
            throw new IllegalArgumentException(classes == 0 ? "this generator is not class-conditional (trained"
                    + " without --conditional): it cannot draw a chosen class" : "class " + classLabel + " is"
                    + " outside [0, " + classes + "): this generator knows " + classes + " classes");
        }
        if (n < 1) {
            throw new IllegalArgumentException("number of samples must be >= 1, got " + n);
        }
        long per = model.sampleShape().size();
        if (n * per > MAX_VALUES) {
            throw new IllegalArgumentException(n + " samples of " + model.sampleShape() + " are " + n * per
                    + " values, more than the " + MAX_VALUES + " (256 MiB) one call returns; ask for at most "
                    + MAX_VALUES / per + " and draw more with other seeds");
        }
        Worker w = acquire();
        try {
            return w.sample(n, seed, classLabel);
        } finally {
            release(w);
        }
    }

    /** {@code n} images as {@link BufferedImage}s (grey or RGB); image models only. */
    public BufferedImage[] sampleImages(int n, long seed) {
        return sampleImages(n, seed, ANY_CLASS);
    }

    /** As {@link #sampleImages(int, long)} of class {@code classLabel} (see {@link #sample(int, long, int)}). */
    public BufferedImage[] sampleImages(int n, long seed, int classLabel) {
        Shape s = requireImages();
        float[] x = sample(n, seed, classLabel);
        BufferedImage[] out = new BufferedImage[n];
        for (int i = 0; i < n; i++) {
            out[i] = ImageGrid.toBufferedImage(x, i * s.size(), s.dim(0), s.dim(1), s.dim(2));
        }
        return out;
    }

    /** {@code n} images in a grid of {@code nrow} per row (see {@link ImageGrid}); image models only. */
    public BufferedImage sampleGrid(int n, long seed, int nrow) {
        return sampleGrid(n, seed, nrow, ANY_CLASS);
    }

    /** As {@link #sampleGrid(int, long, int)} of class {@code classLabel} (see {@link #sample(int, long, int)}). */
    public BufferedImage sampleGrid(int n, long seed, int nrow, int classLabel) {
        Shape s = requireImages();
        return ImageGrid.grid(sample(n, seed, classLabel), Shape.of(n, s.dim(0), s.dim(1), s.dim(2)), nrow);
    }

    /** Classes of a class-conditional generator, 0 for an unconditional one. */
    public int classes() {
        return model.classes();
    }

    private Shape requireImages() {
        if (!model.isImage()) {
            throw new IllegalStateException("model " + model.name() + " generates 2-D points, not images;"
                    + " use sample()");
        }
        return model.sampleShape();
    }

    private Worker acquire() {
        if (closed) {
            throw new IllegalStateException("GanSampler is closed");
        }
        permits.acquireUninterruptibly();
        if (closed) {
            permits.release();
            throw new IllegalStateException("GanSampler is closed");
        }
        Worker w = idle.poll();
        if (w == null) {
            try {
                w = new Worker();
            } catch (RuntimeException | Error e) {
                permits.release();
                throw e;
            }
        }
        return w;
    }

    private void release(Worker w) {
        idle.add(w);
        permits.release();
    }

    /** Waits for running calls to finish, then frees every worker. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        permits.acquireUninterruptibly(maxWorkers);
        Worker w;
        while ((w = idle.poll()) != null) {
            w.close();
        }
    }

    /** One single-threaded backend with its own generator, used by one call at a time. */
    private final class Worker implements AutoCloseable {
        private final Backend backend;
        private final Model generator;
        private final Tensor z;

        Worker() {
            backend = BackendChoice.cpu(1);
            try {
                generator = new Model(backend, model.generator(), 0);
                Checkpoint.loadInto(generator, weights, Checkpoints.IGNORED_STATE, source, "generator");
                generator.eval();
                z = backend.allocate(model.latentShape(batch));
            } catch (RuntimeException | Error e) {
                backend.close();
                throw e;
            }
        }

        float[] sample(int n, long seed, int classLabel) {
            int per = model.sampleShape().size();
            float[] out = new float[n * per];
            float[] chunk = new float[batch * per];
            int classes = model.classes();
            int[] labels = new int[batch];
            try (RandomState rng = backend.newRandom(seed)) {
                for (int done = 0; done < n; done += batch) {
                    backend.randomNormal(rng, 0f, 1f, z);
                    if (classes > 0) {
                        for (int i = 0; i < batch; i++) {
                            labels[i] = classLabel != ANY_CLASS ? classLabel : (done + i) % classes;
                        }
                        generator.setLabels(labels);
                    }
                    Tensor y = generator.forward(z);
                    backend.copyToHost(y, chunk);
                    int take = Math.min(batch, n - done);
                    System.arraycopy(chunk, 0, out, done * per, take * per);
                }
            }
            return out;
        }

        @Override
        public void close() {
            generator.close();
            z.close();
            backend.close();
        }
    }

    /** For tests: workers created so far and idle now. */
    int idleWorkers() {
        return idle.size();
    }
}
