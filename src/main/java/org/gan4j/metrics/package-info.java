/**
 * Quality measures for generated samples. {@link org.gan4j.metrics.MixtureMetrics} scores points generated for a
 * 2-D Gaussian mixture ({@link org.gan4j.data.Mixture2d}): modes covered, share of high-quality points and the reverse
 * KL divergence of the mode histogram to uniform, as in the mode-collapse literature (VEEGAN, PacGAN).
 *
 * <p>For image datasets, {@link org.gan4j.metrics.ImageQuality} scores generated images with a small convolutional
 * {@link org.gan4j.metrics.FeatureClassifier} trained (once, cached) on the dataset's training split: the KL
 * divergence of the predicted class histogram to the data's, and the {@link org.gan4j.metrics.FrechetDistance} in
 * the classifier's feature space beside its real-vs-real floor. {@link org.gan4j.metrics.SoftmaxCrossEntropy} is the
 * classifier's loss, computed on the host.
 */
package org.gan4j.metrics;
