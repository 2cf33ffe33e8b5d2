package org.gan4j.backend.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of gan4j's native loops for the memory-bound ops ({@code src/main/cpp/cpu/gan4j_cpu_loops.h},
 * which documents each function; implemented in {@code loops.cpp}): training-mode batch norm + activation, bias +
 * activation (both directions) and Adam, bit for bit the Java loops of {@link CpuBackend} (same double-precision
 * expressions in the same order, rounded once on store), vectorised. Nothing is validated on the native side:
 * {@link CpuBackend} calls these only with shapes {@link org.gan4j.backend.Backend} has checked, and only where
 * {@link NativeConv#status()} says the native library runs here. Built and packaged as {@link CpuKernels}.
 */
@Platform(include = "gan4j_cpu_loops.h", link = "gan4j_cpu")
final class CpuLoops {
    static {
        Loader.load();
    }

    private CpuLoops() {
    }

    static native void gan4j_cpu_bn_forward(FloatPointer x, FloatPointer y, int n, int c, int s, FloatPointer gamma,
            FloatPointer beta, float eps, int act, float slope, DoublePointer stats, long from, long to);

    static native void gan4j_cpu_bn_backward(FloatPointer x, FloatPointer y, FloatPointer dy, FloatPointer dx, int n,
            int c, int s, FloatPointer gamma, FloatPointer mean, FloatPointer invStd, int act, float slope,
            DoublePointer sums, long from, long to);

    static native void gan4j_cpu_bias_act_forward(FloatPointer x, FloatPointer bias, FloatPointer y, int c, int s,
            int act, float slope, long from, long to);

    static native void gan4j_cpu_bias_act_backward(FloatPointer y, FloatPointer dy, FloatPointer dx, int n, int c,
            int s, int act, float slope, DoublePointer sums, long from, long to);

    static native void gan4j_cpu_adam(FloatPointer grad, FloatPointer param, FloatPointer m, FloatPointer v, float lr,
            double b1, double b2, double bc1, double bc2, float eps, float wd, long from, long to);
}
