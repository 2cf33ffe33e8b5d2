package org.gan4j.api;

import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.tensor.DType;

/** Opens the backend a {@link TrainingConfig} names: {@code cpu}, {@code cuda} or {@code auto}. */
final class BackendChoice {
    private BackendChoice() {
    }

    /**
     * @param name    {@code auto} (CUDA when available, else CPU), {@code cpu} or {@code cuda}
     * @param threads CPU threads, 0 for every processor
     */
    static Backend open(String name, int threads) {
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return switch (name) {
            case "cpu", "auto" -> CpuBackend.create(DType.F32, t);
            case "cuda" -> throw new IllegalArgumentException("the CUDA backend is not part of this build yet;"
                    + " use --backend cpu");
            default -> throw new IllegalArgumentException("backend must be auto, cpu or cuda, got '" + name + "'");
        };
    }
}
