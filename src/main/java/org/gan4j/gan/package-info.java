/**
 * Training generative adversarial networks: the objectives ({@link org.gan4j.gan.GanLoss}: non-saturating, minimax,
 * least squares, hinge, all from logits in stable form), the discriminator's targets ({@link org.gan4j.gan.Labels}),
 * learning-rate schedules ({@link org.gan4j.gan.LrSchedule}), and {@link org.gan4j.gan.GanTrainer}, which runs the
 * step of pytorch/examples dcgan as a fixed sequence of backend ops, optionally keeps an exponential moving average of
 * the generator's weights, keeps its metrics on the backend until asked, detects divergence, and saves and restores
 * its state for exact resume ({@link org.gan4j.gan.TrainerState}).
 *
 * <p>Typical use:
 * <pre>{@code
 * GanArchitecture arch = GanArchitecture.DCGAN64;
 * try (Backend b = Backends.create("cpu");
 *      Model g = new Model(b, arch.generator(), 1).initialize(arch.defaultInit(), 1);
 *      Model d = new Model(b, arch.discriminator(), 2).initialize(arch.defaultInit(), 2);
 *      GanTrainer t = new GanTrainer(b, g, d, arch.latentShape(), TrainerConfig.builder().build())) {
 *     for (float[] batch : batches) {
 *         b.copyFromHost(batch, t.realInput());
 *         StepMetrics m = t.step();          // null unless this step's metrics were read
 *     }
 * }
 * }</pre>
 */
package org.gan4j.gan;
