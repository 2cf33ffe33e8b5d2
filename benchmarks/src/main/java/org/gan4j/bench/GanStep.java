package org.gan4j.bench;

import org.gan4j.backend.Backend;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Shape;

/**
 * What the iteration benchmarks measure: one {@link GanTrainer#step()} of a {@link GanConfig}'s DCGAN, the loop of
 * pytorch/examples {@code dcgan/main.py} (D on a real batch, D on G(z) without a gradient into G, Adam on D, G
 * through D, Adam on G; BCE-with-logits losses, Adam lr 2e-4, betas 0.5/0.999). The real batch is filled once
 * (uniform in [-1, 1]) and reused: the benchmark measures compute, not data loading. Metrics are read back to the
 * host only every 10^6 steps (never during a benchmark), as a training run reading them every N steps would.
 * Owns the models and the trainer; not thread-safe.
 */
final class GanStep implements AutoCloseable {
    private final Backend backend;
    private final Model g;
    private final Model d;
    private final GanTrainer trainer;

    GanStep(Backend backend, GanConfig config, long seed) {
        this.backend = backend;
        this.g = new Model(backend, config.generator(), seed).initialize(Init.DCGAN, seed);
        this.d = new Model(backend, config.discriminator(), seed + 1).initialize(Init.DCGAN, seed + 1);
        TrainerConfig tc = TrainerConfig.builder().batchSize(config.batch()).seed(seed).metricsEvery(1_000_000)
                .build();
        Shape latent = config.latentShape();
        int[] sample = new int[latent.rank() - 1];
        for (int i = 1; i < latent.rank(); i++) {
            sample[i - 1] = latent.dim(i);
        }
        this.trainer = new GanTrainer(backend, g, d, Shape.of(sample), tc);
        try (org.gan4j.backend.RandomState r = backend.newRandom(seed + 2)) {
            backend.randomUniform(r, -1f, 1f, trainer.realInput());
        }
        backend.synchronize();
    }

    /** One training step; asynchronous on backends that are (call {@link Backend#synchronize()} to wait). */
    void step() {
        trainer.step();
    }

    /** Replays the step as a CUDA graph from now on where the backend can; whether it will. */
    boolean useCudaGraph() {
        return trainer.useCudaGraph(true);
    }

    /** A few generated samples, read on the host, to check the trained networks still give finite values. */
    void requireFinite() {
        for (float v : trainer.generate(4, 1)) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("the generator gives a non-finite value after the benchmark: " + v);
            }
        }
    }

    @Override
    public void close() {
        trainer.close();
        g.close();
        d.close();
        backend.synchronize();
    }
}
