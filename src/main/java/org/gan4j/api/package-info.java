/**
 * The Java API for embedding gan4j: train a GAN ({@link org.gan4j.api.GanTraining} with a
 * {@link org.gan4j.api.TrainingConfig}), save and load checkpoints ({@link org.gan4j.api.Checkpoints}), sample a
 * trained generator ({@link org.gan4j.api.GanSampler}) and score it ({@link org.gan4j.api.Evaluation}). The
 * {@code gan4j} command line is a thin layer over these classes.
 *
 * <pre>{@code
 * // Train an MLP GAN on the 8-Gaussian ring for 2,000 steps, on the CPU.
 * TrainingConfig config = TrainingConfig.builder()
 *         .model(ModelConfig.of("mlp2d"))
 *         .dataset(DatasetConfig.ring(20_000))
 *         .trainer(TrainerConfig.builder().batchSize(256).lr(1e-3f).seed(7).build())
 *         .steps(2_000).backend("cpu").output(Path.of("runs/ring"))
 *         .build();
 * try (GanTraining training = GanTraining.create(config)) {
 *     TrainingResult result = training.run(new GanTraining.Listener() {
 *         public void onStep(GanTraining.StepReport r) {
 *             if (r.metrics() != null && r.step() % 100 == 0) System.out.println(r.metrics());
 *         }
 *     });
 *     System.out.println(result.mixture());          // modes covered, high-quality share, reverse KL
 * }
 *
 * // Sample the trained generator from many threads.
 * try (GanSampler sampler = GanSampler.load(Path.of("runs/ring"))) {
 *     float[] points = sampler.sample(1000, 42);      // (1000, 2), the same for the same seed
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> {@link org.gan4j.api.GanSampler} is safe for concurrent use. {@link org.gan4j.api.GanTraining}
 * runs on the thread that calls {@code run}; only {@code cancel()} and {@code close()} may be called from others.
 * {@link org.gan4j.api.Checkpoints} and {@link org.gan4j.api.Evaluation} are stateless. The configuration records
 * are immutable. No class keeps global mutable state; but note that OpenBLAS's thread count is process-wide (see
 * the CPU backend).
 */
package org.gan4j.api;
