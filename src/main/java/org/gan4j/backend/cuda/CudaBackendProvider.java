package org.gan4j.backend.cuda;

import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.BackendProvider;

/**
 * The {@code cuda} backend's entry for {@link org.gan4j.backend.Backends}: usable when {@link CudaProbe} finds the
 * runtime, a device, cuBLAS, cuDNN and gan4j's kernels; preferred over the CPU (priority 100).
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    /** The probe's cached answer; never throws (e.g. NoClassDefFoundError when the CUDA presets are absent). */
    @Override
    public Availability availability() {
        return Probe.RESULT;
    }

    private static final class Probe {
        static final Availability RESULT = run();

        private static Availability run() {
            try {
                CudaProbe.Result r = CudaProbe.result();
                return new Availability(r.usable(), r.reason());
            } catch (Throwable t) {
                return new Availability(false, "CUDA libraries missing: " + t);
            }
        }
    }

    /**
     * A {@link CudaBackend} on GPU 0 in {@code options.precision()} (TF32 as {@code -Dgan4j.tf32} allows); the thread
     * count does not apply.
     */
    @Override
    public Backend create(BackendOptions options) {
        return CudaBackend.create(options.precision());
    }
}
