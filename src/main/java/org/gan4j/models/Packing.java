package org.gan4j.models;

import java.util.ArrayList;
import java.util.List;

import org.gan4j.nn.Layer;
import org.gan4j.nn.Pack;
import org.gan4j.nn.Sequential;

/** PacGAN packing for the shipped discriminators: a {@link Pack} in front of a network built for packed input. */
final class Packing {
    private Packing() {
    }

    /** {@code d} itself when {@code pack} is 1, else {@code Pack(pack)} followed by {@code d}'s layers. */
    static Sequential packed(Sequential d, int pack) {
        if (pack == 1) {
            return d;
        }
        List<Layer> layers = new ArrayList<>();
        layers.add(new Pack(pack));
        layers.addAll(d.layers());
        return new Sequential(layers.toArray(Layer[]::new));
    }
}
