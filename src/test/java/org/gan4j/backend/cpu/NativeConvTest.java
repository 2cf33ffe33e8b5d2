package org.gan4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The native convolution kernels are the path taken where they were built (the {@code cpu-native} Maven profile sets
 * {@code gan4j.cpu.native.expected} on x86-64, so the conv checks of {@link CpuF32FastPathTest} cannot silently test
 * only the fallback), their results do not depend on the thread count, and a backend asked for the portable path
 * takes it. Correctness against the reference is {@link CpuF32FastPathTest}'s.
 */
class NativeConvTest {
    @Test
    void nativeKernelsAreTheConvolutionPathWhereTheBuildMadeThem() {
        assumeTrue(Boolean.getBoolean("gan4j.cpu.native.expected"), "built without the cpu-native profile");
        assertTrue(NativeConv.status().usable(), NativeConv.status().reason());
        try (CpuBackend b = CpuBackend.create(1)) {
            assertTrue(b.nativeConvolutions());
            assertTrue(b.deviceDescription().contains("native AVX2+FMA"), b.deviceDescription());
            runAllPasses(b, 1);
            assertEquals(12, b.nativeConvolutionPasses());
        }
    }

    @Test
    void thePortablePathIsTakenWhenAskedFor() {
        try (CpuBackend b = CpuBackend.create(1, false)) {
            assertFalse(b.nativeConvolutions());
            runAllPasses(b, 1);
            assertEquals(0, b.nativeConvolutionPasses());
            assertTrue(b.deviceDescription().contains("im2col + OpenBLAS"), b.deviceDescription());
        }
    }

    @Test
    void thePropertySwitchesTheKernelsOffWithAReason() {
        NativeConv.Status off = NativeConv.probe("false");
        assertFalse(off.usable());
        assertTrue(off.reason().contains("-Dgan4j.cpu.native=false"), off.reason());
    }

    /**
     * Work is split by output tiles (or, for the few-channel filter gradient, by segments of the batch fixed by the
     * geometry, summed in order), each summed in a fixed order: 1, 2 and 3 threads give the same bits.
     */
    @Test
    void resultsDoNotDependOnTheThreadCount() {
        float[][] one;
        try (CpuBackend b = CpuBackend.create(1)) {
            one = runAllPasses(b, 7);
        }
        for (int threads = 2; threads <= 3; threads++) {
            try (CpuBackend b = CpuBackend.create(threads)) {
                float[][] many = runAllPasses(b, 7);
                for (int i = 0; i < one.length; i++) {
                    assertArrayEquals(one[i], many[i], "pass " + i + " with " + threads + " threads");
                }
            }
        }
    }

    /**
     * The data gradient of a batch with 4 or more samples per thread is split by samples (each part in its own
     * chunks): batch 13 on 2 and 3 threads with a workspace of 2 samples per chunk (parts of 6-7 and 4-5 samples, a
     * short last chunk) gives the bits of 1 thread, which splits by tiles.
     */
    @Test
    void theDataGradientSplitBySamplesDoesNotDependOnTheThreadCount() {
        float[][] one = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (CpuBackend b = CpuBackend.create(threads)) {
                b.convWorkspaceTarget = 8000;
                float[][] many = passes(b, new SplittableRandom(7), Shape.of(13, 24, 14, 14), Shape.of(40, 24, 4, 4));
                if (one == null) {
                    one = many;
                }
                for (int i = 0; i < one.length; i++) {
                    assertArrayEquals(one[i], many[i], "pass " + i + " with " + threads + " threads");
                }
            }
        }
    }

    /**
     * Forward, data gradient and filter gradient of a D28 conv2-like layer with awkward counts (the 16-channel
     * kernels) and of three few-channel layers (the pixel-vectorised kernels, whose filter gradient sums fixed
     * segments of the batch): one with odd sizes (the data gradient over the padded phase grid), one like D64's
     * first with dy rows in blocks of 12 and 12 (the data gradient by tap products, blocks carrying a row) and one
     * like D28's first; their outputs.
     */
    private static float[][] runAllPasses(CpuBackend b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] large = passes(b, r, Shape.of(5, 24, 14, 14), Shape.of(40, 24, 4, 4));
        float[][] three = passes(b, r, Shape.of(7, 3, 17, 19), Shape.of(20, 3, 4, 4));
        float[][] blocks = passes(b, r, Shape.of(7, 3, 48, 40), Shape.of(20, 3, 4, 4));
        float[][] one = passes(b, r, Shape.of(9, 1, 28, 28), Shape.of(64, 1, 4, 4));
        return new float[][] {large[0], large[1], large[2], three[0], three[1], three[2], blocks[0], blocks[1],
            blocks[2], one[0], one[1], one[2]};
    }

    private static float[][] passes(CpuBackend b, SplittableRandom r, Shape xs, Shape ws) {
        ConvParams p = ConvParams.of(2, 1);
        Shape ys = p.outputShape(xs, ws);
        try (Tensor x = filled(b, xs, r); Tensor w = filled(b, ws, r); Tensor dy = filled(b, ys, r);
                Tensor y = b.allocate(ys); Tensor dx = b.allocate(xs); Tensor dw = filled(b, ws, r)) {
            b.convForward(x, w, p, y);
            b.convBackwardData(dy, w, p, dx);
            b.convBackwardFilter(x, dy, p, dw);
            return new float[][] {y.toFloatArray(), dx.toFloatArray(), dw.toFloatArray()};
        }
    }

    private static Tensor filled(CpuBackend b, Shape s, SplittableRandom r) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Tensor t = b.allocate(s);
        b.copyFromHost(v, t);
        return t;
    }
}
