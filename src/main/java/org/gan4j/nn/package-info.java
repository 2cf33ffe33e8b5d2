/**
 * Layers and networks: thin forward/backward pairs over {@link org.gan4j.backend.Backend} ops, with PyTorch's
 * semantics, defaults and {@code state_dict} names. A {@link org.gan4j.nn.Model} owns a network's parameters in
 * flat buffers; layers own their activation buffers, allocated once per input shape and reused.
 */
package org.gan4j.nn;
