package org.gan4j.backend.cpu;

import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.BackendProvider;
import org.gan4j.backend.Precision;

/** The {@code cpu} backend's entry for {@link org.gan4j.backend.Backends}: always usable, priority 0 (the fallback). */
public final class CpuBackendProvider implements BackendProvider {
    private static final Availability USABLE = new Availability(true, "Java with OpenBLAS on the host");

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return USABLE;
    }

    /**
     * A {@link CpuBackend} with {@code options.threads()} threads (0: every processor): FP32 for FP32 and TF32 (no
     * TF32 arithmetic on the host); for BF16, a {@link Bf16EmulationBackend} over it (the reference of CUDA's bf16).
     */
    @Override
    public Backend create(BackendOptions options) {
        int threads = options.threadsOrProcessors();
        return options.precision() == Precision.BF16 ? Bf16EmulationBackend.create(threads)
                : CpuBackend.create(threads);
    }
}
