package org.gan4j.backend.cpu;

import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.BackendProvider;

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

    /** An F32 {@link CpuBackend} with {@code options.threads()} threads (0: every processor). */
    @Override
    public Backend create(BackendOptions options) {
        return CpuBackend.create(options.threadsOrProcessors());
    }
}
