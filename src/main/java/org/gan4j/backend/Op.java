package org.gan4j.backend;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a compute op of {@link Backend}. The CUDA parity suite counts the ops it covers against the methods carrying
 * this annotation, so a new op without a parity test fails.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Op {
}
