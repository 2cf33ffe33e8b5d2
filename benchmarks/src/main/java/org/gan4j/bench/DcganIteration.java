package org.gan4j.bench;

import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Tensor;

/**
 * One full DCGAN training iteration on a backend, op for op the loop of pytorch/examples {@code dcgan/main.py}
 * (and of {@link LibtorchIterationBenchmark} and {@code scripts/compare-pytorch.py}):
 * <pre>
 * D.zeroGrad; loss(D(real), 1).backward            # D on a real batch
 * z ~ N(0, 1); fake = G(z)
 * loss(D(fake), 0).backward (not into G); Adam(D)  # D on the generated batch, D's step
 * G.zeroGrad; loss(D(fake), 1).backward into G; Adam(G)
 * </pre>
 * with BCE-with-logits losses and Adam(lr 2e-4, betas 0.5/0.999, eps 1e-8) over each model's flat parameter buffer.
 * The real batch is filled once (uniform in [-1, 1]) and reused: the benchmark measures compute, not data loading.
 *
 * <p>The step mirrors {@code org.gan4j.gan.GanTrainer.step} (same op sequence); it is kept here so that the benchmark
 * is exactly the structure it is compared with and does not depend on trainer options. Not thread-safe.
 */
public final class DcganIteration implements AutoCloseable {
    private static final float LR = 2e-4f;
    private static final float BETA1 = 0.5f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    private final Backend b;
    private final Model g;
    private final Model d;
    private final RandomState rng;
    private final Tensor real;
    private final Tensor z;
    private final Tensor ones;
    private final Tensor zeros;
    private final Tensor dlogits;
    private final Tensor lossDReal;
    private final Tensor lossDFake;
    private final Tensor lossG;
    private final Tensor gm;
    private final Tensor gv;
    private final Tensor gStep;
    private final Tensor dm;
    private final Tensor dv;
    private final Tensor dStep;

    /** Builds G and D of {@code config} on {@code backend} (DCGAN initialisation, seeded) and a real batch. */
    public DcganIteration(Backend backend, GanConfig config, long seed) {
        this.b = backend;
        this.g = new Model(backend, config.generator(), seed).initialize(Init.DCGAN, seed);
        this.d = new Model(backend, config.discriminator(), seed + 1).initialize(Init.DCGAN, seed + 1);
        this.rng = backend.newRandom(seed + 2);
        this.real = backend.allocate(config.imageShape());
        backend.randomUniform(rng, -1f, 1f, real);
        this.z = backend.allocate(config.latentShape());
        int n = config.batch();
        this.ones = backend.allocate(n, 1);
        backend.fill(1f, ones);
        this.zeros = backend.allocate(n, 1);
        this.dlogits = backend.allocate(n, 1);
        this.lossDReal = backend.allocate(1);
        this.lossDFake = backend.allocate(1);
        this.lossG = backend.allocate(1);
        this.gm = backend.allocate(g.parameters().shape());
        this.gv = backend.allocate(g.parameters().shape());
        this.gStep = backend.allocate(1);
        this.dm = backend.allocate(d.parameters().shape());
        this.dv = backend.allocate(d.parameters().shape());
        this.dStep = backend.allocate(1);
        backend.synchronize();
    }

    /** One iteration; asynchronous on backends that are (call {@link Backend#synchronize()} to wait). */
    public void step() {
        d.zeroGrad();
        Tensor out = d.forward(real);
        b.bceWithLogitsLoss(out, ones, 1f, lossDReal, dlogits);
        d.backward(dlogits);
        b.randomNormal(rng, 0f, 1f, z);
        Tensor fake = g.forward(z);
        out = d.forward(fake);
        b.bceWithLogitsLoss(out, zeros, 1f, lossDFake, dlogits);
        d.backward(dlogits);
        b.adamStep(d.gradients(), LR, BETA1, BETA2, EPS, 0f, d.parameters(), dm, dv, dStep);

        g.zeroGrad();
        out = d.forward(fake);
        b.bceWithLogitsLoss(out, ones, 1f, lossG, dlogits);
        Tensor dfake = d.backwardToInput(dlogits);
        g.backward(dfake);
        b.adamStep(g.gradients(), LR, BETA1, BETA2, EPS, 0f, g.parameters(), gm, gv, gStep);
    }

    /** The three losses of the last step on the host: D on real, D on fake, G (synchronises). */
    public float[] losses() {
        return new float[] {b.readScalar(lossDReal), b.readScalar(lossDFake), b.readScalar(lossG)};
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {real, z, ones, zeros, dlogits, lossDReal, lossDFake, lossG, gm, gv, gStep, dm,
                dv, dStep}) {
            t.close();
        }
        rng.close();
        g.close();
        d.close();
    }
}
