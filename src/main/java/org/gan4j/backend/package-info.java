/**
 * The compute interface under the layers: {@link org.gan4j.backend.Backend} with coarse ops (convolution,
 * batch norm, fused bias and activation, matrix product, GAN losses, optimizers, counter-based random numbers),
 * validated in one place; {@link org.gan4j.backend.Backends} opens one of the
 * {@link org.gan4j.backend.BackendProvider}s found by {@link java.util.ServiceLoader}, and callers ask its
 * {@link org.gan4j.backend.Capabilities} rather than its class. Implementations: {@code cpu} (the fast F32 path and
 * the fallback) and {@code cuda}; nothing outside them names them.
 */
package org.gan4j.backend;
