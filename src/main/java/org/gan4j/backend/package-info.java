/**
 * The compute interface under the layers: {@link org.gan4j.backend.Backend} with coarse ops (convolution,
 * batch norm, fused bias and activation, matrix product, GAN losses, optimizers, counter-based random numbers),
 * validated in one place. Implementations: {@code cpu} (the reference and fallback) and {@code cuda}.
 */
package org.gan4j.backend;
