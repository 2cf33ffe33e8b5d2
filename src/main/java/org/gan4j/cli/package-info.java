/**
 * The {@code gan4j} command line ({@link org.gan4j.cli.Main}): {@code train}, {@code sample}, {@code eval},
 * {@code export} and {@code import}, a thin picocli layer over {@link org.gan4j.api}. Run it with {@code bin/gan4j}.
 */
package org.gan4j.cli;
