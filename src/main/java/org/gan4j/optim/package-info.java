/**
 * Optimizers over a {@link org.gan4j.nn.Model}'s flat parameter and gradient buffers: each {@code step()} is one
 * backend op over one range ({@link org.gan4j.backend.Backend#adamStep}, {@link org.gan4j.backend.Backend#sgdStep}),
 * with PyTorch's semantics. Their state (moments, step count) lives on the backend beside the parameters and is
 * copied to the host only for checkpoints ({@link org.gan4j.optim.Optimizer#state()}).
 */
package org.gan4j.optim;
