/**
 * Quality measures for generated samples. {@link org.gan4j.metrics.MixtureMetrics} scores points generated for a
 * 2-D Gaussian mixture ({@link org.gan4j.data.Mixture2d}): modes covered, share of high-quality points and the reverse
 * KL divergence of the mode histogram to uniform, as in the mode-collapse literature (VEEGAN, PacGAN).
 */
package org.gan4j.metrics;
