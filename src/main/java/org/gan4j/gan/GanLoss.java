package org.gan4j.gan;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * The GAN objectives, computed from the discriminator's logits {@code (N, 1)} with the backend's stable loss ops
 * ({@link Backend#bceWithLogitsLoss}, {@link Backend#squaredErrorLoss}). Each method overwrites a 1-element loss
 * tensor and the gradient with respect to the logits ({@code dlogits}, same shape as the logits). With
 * {@code BCE(x, t) = mean_i [max(x_i, 0) - x_i t_i + log(1 + exp(-|x_i|))]} (PyTorch's
 * {@code binary_cross_entropy_with_logits}) and {@code D = sigmoid(logit)}:
 *
 * <table>
 * <caption>losses</caption>
 * <tr><th></th><th>discriminator L_D</th><th>generator L_G</th></tr>
 * <tr><td>{@link #NON_SATURATING}</td><td>1/2 BCE(D(x), t_real) + 1/2 BCE(D(G(z)), t_fake)</td>
 *     <td>BCE(D(G(z)), 1) = -E log D(G(z))</td></tr>
 * <tr><td>{@link #MINIMAX}</td><td>the same</td><td>-L_D: -1/2 BCE(D(x), t_real) - 1/2 BCE(D(G(z)), 0)</td></tr>
 * <tr><td>{@link #LEAST_SQUARES}</td><td>1/2 E(D(x) - t_real)^2 + 1/2 E(D(G(z)) - t_fake)^2</td>
 *     <td>1/2 E(D(G(z)) - 1)^2</td></tr>
 * <tr><td>{@link #HINGE}</td><td>1/2 E max(0, 1 - D(x)) + 1/2 E max(0, 1 + D(G(z)))</td>
 *     <td>-E D(G(z))</td></tr>
 * </table>
 * With hard labels (t_real = 1, t_fake = 0) the discriminator loss is {@code -1/2 E log D(x) - 1/2 E log(1 - D(G(z)))}
 * and the least-squares one is LSGAN's (Mao et al. 2017, a = 0, b = c = 1) on the raw output. The hinge loss is
 * that of Lim and Ye 2017 and Miyato et al. 2018 on the raw output, with the signed targets of {@link #target}
 * (+1 real, -1 fake) fed to {@link Backend#hingeLoss}; it takes hard labels only. The 1/2 on each half
 * of L_D makes it the mean over the real and the fake batch; pytorch/examples dcgan reports the sum
 * {@code errD_real + errD_fake}, twice this value, and its gradient is twice ours (Adam does not care).
 *
 * <p>The discriminator loss is built from two halves, {@link #discriminatorTerm} on the real and on the fake logits,
 * each {@code 1/2 loss(logits, targets)}, whose sum is L_D. The generator's targets are always the hard values of
 * {@link #generatorTarget()}; label smoothing and noise ({@link Labels}) apply to the discriminator only.
 */
public enum GanLoss {
    /** The non-saturating loss of Goodfellow et al. 2014 as used by DCGAN: G maximises log D(G(z)). The default. */
    NON_SATURATING,
    /**
     * The original minimax game: L_G = -L_D. Its value includes the real half (a constant for G, see
     * {@link #generatorLoss}), but its gradient flows through the fake half only, via the loss op's scale -1/2
     * with target 0.
     */
    MINIMAX,
    /** Least-squares GAN (Mao et al. 2017): squared error on the raw discriminator output instead of BCE. */
    LEAST_SQUARES,
    /**
     * The hinge loss (Lim and Ye 2017; Miyato et al. 2018, SN-GAN; BigGAN): D minimises
     * {@code max(0, 1 - D(x)) + max(0, 1 + D(G(z)))} on its raw output, G minimises {@code -D(G(z))}.
     */
    HINGE;

    /** Lower-case name for logs and the CLI, e.g. {@code non_saturating}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@link #cliName()} (case-insensitive, '-' or '_'). */
    public static GanLoss parse(String name) {
        if (name != null) {
            for (GanLoss l : values()) {
                if (l.cliName().equalsIgnoreCase(name.replace('-', '_'))) {
                    return l;
                }
            }
        }
        throw new IllegalArgumentException("unknown GAN loss '" + name + "'; expected one of non_saturating, minimax, "
                + "least_squares, hinge");
    }

    /** True for the two losses built on binary cross-entropy (targets must lie in [0, 1]). */
    public boolean isCrossEntropy() {
        return this == NON_SATURATING || this == MINIMAX;
    }

    /**
     * The target tensor value this loss's ops take for a label ({@link Labels}: 1 real, 0 fake): the label itself,
     * except for {@link #HINGE}, whose targets are signs, {@code 2 label - 1} (+1 real, -1 fake).
     */
    public float target(float label) {
        return this == HINGE ? 2f * label - 1f : label;
    }

    /**
     * How the discriminator's raw output maps to its reported "probability" D(.): sigmoid of the logit for the
     * cross-entropy losses, the raw value (identity) for least squares and hinge.
     */
    public Activation outputActivation() {
        return isCrossEntropy() ? Activation.SIGMOID : Activation.IDENTITY;
    }

    /**
     * The generator's (hard) target for D(G(z)): 0 for minimax (it maximises D's loss on fakes), else 1 (unused by
     * hinge, whose generator loss has no target).
     */
    public float generatorTarget() {
        return this == MINIMAX ? 0f : 1f;
    }

    /**
     * One half of the discriminator loss: {@code loss[0] = 1/2 BCE(logits, targets)} (or {@code 1/2 mean (logits -
     * targets)^2} for least squares, {@code 1/2 mean max(0, 1 - targets logits)} for hinge, with targets from
     * {@link #target}) and its gradient {@code dlogits} (overwritten). Call it on the real logits with
     * real targets and on the fake logits with fake targets; L_D is the sum of the two losses.
     */
    public void discriminatorTerm(Backend backend, Tensor logits, Tensor targets, Tensor loss, Tensor dlogits) {
        apply(backend, logits, targets, 0.5f, loss, dlogits);
    }

    /**
     * The generator loss on the fake logits {@code D(G(z))} with {@code targets} (normally filled with
     * {@link #generatorTarget()}); overwrites {@code loss[0]} and {@code dlogits}.
     *
     * <p>For {@link #MINIMAX}, {@code loss[0] = -realTerm[0] - 1/2 BCE(fakeLogits, targets)}, where
     * {@code realTerm} is the real half of L_D from {@link #discriminatorTerm}: so on the same logits and targets,
     * L_G + L_D = 0 exactly (both are the same two float terms, negated). The real half does not depend on G, so
     * {@code dlogits} is the gradient of the fake half alone, {@code -1/2 (sigmoid(x) - t) / n}. The other losses
     * ignore {@code realTerm} (it may be null). For {@link #HINGE}, {@code loss[0] = -mean(fakeLogits)} and
     * {@code dlogits = -1/n}, whatever the targets.
     */
    public void generatorLoss(Backend backend, Tensor fakeLogits, Tensor targets, Tensor realTerm, Tensor loss,
            Tensor dlogits) {
        switch (this) {
            case NON_SATURATING -> apply(backend, fakeLogits, targets, 1f, loss, dlogits);
            case LEAST_SQUARES -> apply(backend, fakeLogits, targets, 0.5f, loss, dlogits);
            case HINGE -> {
                Tensor out = loss.view(0, Shape.of(1));
                backend.mean(fakeLogits, Activation.IDENTITY, out);
                backend.scale(-1f, out);
                backend.fill(-1f / fakeLogits.size(), dlogits);
            }
            case MINIMAX -> {
                if (realTerm == null) {
                    throw new IllegalArgumentException("the minimax generator loss needs the real half of the "
                            + "discriminator loss (realTerm), got null");
                }
                apply(backend, fakeLogits, targets, -0.5f, loss, dlogits);
                backend.axpy(-1f, realTerm.view(0, Shape.of(1)), loss.view(0, Shape.of(1)));
            }
        }
    }

    private void apply(Backend backend, Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        switch (this) {
            case NON_SATURATING, MINIMAX -> backend.bceWithLogitsLoss(logits, targets, scale, loss, dlogits);
            case LEAST_SQUARES -> backend.squaredErrorLoss(logits, targets, scale, loss, dlogits);
            case HINGE -> backend.hingeLoss(logits, targets, scale, loss, dlogits);
        }
    }
}
