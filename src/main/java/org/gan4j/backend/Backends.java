package org.gan4j.backend;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cuda.CudaBackend;
import org.gan4j.backend.cuda.CudaProbe;

/**
 * Chooses a backend: CUDA when it can run here, else the CPU, with a one-line log saying why. The choice can be
 * forced with {@code -Dgan4j.backend=cpu|cuda|auto} (or by name with {@link #create(String)}), as PyTorch code picks
 * {@code torch.device("cuda" if torch.cuda.is_available() else "cpu")}.
 *
 * <p>CUDA is probed once per JVM ({@link CudaProbe}: runtime and driver, a device, cuBLAS, cuDNN, gan4j's kernels),
 * catching every {@link Throwable} that native loading may throw; the answer is cached. The CPU path never touches
 * the CUDA libraries: with {@code -Dgan4j.backend=cpu} nothing is probed at all.
 *
 * <p><b>Threads.</b> Thread-safe: static methods only; the probe runs once (class initialisation) and its answer is
 * shared.
 */
public final class Backends {
    /** System property naming the backend: {@code cpu}, {@code cuda} or {@code auto} (the default). */
    public static final String PROPERTY = "gan4j.backend";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /** The probe's answer, computed on first use and then constant (guarded: the CUDA classes may be absent). */
    private static final class Probe {
        static final CudaProbe.Result RESULT = runProbe();

        private static CudaProbe.Result runProbe() {
            try {
                return CudaProbe.result();
            } catch (Throwable t) { // e.g. NoClassDefFoundError when the CUDA presets are not on the class path
                return new CudaProbe.Result(false, "CUDA libraries missing: " + t);
            }
        }
    }

    /** Whether the CUDA backend can run here and, if not, why (probes once, then cached). */
    public static CudaProbe.Result cudaStatus() {
        return Probe.RESULT;
    }

    /** The backend {@code -Dgan4j.backend} names, or CUDA when usable, else the CPU (logging why, at INFO). */
    public static Backend auto() {
        return auto(message -> LOG.log(System.Logger.Level.INFO, message));
    }

    /** As {@link #auto()}, sending the one-line explanation of a CPU fallback to {@code log}. */
    public static Backend auto(Consumer<String> log) {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank() && !forced.trim().equalsIgnoreCase("auto")) {
            return create(forced);
        }
        return choose("auto", cudaStatus(), CudaBackend::create, CpuBackend::create, log);
    }

    /**
     * As {@link #auto(Consumer)}, opening the CPU backend with {@code openCpu} (for a configured thread count) and
     * falling back to it, with one line to {@code log}, when CUDA cannot run or fails to start.
     */
    public static Backend auto(Consumer<String> log, Supplier<? extends Backend> openCpu) {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank() && !forced.trim().equalsIgnoreCase("auto")) {
            String n = forced.trim().toLowerCase(Locale.ROOT);
            return choose(n, cudaStatus(), CudaBackend::create, openCpu, log);
        }
        return choose("auto", cudaStatus(), CudaBackend::create, openCpu, log);
    }

    /**
     * The decision behind {@link #auto} and {@link #create}, with the probe's answer and the two constructors given
     * (package-private so tests can play a driver too old, no device, or a device out of memory at start):
     * {@code "cpu"} opens the CPU; {@code "cuda"} opens CUDA or throws {@link IllegalStateException} naming the
     * probe's reason; {@code "auto"} opens CUDA when the probe says it is usable and it starts, else the CPU, sending
     * one line saying why to {@code log}. A CUDA backend that fails to start although the probe passed (out of device
     * memory, a busy or exclusive-mode GPU) is a fallback in auto mode and an error naming the cause when forced.
     */
    static Backend choose(String name, CudaProbe.Result cuda, Supplier<? extends Backend> openCuda,
            Supplier<? extends Backend> openCpu, Consumer<String> log) {
        switch (name) {
            case "cpu":
                return openCpu.get();
            case "cuda":
                if (!cuda.usable()) {
                    throw new IllegalStateException("the CUDA backend was requested but cannot run here: "
                            + cuda.reason() + ". Use the CPU backend (-D" + PROPERTY + "=cpu) or auto.");
                }
                try {
                    return openCuda.get();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("the CUDA backend was requested but could not start on "
                            + cuda.reason() + ": " + e.getMessage() + ". Free the GPU or use the CPU backend (-D"
                            + PROPERTY + "=cpu).", e);
                }
            case "auto":
                if (cuda.usable()) {
                    try {
                        return openCuda.get();
                    } catch (RuntimeException e) {
                        log.accept("gan4j: using the CPU backend because the CUDA backend could not start on "
                                + cuda.reason() + ": " + e.getMessage());
                        return openCpu.get();
                    }
                }
                log.accept("gan4j: using the CPU backend because CUDA is not usable: " + cuda.reason());
                return openCpu.get();
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "'; use cpu, cuda or auto (-D"
                        + PROPERTY + "=...)");
        }
    }

    /**
     * A backend by name: {@code "cpu"} ({@link CpuBackend#create()}), {@code "cuda"} ({@link CudaBackend#create()})
     * or {@code "auto"} ({@link #auto()}).
     *
     * @throws IllegalArgumentException for another name
     * @throws IllegalStateException    for {@code "cuda"} where CUDA cannot run, with the probe's reason
     */
    public static Backend create(String name) {
        if (name == null) {
            throw new IllegalArgumentException("backend name must not be null; use cpu, cuda or auto");
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "cpu" -> CpuBackend.create();
            case "cuda" -> choose(n, cudaStatus(), CudaBackend::create, CpuBackend::create, message -> { });
            case "auto" -> auto();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; use cpu, cuda or auto (-D"
                    + PROPERTY + "=...)");
        };
    }
}
