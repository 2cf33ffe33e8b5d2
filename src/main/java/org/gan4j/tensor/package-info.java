/** Tensors: shape, dtype, and views into backend-owned storage (NCHW for images). */
package org.gan4j.tensor;
