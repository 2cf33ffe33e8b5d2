package org.gan4j.api;

import java.util.function.Consumer;

import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.Backends;
import org.gan4j.backend.Precision;

/**
 * Opens the backend a {@link TrainingConfig} names, through {@link Backends}: {@code cpu} (with the configured thread
 * count), {@code cuda}, or {@code auto} (the {@code -Dgan4j.backend} property when set, else CUDA when usable, else
 * the CPU); and the host backend the api samples and checks files on.
 */
final class BackendChoice {
    private BackendChoice() {
    }

    /**
     * @param name    {@code auto}, {@code cpu} or {@code cuda}
     * @param threads   CPU threads, 0 for every processor
     * @param precision the arithmetic (TF32 is FP32 on the CPU; BF16 there is an emulation)
     * @param log       receives the one-line reason when {@code auto} falls back to the CPU
     * @throws IllegalStateException for {@code cuda} where CUDA cannot run (the message says why)
     */
    static Backend open(String name, int threads, Precision precision, Consumer<String> log) {
        return Backends.open(name, new BackendOptions(threads, precision), log);
    }

    /** The CPU backend with {@code threads} threads (0: every processor), whatever {@code -Dgan4j.backend} says. */
    static Backend cpu(int threads) {
        return Backends.open("cpu", new BackendOptions(threads), message -> { });
    }
}
