package org.gan4j.bench;

import java.lang.reflect.InvocationTargetException;

import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.Backends;
import org.gan4j.backend.Precision;
import org.gan4j.backend.cpu.CpuBackend;

/**
 * Creates the backend a benchmark parameter names: {@code cpu} (F32, {@code threads} threads, the native convolution
 * kernels where they run), {@code cpu-blas} (the same with every convolution through im2col + OpenBLAS, the portable
 * path, for A/B runs), {@code cpu-nowino} ({@code cpu} with the Winograd kernels switched off, as by
 * {@code -Dgan4j.cpu.winograd=false}: set before the backend's first use in this forked JVM, for A/B runs) or
 * {@code cuda}
 * (through {@code org.gan4j.backend.Backends.create("cuda")}, looked up at run time so that the benchmarks build
 * against a gan4j without the CUDA backend; the thread count does not apply to it).
 */
final class BenchBackends {
    private BenchBackends() {
    }

    static Backend create(String name, int threads) {
        return create(name, threads, Precision.TF32);
    }

    /** As {@link #create(String, int)} in {@code precision}: the CPU's bf16 is its emulation, its tf32 fp32. */
    static Backend create(String name, int threads, Precision precision) {
        if (precision != Precision.TF32) {
            return Backends.open(name, new BackendOptions(threads, precision), message -> { });
        }
        switch (name) {
            case "cpu":
                return CpuBackend.create(threads);
            case "cpu-blas":
                return CpuBackend.create(threads, false);
            case "cpu-nowino":
                System.setProperty("gan4j.cpu.winograd", "false");
                return CpuBackend.create(threads);
            case "cuda":
                try {
                    Class<?> backends = Class.forName("org.gan4j.backend.Backends");
                    return (Backend) backends.getMethod("create", String.class).invoke(null, "cuda");
                } catch (ClassNotFoundException | NoSuchMethodException e) {
                    throw new IllegalStateException("this gan4j build has no org.gan4j.backend.Backends.create(String):"
                            + " build the benchmarks against a gan4j with the CUDA backend, or pass -p backend=cpu", e);
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("could not create the CUDA backend (no GPU or driver here?): "
                            + e.getCause(), e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            default:
                throw new IllegalArgumentException(
                        "unknown backend '" + name + "': use cpu, cpu-blas, cpu-nowino or cuda");
        }
    }
}
