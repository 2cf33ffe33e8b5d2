package org.gan4j.backend.cpu;

import org.gan4j.backend.RandomState;

/** A Philox stream of the CPU backend: the key and a host-side block counter (a Java {@code long}). */
public final class CpuRandomState extends RandomState {
    private long counter;

    CpuRandomState(long seed) {
        super(seed);
    }

    @Override
    public long counter() {
        return counter;
    }

    @Override
    public void setCounter(long counter) {
        this.counter = counter;
    }
}
