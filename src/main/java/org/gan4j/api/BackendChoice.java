package org.gan4j.api;

import java.util.function.Consumer;
import java.util.function.Supplier;

import org.gan4j.backend.Backend;
import org.gan4j.backend.Backends;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.tensor.DType;

/**
 * Opens the backend a {@link TrainingConfig} names, through {@link Backends}: {@code cpu} (with the configured thread
 * count), {@code cuda}, or {@code auto} (the {@code -Dgan4j.backend} property when set, else CUDA when usable, else
 * the CPU).
 */
final class BackendChoice {
    private BackendChoice() {
    }

    /**
     * @param name    {@code auto}, {@code cpu} or {@code cuda}
     * @param threads CPU threads, 0 for every processor
     * @param log     receives the one-line reason when {@code auto} falls back to the CPU
     * @throws IllegalStateException for {@code cuda} where CUDA cannot run (the message says why)
     */
    static Backend open(String name, int threads, Consumer<String> log) {
        Supplier<Backend> cpu = () -> CpuBackend.create(DType.F32, threads > 0 ? threads
                : Runtime.getRuntime().availableProcessors());
        if ("auto".equals(name)) {
            // The fallback to the CPU is explained in one line (CUDA missing, driver too old, GPU out of memory).
            return Backends.auto(log, cpu);
        }
        if ("cpu".equals(name)) {
            return cpu.get();
        }
        return Backends.create(name);
    }
}
