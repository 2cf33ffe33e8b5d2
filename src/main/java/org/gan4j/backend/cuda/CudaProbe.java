package org.gan4j.backend.cuda;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Loader;

/**
 * Whether the CUDA backend can run here, and if not, why: the probe behind
 * {@link org.gan4j.backend.Backends#auto()}. Each step loads one library or asks the driver one question, and any
 * failure (including {@link UnsatisfiedLinkError} and {@link NoClassDefFoundError} from native loading) becomes the
 * reason; nothing is thrown. The order is the order of dependence: CUDA runtime and driver, a device, cuBLAS,
 * cuDNN, then gan4j's own kernels.
 *
 * <p><b>Threads.</b> Thread-safe: the cached answer is computed once during class initialisation.
 */
public final class CudaProbe {
    /** {@code cudaGetDeviceCount} statuses with a specific explanation. */
    static final int INSUFFICIENT_DRIVER = 35;
    static final int NO_DEVICE = 100;
    static final int SYSTEM_DRIVER_MISMATCH = 803;
    static final int COMPAT_NOT_SUPPORTED = 804;

    private CudaProbe() {
    }

    /**
     * The outcome of a probe.
     *
     * @param usable whether {@link CudaBackend#create()} can work
     * @param reason when usable, what was found (device, driver, cuDNN); otherwise why not, with the fix
     */
    public record Result(boolean usable, String reason) {
    }

    /** The answer of the first probe in this JVM (probing then), constant afterwards. */
    public static Result result() {
        return Cached.RESULT;
    }

    private static final class Cached {
        static final Result RESULT = run();
    }

    /** Probes now (loads the native libraries on first use); {@link #result()} is the cached answer. */
    static Result run() {
        int devices;
        try {
            int[] count = {0};
            int status = cudart.cudaGetDeviceCount(count);
            if (status != 0) {
                return new Result(false, deviceCountReason(status));
            }
            devices = count[0];
        } catch (Throwable t) {
            return new Result(false, librariesReason(t));
        }
        if (devices < 1) {
            return new Result(false, "no CUDA device: cudaGetDeviceCount found 0 GPUs");
        }
        int driver;
        String name;
        try {
            int[] version = {0};
            cudart.cudaDriverGetVersion(version);
            driver = version[0];
            cudaDeviceProp prop = new cudaDeviceProp();
            int status = cudart.cudaGetDeviceProperties(prop, 0);
            name = status == 0 ? prop.name().getString() + " (sm_" + prop.major() + prop.minor() + ")" : "GPU 0";
        } catch (Throwable t) {
            return new Result(false, "CUDA device query failed: " + describe(t));
        }
        try {
            Loader.load(cublas.class);
        } catch (Throwable t) {
            return new Result(false, "cuBLAS missing (libcublas.so.13, libcublasLt.so.13): " + describe(t)
                    + "; install the CUDA 13 toolkit libraries or add their folder to LD_LIBRARY_PATH");
        }
        long cudnnVersion;
        try {
            cudnnVersion = cudnn.cudnnGetVersion();
        } catch (Throwable t) {
            return new Result(false, "cuDNN 9 missing (libcudnn.so.9): " + describe(t)
                    + "; install cuDNN 9 for CUDA 13 or add its folder to LD_LIBRARY_PATH");
        }
        try {
            Loader.load(CudaKernels.class);
        } catch (Throwable t) {
            return new Result(false, "gan4j's CUDA kernels are not in this build (it was built without nvcc or with "
                    + "-P '!cuda'; rebuild with the CUDA toolkit installed): " + describe(t));
        }
        return new Result(true, name + ", CUDA driver " + version(driver) + ", cuDNN " + cudnnVersion);
    }

    /** What a failed {@code cudaGetDeviceCount} means. */
    static String deviceCountReason(int status) {
        return switch (status) {
            case INSUFFICIENT_DRIVER -> "no NVIDIA driver, or one too old for CUDA 13 (cudaGetDeviceCount returned "
                    + "35, cudaErrorInsufficientDriver); install driver 580 or newer";
            case NO_DEVICE -> "no CUDA device (cudaGetDeviceCount returned 100, cudaErrorNoDevice)";
            case SYSTEM_DRIVER_MISMATCH -> "NVIDIA driver and kernel module versions do not match (cudaGetDeviceCount "
                    + "returned 803, cudaErrorSystemDriverMismatch); reboot or reinstall the driver";
            case COMPAT_NOT_SUPPORTED -> "the CUDA forward-compatibility package does not support this GPU "
                    + "(cudaGetDeviceCount returned 804, cudaErrorCompatNotSupportedOnDevice); use the system driver";
            default -> "cudaGetDeviceCount failed with CUDA error " + status;
        };
    }

    /** What a failure to load the CUDA runtime's bindings means, judged from the loader's message. */
    static String librariesReason(Throwable t) {
        String text = describe(t);
        if (text.contains("libcuda.so")) {
            // The loader's chain of messages adds nothing a user can act on here.
            return "no NVIDIA driver (libcuda.so.1 not found)";
        }
        if (text.contains("libcudart")) {
            return "CUDA libraries missing (libcudart.so.13 not found; install CUDA 13 or add /usr/local/cuda/lib64 "
                    + "to LD_LIBRARY_PATH): " + text;
        }
        return "CUDA libraries missing or not loadable: " + text;
    }

    /** The throwable and its causes in one line. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (b.length() > 0) {
                b.append(" <- ");
            }
            b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return b.toString();
    }

    private static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }
}
