package org.gan4j.gan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.CapturedStep;
import org.gan4j.backend.HostReadback;
import org.gan4j.backend.RandomState;
import org.gan4j.nn.Model;
import org.gan4j.optim.Adam;
import org.gan4j.optim.Optimizer;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Trains a generator G against a discriminator D, one fixed sequence of backend ops per {@link #step()}, mirroring
 * pytorch/examples {@code dcgan/main.py}. Shapes, with N the batch size:
 * <pre>
 * noise z: (N, latent...)   G(z) and the real input: (N, sample...)   D(.) logits: N values, e.g. (N, 1)
 * (or N / k with PacGAN packing, D judging k samples at once)
 * </pre>
 * One step (the caller has filled {@link #realInput()} with the next real batch, values in [-1, 1]):
 * <ol>
 *   <li>D.zeroGrad; logits = D(x); L_real = 1/2 loss(logits, real targets); backward (parameter gradients only).
 *       With {@link TrainerConfig#r1Gamma()} {@code > 0}, the R1 penalty {@code gamma / 2 * mean ||grad_x D(x)||^2}
 *       on this real batch: its gradient joins D's (an exact second backward, {@link Model#r1Backward}) and its
 *       value is part of L_D.</li>
 *   <li>z ~ N(0, 1); fake = G(z); logits = D(fake); L_fake = 1/2 loss(logits, fake targets); backward through D
 *       only (no gradient flows into G, as {@code netD(fake.detach())}); L_D = L_real + L_fake; Adam step on D.</li>
 *   <li>On every k-th step ({@link TrainerConfig#dStepsPerGStep()}): G.zeroGrad; logits = D(the same fake) with the
 *       updated D; L_G = generator loss with G's targets; backward through D to its input, then through G; Adam step
 *       on G. D's parameter gradients from this pass are left in place and cleared by the next D.zeroGrad.</li>
 * </ol>
 * The losses are {@link GanLoss}'s. Both optimizers are {@link Adam} with the configured learning rates and betas,
 * eps 1e-8, no weight decay.
 *
 * <p><b>Class-conditional models.</b> When G and D take class labels ({@link Model#numClasses()} {@code > 0}, e.g.
 * {@code dcgan28} with classes), the caller also sets the real batch's labels before each step
 * ({@link #setLabels}); D judges the real and the fake batch against them and G draws the fakes for them. Sampling
 * takes labels too ({@link #sample(Tensor, int[], SamplingMode)}; without: classes cycled).
 *
 * <p><b>Averaged generator.</b> With {@link TrainerConfig#emaDecay()} {@code > 0}, each generator update is folded into
 * an exponential moving average of G's weights ({@link WeightAverage}); {@link #sample}, {@link #generate} and
 * {@link #averagedGeneratorState()} then use the averaged weights, and {@link #state()} carries the average's running
 * sum (entry {@code ema.sum}) so a resumed run continues it exactly. When G has batch norm, the averaged weights get
 * their own running statistics each time they are used: {@value #AVERAGE_STATISTICS_BATCHES} training-mode forwards
 * of the averaged G on a fixed noise stream (batches of the training batch size, classes cycled; with momentum 0.1
 * the statistics G had before weigh 0.9^50, under 1%); the live statistics are put back afterwards, so the
 * training state does not change.
 *
 * <p><b>Random numbers.</b> Noise and (non-constant) labels come from the trainer's own Philox stream, keyed by
 * {@link TrainerConfig#seed()}: per step, real targets, then fake targets (only when {@link Labels#isConstant()} is
 * false; constant targets are filled once), then z. Same seed, same networks and same data give the same numbers.
 *
 * <p><b>Metrics stay on the backend.</b> Losses, D outputs and gradient norms are written to a small device tensor
 * every step and copied to the host only on every {@code metricsEvery}-th step; {@link #step()} returns null on the
 * others, so a GPU does not synchronise each step. On a read step every measured value is checked: a non-finite one
 * throws {@link TrainingDivergedException}; a D loss below {@link TrainerConfig#collapseLossD()} for
 * {@link TrainerConfig#collapseReadSteps()} consecutive read steps gives one {@link TrainingListener#onWarning}.
 * Even a read every step need not stall the device: with {@link #deferMetrics(boolean)} a read step only starts the
 * copy ({@link org.gan4j.backend.HostReadback}) and returns the previous read step's metrics.
 *
 * <p><b>CUDA graphs.</b> With {@link #useCudaGraph(boolean)} on a backend whose capabilities include step capture
 * (CUDA; and one D step per G step), the first step runs eagerly (planning every buffer and cuDNN algorithm), the next
 * one is captured once and every step from then on replays it as one graph launch ({@link Backend#captureStep});
 * metrics are read as before.
 * Sampling (which may reallocate G's buffers) drops the graph; the next step runs eagerly and the one after captures
 * again. A changed learning rate does not: {@link Adam} reads it from a device scalar when its step runs.
 *
 * <p><b>Ownership.</b> The trainer owns its optimizers, noise, target, metric and input tensors and its random stream
 * (close it); the caller keeps owning the two models. Not thread-safe.
 */
public final class GanTrainer implements AutoCloseable {
    /** Which mode G runs in when sampling. */
    public enum SamplingMode {
        /**
         * Training mode (batch statistics), as pytorch/examples dcgan samples its fixed-noise grid; like there, the
         * forward updates G's batch-norm running statistics. The default.
         */
        TRAIN,
        /** Evaluation mode (running statistics); G is put back in training mode afterwards. */
        EVAL
    }

    // slots of the metrics tensor
    private static final int LOSS_D_REAL = 0;
    private static final int LOSS_D_FAKE = 1;
    private static final int LOSS_D = 2;
    private static final int LOSS_G = 3;
    private static final int D_REAL = 4;
    private static final int D_FAKE_BEFORE = 5;
    private static final int D_FAKE_AFTER = 6;
    private static final int GRAD_SQ_D = 7;
    private static final int GRAD_SQ_G = 8;
    private static final int R1 = 9;
    private static final int SLOTS = 10;

    /** Batches of the averaged generator's own samples that set its batch-norm statistics (see the class comment). */
    public static final int AVERAGE_STATISTICS_BATCHES = 50;
    /** Key of the noise stream of those batches (with the seed: the same noise every time). */
    private static final long AVERAGE_STATISTICS_KEY = 0x5EED_F1CE_D002L;

    /** Name of the weight average's running sum in {@link #optimizerState()}. */
    public static final String AVERAGE_STATE = "ema.sum";

    private final Backend backend;
    private final Model generator;
    private final Model discriminator;
    private final TrainerConfig config;
    private final Shape latentShape;
    private final Shape sampleShape;
    private final Activation outputActivation;
    private final Adam optimizerD;
    private final Adam optimizerG;
    private final RandomState random;
    private final WeightAverage average;
    /** Noise of the averaged generator's statistics batches; null until first needed. */
    private Tensor statisticsNoise;
    private final Tensor noise;
    private final Tensor realInput;
    private final Tensor realTargets;
    private final Tensor fakeTargets;
    private final Tensor generatorTargets;
    private final Tensor dLogits;
    /** With R1: ones (a gradient of 1 per logit) and the adjoint of D's input gradient; else null. */
    private final Tensor r1Ones;
    private final Tensor r1Adjoint;
    private final Tensor metrics;
    private final Tensor[] slot = new Tensor[SLOTS];
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final float[] hostMetrics = new float[SLOTS];
    private final int numClasses;
    /** The class labels of the next step's real batch (class-conditional models), null until set. */
    private int[] stepLabels;
    /** Whether G's labels were replaced by sampling since {@link #setLabels}. */
    private boolean labelsStale;
    private long step;
    private long generatorSteps;
    private int lowLossReads;
    private boolean collapseWarned;
    private boolean closed;
    private boolean graphMode;
    private CapturedStep graph;
    private int eagerStepsSinceGraph;
    private int graphCaptures;
    /** Metrics copies in flight with {@link #deferMetrics}: two slots used in turn; null until first needed. */
    private HostReadback readback;
    private boolean deferMetrics;
    private Pending pending;
    private int nextSlot;

    /** A read step whose metrics are being copied to the host (slot {@code slot} of {@link #readback}). */
    private record Pending(long step, boolean generatorStep, int slot) {
    }

    /**
     * A trainer for {@code generator} (latent {@code (N, latentSampleShape...)} to samples) and
     * {@code discriminator} (samples to one logit per sample), both on {@code backend} and initialised by the caller.
     *
     * @param latentSampleShape the shape of one noise vector without the batch dimension, e.g. (100, 1, 1) for the
     *                          DCGAN64 generator
     * @throws IllegalArgumentException when a model lives on another backend or the shapes do not chain
     */
    public GanTrainer(Backend backend, Model generator, Model discriminator, Shape latentSampleShape,
            TrainerConfig config) {
        require(backend != null, "backend must not be null");
        require(generator != null && discriminator != null, "generator and discriminator must not be null");
        require(latentSampleShape != null, "latentSampleShape must not be null");
        require(config != null, "config must not be null (use TrainerConfig.builder().build() for the defaults)");
        require(generator.backend() == backend, "the generator lives on another backend ("
                + generator.backend().name() + ") than the trainer's " + backend.name());
        require(discriminator.backend() == backend, "the discriminator lives on another backend ("
                + discriminator.backend().name() + ") than the trainer's " + backend.name());
        int n = config.batchSize();
        Shape noiseShape = withBatch(n, latentSampleShape);
        Shape fakeShape = generator.outputShape(noiseShape);
        Shape logitShape = discriminator.outputShape(fakeShape);
        require(fakeShape.dim(0) == n && logitShape.size() >= 1 && n % logitShape.size() == 0, "the discriminator "
                + "must give one logit per sample or per pack of samples: for a batch of " + n + " samples "
                + fakeShape + " it gives " + logitShape);
        require(!config.hasR1() || discriminator.supportsR1(), "the R1 penalty needs a discriminator piecewise "
                + "linear in its input (Linear or Conv2d layers with identity, ReLU or LeakyReLU activations, "
                + "reshapes; no batch norm, dropout, tanh or sigmoid): this one is not; use mlp2d or turn R1 off "
                + "(--r1 0; r1Gamma 0 in TrainerConfig)");
        require(generator.numClasses() == discriminator.numClasses(), "generator and discriminator must both be"
                + " class-conditional with the same classes or both unconditional: G has " + generator.numClasses()
                + " classes, D " + discriminator.numClasses());
        this.numClasses = generator.numClasses();
        this.backend = backend;
        this.generator = generator;
        this.discriminator = discriminator;
        this.config = config;
        this.latentShape = latentSampleShape;
        this.sampleShape = withoutBatch(fakeShape);
        this.outputActivation = config.loss().outputActivation();
        this.optimizerD = new Adam(discriminator, config.lrD(), config.beta1(), config.beta2(), 1e-8f, 0f);
        this.optimizerG = new Adam(generator, config.lrG(), config.beta1(), config.beta2(), 1e-8f, 0f);
        this.random = backend.newRandom(config.seed());
        this.average = config.averagesGenerator() ? new WeightAverage(generator, config.emaDecay()) : null;
        this.noise = backend.allocate(noiseShape);
        this.realInput = backend.allocate(fakeShape);
        this.realTargets = backend.allocate(logitShape);
        this.fakeTargets = backend.allocate(logitShape);
        this.generatorTargets = backend.allocate(logitShape);
        this.dLogits = backend.allocate(logitShape);
        this.r1Ones = config.hasR1() ? backend.allocate(logitShape) : null;
        this.r1Adjoint = config.hasR1() ? backend.allocate(fakeShape) : null;
        if (r1Ones != null) {
            backend.fill(1f, r1Ones);
        }
        this.metrics = backend.allocate(Shape.of(SLOTS));
        for (int i = 0; i < SLOTS; i++) {
            slot[i] = metrics.view(i, Shape.of(1));
        }
        Labels labels = config.labels();
        if (labels.isConstant()) {
            backend.fill(config.loss().target(labels.real()), realTargets);
            backend.fill(config.loss().target(labels.fake()), fakeTargets);
        }
        backend.fill(config.loss().generatorTarget(), generatorTargets);
    }

    /**
     * The real batch of the next step, {@code (N, sample...)}: fill it before each {@link #step()}, e.g. with
     * {@code backend.copyFromHost(batch, trainer.realInput())}. Owned by the trainer.
     */
    public Tensor realInput() {
        return realInput;
    }

    /**
     * Classes of a class-conditional pair of models (see {@link Model#numClasses()}), 0 when unconditional.
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * The class labels of the real batch of the next step (class-conditional models only; set them before each
     * step, with {@link #realInput()}): one per sample, in {@code [0, numClasses())}. D judges the real and the fake
     * batch against these labels and G draws the fake batch for them, so the fakes follow the data's class
     * frequencies. Copied to the backend.
     *
     * @throws IllegalArgumentException when the models are unconditional or the count or a label is wrong
     */
    public void setLabels(int[] labels) {
        ensureOpen();
        require(numClasses > 0, "these models are not class-conditional: they take no class labels");
        require(labels != null && labels.length == config.batchSize(), "need one class label per sample of the"
                + " batch (" + config.batchSize() + "), got " + (labels == null ? "none" : labels.length));
        generator.setLabels(labels);
        discriminator.setLabels(labels);
        stepLabels = labels.clone();
        labelsStale = false;
    }

    /**
     * One training step on {@link #realInput()} (see the class comment).
     *
     * @return the metrics of this step on every {@code metricsEvery}-th step, else null
     * @throws TrainingDivergedException when a metric read on this step is NaN or infinite
     */
    public StepMetrics step() {
        ensureOpen();
        if (numClasses > 0) {
            if (stepLabels == null) {
                throw new IllegalStateException("a class-conditional trainer needs the real batch's class labels:"
                        + " call setLabels before step");
            }
            if (labelsStale) {
                generator.setLabels(stepLabels); // sampling replaced them
                labelsStale = false;
            }
        }
        boolean generatorStep = (step + 1) % config.dStepsPerGStep() == 0;
        if (graphMode) {
            graphedIteration();
        } else {
            iteration(generatorStep);
        }
        step++;
        if (generatorStep) {
            generatorSteps++;
        }
        if (step % config.metricsEvery() != 0) {
            return null;
        }
        return deferMetrics ? startReading(generatorStep) : readMetrics(generatorStep);
    }

    /**
     * With {@code defer}, a read step only starts copying its metrics to the host and {@link #step()} returns the
     * metrics of the previous read step instead (their {@link StepMetrics#step()} says which; null on the first),
     * collected then: by that time the device has the current step queued, so the host's wait never leaves it idle.
     * This is what a loop that reads metrics every step (the CLI) needs to keep a GPU busy. Checks and listeners
     * run when metrics are delivered, so a non-finite value throws one read later. {@link #flushMetrics()} returns
     * the last pending metrics (call it after the last step). Turning deferral off delivers nothing pending: flush
     * first. Default off: step() returns the metrics of its own step.
     */
    public void deferMetrics(boolean defer) {
        ensureOpen();
        if (defer && readback == null) {
            readback = backend.newHostReadback(2, SLOTS);
        }
        deferMetrics = defer;
    }

    /**
     * The metrics of the last read step not yet returned (with {@link #deferMetrics}), waiting for their copy; null
     * when none is pending.
     *
     * @throws TrainingDivergedException when one of them is NaN or infinite
     */
    public StepMetrics flushMetrics() {
        ensureOpen();
        Pending p = pending;
        pending = null;
        return p == null ? null : deliver(p);
    }

    private StepMetrics startReading(boolean generatorStep) {
        int slot = nextSlot;
        nextSlot ^= 1;
        Pending previous = pending; // in the other slot: slots alternate
        readback.start(slot, metrics);
        pending = new Pending(step, generatorStep, slot);
        return previous == null ? null : deliver(previous);
    }

    private StepMetrics deliver(Pending p) {
        readback.finish(p.slot(), hostMetrics);
        return checked(p.step(), p.generatorStep());
    }

    /**
     * Replays the whole iteration as a CUDA graph from now on when {@code enable} and the backend can capture a step
     * ({@link org.gan4j.backend.Capabilities#stepCapture()}: CUDA) with {@link TrainerConfig#dStepsPerGStep()} 1
     * (every step the same op sequence); otherwise steps stay eager.
     * Turning it off drops the graph.
     *
     * @return whether steps will use a graph
     */
    public boolean useCudaGraph(boolean enable) {
        ensureOpen();
        graphMode = enable && backend.capabilities().stepCapture() && config.dStepsPerGStep() == 1;
        if (!graphMode) {
            dropGraph();
        }
        return graphMode;
    }

    /** One eager step after (re)planning, then capture once and replay (learning rates are read on the device). */
    private void graphedIteration() {
        if (graph == null) {
            if (eagerStepsSinceGraph < 1) {
                iteration(true);
                eagerStepsSinceGraph++;
                return;
            }
            graph = backend.captureStep(() -> iteration(true));
            graphCaptures++;
        }
        graph.replay();
    }

    private void dropGraph() {
        if (graph != null) {
            graph.close();
            graph = null;
        }
        eagerStepsSinceGraph = 0;
    }

    /** The device work of one step: a fixed op sequence, no host reads (see the class comment). */
    private void iteration(boolean generatorStep) {
        GanLoss loss = config.loss();
        Labels labels = config.labels();
        generator.train();
        discriminator.train();
        if (!labels.isConstant()) {
            backend.fillTargets(random, labels.real(), labels.fake(), labels.flipProbability(), labels.noise(),
                    realTargets);
            backend.fillTargets(random, labels.fake(), labels.real(), labels.flipProbability(), labels.noise(),
                    fakeTargets);
        }

        // discriminator: real half, then fake half without a gradient into G
        discriminator.zeroGrad();
        Tensor realLogits = discriminator.forward(realInput);
        backend.mean(realLogits, outputActivation, slot[D_REAL]);
        loss.discriminatorTerm(backend, realLogits, realTargets, slot[LOSS_D_REAL], dLogits);
        discriminator.backward(dLogits);
        if (config.hasR1()) {
            r1Penalty();
        }

        backend.randomNormal(random, 0f, 1f, noise);
        Tensor fake = generator.forward(noise);
        Tensor fakeLogits = discriminator.forward(fake);
        backend.mean(fakeLogits, outputActivation, slot[D_FAKE_BEFORE]);
        loss.discriminatorTerm(backend, fakeLogits, fakeTargets, slot[LOSS_D_FAKE], dLogits);
        discriminator.backward(dLogits);

        backend.copy(slot[LOSS_D_REAL], slot[LOSS_D]);
        backend.axpy(1f, slot[LOSS_D_FAKE], slot[LOSS_D]);
        if (config.hasR1()) {
            backend.axpy(1f, slot[R1], slot[LOSS_D]);
        }
        backend.sumOfSquares(discriminator.gradients(), slot[GRAD_SQ_D]);
        optimizerD.step();

        // generator: every k-th step, through the updated D on the same fake batch
        if (generatorStep) {
            generator.zeroGrad();
            Tensor logits = discriminator.forward(fake);
            backend.mean(logits, outputActivation, slot[D_FAKE_AFTER]);
            loss.generatorLoss(backend, logits, generatorTargets, slot[LOSS_D_REAL], slot[LOSS_G], dLogits);
            // D's parameter gradients from this pass would be discarded by the next D.zeroGrad: skip computing them
            Tensor dFake = discriminator.backwardToInputOnly(dLogits);
            generator.backward(dFake);
            backend.sumOfSquares(generator.gradients(), slot[GRAD_SQ_G]);
            optimizerG.step();
            if (average != null) {
                average.update();
            }
        }
    }

    /**
     * R1 on the real batch D has just seen: {@code g = grad_x sum D(x)} (one backward of ones, per-logit input
     * gradients), the penalty {@code gamma / 2 * mean ||g||^2} into its metrics slot, and its parameter gradient
     * added to D's by {@link Model#r1Backward} with the adjoint {@code gamma / M * g} (M logits).
     */
    private void r1Penalty() {
        float gamma = config.r1Gamma();
        int m = r1Ones.size();
        Tensor g = discriminator.backwardToInputOnly(r1Ones);
        backend.sumOfSquares(g, slot[R1]);
        backend.scale(gamma / (2f * m), slot[R1]);
        backend.copy(g, r1Adjoint);
        backend.scale(gamma / m, r1Adjoint);
        discriminator.r1Backward(r1Adjoint);
    }

    private StepMetrics readMetrics(boolean generatorStep) {
        backend.copyToHost(metrics, hostMetrics);
        return checked(step, generatorStep);
    }

    /** The metrics of step {@code at} from {@link #hostMetrics}, checked, given to the listeners. */
    private StepMetrics checked(long at, boolean generatorStep) {
        float[] h = hostMetrics;
        float nan = Float.NaN;
        StepMetrics m = new StepMetrics(at, h[LOSS_D], generatorStep ? h[LOSS_G] : nan, h[D_REAL],
                h[D_FAKE_BEFORE], generatorStep ? h[D_FAKE_AFTER] : nan, (float) Math.sqrt(h[GRAD_SQ_D]),
                generatorStep ? (float) Math.sqrt(h[GRAD_SQ_G]) : nan, generatorStep);
        checkFinite("lossD", m.lossD(), at);
        checkFinite("D(x)", m.dReal(), at);
        checkFinite("D(G(z)) before the D step", m.dFakeBefore(), at);
        checkFinite("gradient norm of D", m.gradNormD(), at);
        if (generatorStep) {
            checkFinite("lossG", m.lossG(), at);
            checkFinite("D(G(z)) after the D step", m.dFakeAfter(), at);
            checkFinite("gradient norm of G", m.gradNormG(), at);
        }
        for (TrainingListener l : listeners) {
            l.onStep(m);
        }
        watchForCollapse(m.lossD());
        return m;
    }

    private static void checkFinite(String name, float value, long at) {
        if (!Float.isFinite(value)) {
            throw new TrainingDivergedException(name, at, value);
        }
    }

    private void watchForCollapse(float lossD) {
        lowLossReads = lossD < config.collapseLossD() ? lowLossReads + 1 : 0;
        if (lowLossReads >= config.collapseReadSteps() && !collapseWarned) {
            collapseWarned = true;
            String message = "the discriminator loss has stayed below " + config.collapseLossD() + " for "
                    + config.collapseReadSteps() + " read steps (now step " + step + "): D separates real from fake "
                    + "easily and G's gradient is vanishing, a sign of failure or mode collapse; try a lower lrD, "
                    + "one-sided label smoothing (Labels.smoothed(0.9f)) or label noise";
            for (TrainingListener l : listeners) {
                l.onWarning(message);
            }
        }
    }

    // ---------------------------------------------------------------- sampling

    /** {@link #sample(Tensor, SamplingMode)} in {@link SamplingMode#TRAIN} mode, as pytorch/examples dcgan does. */
    public float[] sample(Tensor noise) {
        return sample(noise, SamplingMode.TRAIN);
    }

    /**
     * G(noise) copied to the host, row-major {@code (n, sample...)}, for {@code noise: (n, latent...)} on this
     * backend, with the averaged weights when the trainer keeps an average (n >= 2 in {@link SamplingMode#TRAIN} mode
     * when G has batch norm). A batch size other than the training one makes G's layers reallocate their buffers (here
     * and again at the next step). Synchronises.
     */
    public float[] sample(Tensor noise, SamplingMode mode) {
        return sample(noise, null, mode);
    }

    /**
     * As {@link #sample(Tensor, SamplingMode)}, sample i of class {@code labels[i]} (class-conditional models; null
     * or an unconditional model: classes cycled, {@code i % numClasses()}, for a conditional one).
     */
    public float[] sample(Tensor noise, int[] labels, SamplingMode mode) {
        ensureOpen();
        require(noise != null && mode != null, "noise and mode must not be null");
        require(labels == null || numClasses > 0, "these models are not class-conditional: they take no class"
                + " labels");
        require(withoutBatch(noise.shape()).equals(latentShape), "noise must be (n, " + dims(latentShape)
                + "), got " + noise.shape());
        int[] y = numClasses > 0 ? (labels != null ? labels : cycledLabels(noise.shape().dim(0), numClasses)) : null;
        require(y == null || y.length == noise.shape().dim(0), "need one class label per noise vector ("
                + noise.shape().dim(0) + "), got " + (y == null ? 0 : y.length));
        dropGraph(); // another batch size reallocates G's buffers, whose addresses a graph holds
        Supplier<float[]> forward = () -> {
            if (y != null) {
                generator.setLabels(y);
                labelsStale = true;
            }
            if (mode == SamplingMode.EVAL) {
                generator.eval();
            }
            try {
                return generator.forward(noise).toFloatArray();
            } finally {
                generator.train();
            }
        };
        return average == null ? forward.get()
                : average.withAverage(generatorSteps, this::recomputeAverageStatistics, forward);
    }

    /**
     * Sets G's batch-norm running statistics for the weights now in it (the average's): training-mode forwards of
     * {@value #AVERAGE_STATISTICS_BATCHES} batches from a fixed noise stream, classes cycled.
     */
    private void recomputeAverageStatistics() {
        dropGraph();
        if (statisticsNoise == null) {
            statisticsNoise = backend.allocate(noise.shape());
        }
        if (numClasses > 0) {
            generator.setLabels(cycledLabels(config.batchSize(), numClasses));
            labelsStale = true;
        }
        try (RandomState r = backend.newRandom(config.seed() ^ AVERAGE_STATISTICS_KEY)) {
            for (int i = 0; i < AVERAGE_STATISTICS_BATCHES; i++) {
                backend.randomNormal(r, 0f, 1f, statisticsNoise);
                generator.forward(statisticsNoise);
            }
        }
    }

    /**
     * The averaged generator's state dict (parameters averaged, batch-norm statistics recomputed for them), named as
     * {@link Model#stateDict()}, or null when {@link TrainerConfig#emaDecay()} is 0. Before the first generator
     * update it is the trained generator's. Synchronises.
     */
    public Map<String, float[]> averagedGeneratorState() {
        ensureOpen();
        return average == null ? null : average.stateDict(generatorSteps, this::recomputeAverageStatistics);
    }

    /**
     * {@code n} samples from fixed noise drawn from a fresh stream keyed by {@code seed} (independent of the training
     * stream, so the same seed gives the same noise at every point of training: a fixed-noise grid), in
     * {@link SamplingMode#TRAIN} mode.
     */
    public float[] generate(int n, long seed) {
        return generate(n, seed, SamplingMode.TRAIN);
    }

    /** As {@link #generate(int, long)} in the given mode (a class-conditional G: classes cycled). */
    public float[] generate(int n, long seed, SamplingMode mode) {
        require(n >= 1, "n must be >= 1, got " + n);
        try (RandomState r = backend.newRandom(seed); Tensor z = backend.allocate(withBatch(n, latentShape))) {
            backend.randomNormal(r, 0f, 1f, z);
            return sample(z, mode);
        }
    }

    /** Labels {@code 0, 1, .., classes - 1, 0, 1, ..} for {@code n} samples. */
    public static int[] cycledLabels(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return y;
    }

    // ---------------------------------------------------------------- state for exact resume

    /**
     * Both optimizers' states (host copies), names prefixed {@code d.} and {@code g.}, and the running sum of the
     * generator's weight average as {@value #AVERAGE_STATE} when there is one. Synchronises.
     */
    public Map<String, float[]> optimizerState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        optimizerD.state().forEach((k, v) -> out.put("d." + k, v));
        optimizerG.state().forEach((k, v) -> out.put("g." + k, v));
        if (average != null) {
            out.put(AVERAGE_STATE, average.sum());
        }
        return out;
    }

    /**
     * Everything besides the two models' {@code stateDict()}s needed to continue exactly. Save both together, at
     * the same step.
     */
    public TrainerState state() {
        ensureOpen();
        return new TrainerState(step, generatorSteps, random.counter(), generator.random().counter(),
                discriminator.random().counter(), optimizerState());
    }

    /**
     * Continues from {@code state} (with the models' state dicts loaded by the caller): optimizer moments, random
     * counters and step counts. The trainer's seed must be the one the state was saved with (the key is part of the
     * configuration, not of the state).
     *
     * @throws IllegalArgumentException when the optimizer state does not fit these models
     */
    public void restore(TrainerState state) {
        ensureOpen();
        require(state != null, "state must not be null");
        Map<String, float[]> d = new LinkedHashMap<>();
        Map<String, float[]> g = new LinkedHashMap<>();
        boolean averageRestored = false;
        for (Map.Entry<String, float[]> e : state.optimizerState().entrySet()) {
            String k = e.getKey();
            if (k.equals(AVERAGE_STATE)) {
                require(average != null, "the state holds a generator weight average ('" + AVERAGE_STATE + "') but "
                        + "this trainer keeps none (emaDecay 0): use the configuration it was saved with");
                average.load(e.getValue());
                averageRestored = true;
            } else if (k.startsWith("d.")) {
                d.put(k.substring(2), e.getValue());
            } else if (k.startsWith("g.")) {
                g.put(k.substring(2), e.getValue());
            } else {
                throw new IllegalArgumentException("optimizer state entry '" + k + "' has neither the prefix 'd.' "
                        + "(discriminator) nor 'g.' (generator)");
            }
        }
        require(average == null || averageRestored || state.generatorSteps() == 0, "the state has no generator "
                + "weight average ('" + AVERAGE_STATE + "') but this trainer keeps one (emaDecay "
                + config.emaDecay() + "): use the configuration it was saved with");
        optimizerD.loadState(d);
        optimizerG.loadState(g);
        random.setCounter(state.randomCounter());
        generator.random().setCounter(state.generatorRandomCounter());
        discriminator.random().setCounter(state.discriminatorRandomCounter());
        step = state.step();
        generatorSteps = state.generatorSteps();
        lowLossReads = 0;
    }

    // ---------------------------------------------------------------- accessors

    /** Receives metrics on read steps and warnings. */
    public void addListener(TrainingListener listener) {
        require(listener != null, "listener must not be null");
        listeners.add(listener);
    }

    public TrainerConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    public Model generator() {
        return generator;
    }

    public Model discriminator() {
        return discriminator;
    }

    /** One noise vector's shape, without the batch dimension. */
    public Shape latentShape() {
        return latentShape;
    }

    /** One sample's shape (G's output and the real input), without the batch dimension. */
    public Shape sampleShape() {
        return sampleShape;
    }

    /** How many times a step has been captured as a graph ({@link #useCudaGraph}); for tests and diagnostics. */
    public int graphCaptures() {
        return graphCaptures;
    }

    /** Steps done (discriminator updates). */
    public long stepCount() {
        return step;
    }

    /** Generator updates done. */
    public long generatorStepCount() {
        return generatorSteps;
    }

    /**
     * Sets both learning rates to {@code factor} times the configured ones ({@link TrainerConfig#lrD()},
     * {@link TrainerConfig#lrG()}), e.g. from an {@link LrSchedule}. A CUDA graph replays with the new rates (no
     * new capture).
     */
    public void scaleLearningRates(double factor) {
        require(factor > 0 && factor <= 1e6, "learning-rate factor must be in (0, 1e6], got " + factor);
        optimizerD.setLearningRate((float) (config.lrD() * factor));
        optimizerG.setLearningRate((float) (config.lrG() * factor));
    }

    /** The discriminator's optimizer, e.g. to change its learning rate. */
    public Optimizer discriminatorOptimizer() {
        return optimizerD;
    }

    /** The generator's optimizer. */
    public Optimizer generatorOptimizer() {
        return optimizerG;
    }

    /** Frees the trainer's tensors, optimizers and random stream (not the models). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropGraph();
        pending = null;
        if (readback != null) {
            readback.close();
        }
        optimizerD.close();
        optimizerG.close();
        if (average != null) {
            average.close();
        }
        random.close();
        for (Tensor t : new Tensor[] {noise, realInput, realTargets, fakeTargets, generatorTargets, dLogits,
                metrics, r1Ones, r1Adjoint, statisticsNoise}) {
            if (t != null) {
                t.close();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this GanTrainer is closed");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Shape withBatch(int n, Shape sample) {
        int[] d = sample.dims();
        int[] out = new int[d.length + 1];
        out[0] = n;
        System.arraycopy(d, 0, out, 1, d.length);
        return Shape.of(out);
    }

    private static Shape withoutBatch(Shape s) {
        int[] d = s.dims();
        require(d.length >= 2, "expected a batch of samples (N, ...), got " + s);
        return Shape.of(java.util.Arrays.copyOfRange(d, 1, d.length));
    }

    private static String dims(Shape s) {
        String t = s.toString();
        return t.substring(1, t.length() - 1).replaceAll(",$", "");
    }
}
