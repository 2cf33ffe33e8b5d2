/** Builders for the networks gan4j ships: the DCGAN of pytorch/examples (64x64), a 28x28 DCGAN, and 2-D MLPs. */
package org.gan4j.models;
