package org.gan4j.gan;

/**
 * What one {@link GanTrainer#step()} measured, read from the backend on the steps the configuration asks for.
 * "D(.)" is the discriminator's mean output after {@link GanLoss#outputActivation()}: the mean sigmoid of the logits
 * for the cross-entropy losses (pytorch/examples dcgan's {@code D(x)}, {@code D(G(z))}), the raw mean for least
 * squares. On a step without a generator update ({@code dStepsPerGStep > 1}) the generator's values are NaN.
 *
 * @param step             1-based index of the step (discriminator updates so far)
 * @param lossD            L_D of this step, before the discriminator update
 * @param lossG            L_G of this step's generator update, NaN when there was none
 * @param dReal            D(x) on the real batch, before the discriminator update
 * @param dFakeBefore      D(G(z)) before the discriminator update
 * @param dFakeAfter       D(G(z)) on the same fake batch after it (in the generator step), NaN when there was none
 * @param gradNormD        L2 norm of the discriminator's whole gradient (real + fake halves)
 * @param gradNormG        L2 norm of the generator's gradient, NaN when there was no generator update
 * @param generatorStepped whether the generator was updated in this step
 */
public record StepMetrics(long step, float lossD, float lossG, float dReal, float dFakeBefore, float dFakeAfter,
        float gradNormD, float gradNormG, boolean generatorStepped) {

    /** One line for logs, in pytorch/examples dcgan's vocabulary. */
    @Override
    public String toString() {
        return String.format("step %d  Loss_D %.4f  Loss_G %.4f  D(x) %.4f  D(G(z)) %.4f / %.4f  |gD| %.3g  |gG| %.3g",
                step, lossD, lossG, dReal, dFakeBefore, dFakeAfter, gradNormD, gradNormG);
    }
}
