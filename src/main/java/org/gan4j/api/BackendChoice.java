package org.gan4j.api;

import java.util.Locale;

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
     * @throws IllegalStateException for {@code cuda} where CUDA cannot run (the message says why)
     */
    static Backend open(String name, int threads) {
        String choice = name;
        if ("auto".equals(name)) {
            String forced = System.getProperty(Backends.PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
            choice = !forced.equals("auto") ? forced : Backends.cudaStatus().usable() ? "cuda" : "cpu";
        }
        if ("cpu".equals(choice)) {
            return CpuBackend.create(DType.F32, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        }
        return Backends.create(choice);
    }
}
