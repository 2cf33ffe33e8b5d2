package org.gan4j.backend.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of gan4j's native CPU convolution kernels ({@code src/main/cpp/cpu/gan4j_cpu.h}, which documents
 * each function; implemented in {@code conv.cpp}; the Winograd filter gradient's in
 * {@code gan4j_cpu_winograd_filter.h} and {@code winograd_filter.cpp}, the Winograd forward pass and data
 * gradient's in {@code gan4j_cpu_winograd.h} and {@code winograd.cpp}). Nothing is validated on the native side:
 * {@link NativeConv} checks every size and offset before calling, and calls nothing unless
 * {@link #gan4j_cpu_supported()} returned 1.
 *
 * <p>The natives ({@code libjniCpuKernels.so} and {@code libgan4j_cpu.so}) are built by Maven's {@code cpu-native}
 * profile (active on x86-64, needs g++) and travel in the jar under {@code org/gan4j/backend/cpu/linux-x86_64/};
 * elsewhere loading this class throws {@link UnsatisfiedLinkError}, which {@link NativeConv#status()} reports.
 */
@Platform(include = {"gan4j_cpu.h", "gan4j_cpu_winograd_filter.h", "gan4j_cpu_winograd.h"}, link = "gan4j_cpu")
final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {
    }

    static native int gan4j_cpu_supported();

    static native void gan4j_cpu_pad(FloatPointer src, FloatPointer dst, int h, int w, int hp, int wp, int top,
            int left, long from, long to);

    static native void gan4j_cpu_pack(FloatPointer src, long ldl, int rows, IntPointer srcOff, int r,
            FloatPointer dst, long from, long to);

    static native void gan4j_cpu_igemm(FloatPointer a, FloatPointer in, IntPointer roff, int r, IntPointer base,
            int j, FloatPointer out, long outRowStride, IntPointer outOff, int rows, int accumulate, int blockTiles,
            long itemFrom, long itemTo);

    static native void gan4j_cpu_pad_columns(FloatPointer src, FloatPointer dst, int h, int w, int hp, int top,
            int left, int s, int wu, long from, long to);

    static native void gan4j_cpu_small_forward(FloatPointer w, int cout, int k, FloatPointer xs, IntPointer koff,
            long xsSample, long rowStep, int ho, int wo, FloatPointer y, int rowsPerItem, long itemFrom, long itemTo);

    static native void gan4j_cpu_small_filter(FloatPointer dy, int cout, int k, FloatPointer xs, IntPointer koff,
            long xsSample, long rowStep, int ho, int wo, int rowsPerUnit, long units, long unitsPerSegment,
            FloatPointer acc, long segFrom, long segTo);

    static native void gan4j_cpu_small_filter_sum(FloatPointer acc, long segments, int cout, int k, FloatPointer dw,
            long from, long to);

    static native void gan4j_cpu_small_data_pack(FloatPointer w, int cout, int cin, int kh, int kw, int sh, int sw,
            FloatPointer pw);

    static native void gan4j_cpu_small_data(FloatPointer dy, FloatPointer dyp, int cout, int ho, int wo, int hd,
            int wd, int top, int left, FloatPointer pw, int cin, int kh, int kw, int sh, int sw, int ph, int pwd,
            FloatPointer dx, int h, int wdx, long itemFrom, long itemTo);

    static native void gan4j_cpu_small_taps_pack(FloatPointer w, int cout, int cin, FloatPointer pt);

    static native void gan4j_cpu_small_data_s2(FloatPointer dy, int cout, int ho, int wo, FloatPointer pt, int cin,
            FloatPointer dx, int rowsPerBlock, long itemFrom, long itemTo);

    static native void gan4j_cpu_small_filter_s2(FloatPointer x, FloatPointer dy, int cin, int h, int w, int cout,
            int ho, int wo, int ph, int pw, int rowsPerUnit, long units, long unitsPerSegment, FloatPointer acc,
            long segFrom, long segTo);

    static native void gan4j_cpu_small_sum_segments(FloatPointer acc, long segments, long segFloats,
            FloatPointer dw, long from, long to);

    // Winograd F(2x2, 4x4) filter gradient of 4x4 / stride 2 / pad 1 convolutions (gan4j_cpu_winograd_filter.h).

    static native void gan4j_cpu_wf_transform(FloatPointer x, FloatPointer dy, int cnt, int cin, int h, int w,
            int cout, int ho, int wo, long rmax, FloatPointer xh, FloatPointer dyh, long itemFrom, long itemTo);

    static native void gan4j_cpu_wf_gemm(FloatPointer xh, FloatPointer dyh, int cin, int cout, long rmax, int r,
            IntPointer roff, IntPointer base, IntPointer ident, FloatPointer dw, long itemFrom, long itemTo);

    // Winograd F(4x4, 2x2) forward pass and data gradient (gan4j_cpu_winograd.h), driven by WinogradConv.

    static native void gan4j_cpu_wino_taps(FloatPointer w, int cout, int cin, int data, FloatPointer taps, long from,
            long to);

    static native void gan4j_cpu_wino_block(FloatPointer src, int channels, long plane, FloatPointer dst, long from,
            long to);

    static native void gan4j_cpu_wino_input(FloatPointer xb, int channels, int h, int w, int data, int tilesY,
            int tilesX, long stride, long colStride, FloatPointer v, long from, long to);

    static native void gan4j_cpu_wino_gemm(FloatPointer taps, FloatPointer v, IntPointer rows, IntPointer colBase,
            IntPointer ident, int k, int m, long stride, long colStride, int cols, FloatPointer mt, long from,
            long to);

    static native void gan4j_cpu_wino_output(FloatPointer mt, int m, int data, int tilesY, int tilesX, int cols,
            long stride, FloatPointer out, int oh, int ow, long from, long to);
}
