package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class Conv2dTest extends CpuAndReference {
    private static final double[] X_3X3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final double[] W_2X2 = {1, 2, 3, 4};

    @Test
    void knownAnswerStride1NoPadding() {
        // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], bias 0.5: y[i][j] = x[i][j] + 2 x[i][j+1]
        // + 3 x[i+1][j] + 4 x[i+1][j+1] + 0.5, i.e. 37, 47, 67, 77 plus 0.5.
        Conv2d conv = new Conv2d(1, 1, 2, 1, 0, true);
        try (Model m = new Model(f32, conv, 1); Tensor x = tensor(f32, X_3X3, 1, 1, 3, 3)) {
            set(conv.weight(), W_2X2);
            set(conv.bias(), 0.5);
            Tensor y = m.forward(x);
            assertEquals(Shape.of(1, 1, 2, 2), y.shape());
            // Small integers: exact in float.
            assertClose(new double[] {37.5, 47.5, 67.5, 77.5}, y.toDoubleArray(), 0, 1e-5, "conv s1 p0");
        }
    }

    @Test
    void knownAnswerStride2Padding1() {
        // Zero-padded x is 5x5; windows start at rows/cols 0 and 2: [0,0;0,1] -> 4*1 = 4;
        // [0,0;2,3] -> 3*2 + 4*3 = 18; [0,4;0,7] -> 2*4 + 4*7 = 36; [5,6;8,9] -> 5 + 12 + 24 + 36 = 77.
        Conv2d conv = new Conv2d(1, 1, 2, 2, 1, false);
        try (Model m = new Model(f32, conv, 1); Tensor x = tensor(f32, X_3X3, 1, 1, 3, 3);
                Tensor dy = tensor(f32, new double[] {1, 0, 0, 1}, 1, 1, 2, 2)) {
            set(conv.weight(), W_2X2);
            Tensor y = m.forward(x);
            assertEquals(Shape.of(1, 1, 2, 2), y.shape(), "Ho = floor((3 + 2 - 2) / 2) + 1 = 2");
            assertClose(new double[] {4, 18, 36, 77}, y.toDoubleArray(), 0, 1e-5, "conv s2 p1");
            // dy selects outputs (0,0) and (1,1): dW = window(0,0) + window(1,1) = [0+5, 0+6, 0+8, 1+9];
            // dx scatters w: output (0,0) touches only x[0][0] (through w[1][1] = 4); output (1,1) covers
            // x[1..2][1..2] with w = [1,2;3,4].
            Tensor dx = m.backwardToInput(dy);
            assertClose(new double[] {5, 6, 8, 10}, conv.weight().grad().toDoubleArray(), 0, 1e-5, "conv dW");
            assertClose(new double[] {4, 0, 0, 0, 1, 2, 0, 3, 4}, dx.toDoubleArray(), 0, 1e-5, "conv dx");
        }
    }

    @Test
    void multiChannelMatchesTheReference() {
        // N=2, Cin=2, Cout=3, 5x6 input (not square), k=3, stride 2, padding 1 -> Ho = floor(4/2)+1 = 3,
        // Wo = floor(5/2)+1 = 3. The reference backend computes the convolution by its direct loops, in double.
        double[] x = randn(1, 2 * 2 * 5 * 6);
        double[] w = randn(2, 3 * 2 * 3 * 3);
        double[] b = randn(3, 3);
        Conv2d conv = new Conv2d(2, 3, 3, 2, 1, true);
        Conv2d ref = new Conv2d(2, 3, 3, 2, 1, true);
        try (Model m = new Model(f32, conv, 1); Tensor xt = tensor(f32, x, 2, 2, 5, 6);
                Model mr = new Model(f64, ref, 1); Tensor xr = tensor(f64, x, 2, 2, 5, 6)) {
            set(conv.weight(), w);
            set(conv.bias(), b);
            set(ref.weight(), w);
            set(ref.bias(), b);
            Tensor y = m.forward(xt);
            assertEquals(Shape.of(2, 3, 3, 3), y.shape());
            // Float inputs are the doubles rounded (rel 6e-8); 19 products of N(0,1) values each: |y| <~ 10, so
            // absolute error <~ 19 * 4 * 6e-8 ~ 5e-6. 1e-5 absolute.
            assertClose(mr.forward(xr).toDoubleArray(), y.toDoubleArray(), 0, 1e-5, "conv against the reference");
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Conv2d conv = new Conv2d(2, 3, 3, 2, 1, true);
        try (Model m = new Model(f64, conv, 1); Tensor x = tensor(f64, randn(5, 2 * 2 * 5 * 6), 2, 2, 5, 6)) {
            randomize(m, 6, 0.5);
            // Bilinear in (x, W): central differences are exact up to rounding (~1e-16 |f| / eps ~ 1e-10).
            GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 8, null);
        }
        Conv2d stride1 = new Conv2d(3, 2, 3, 1, 1, false);
        try (Model m = new Model(f64, stride1, 1); Tensor x = tensor(f64, randn(9, 1 * 3 * 4 * 4), 1, 3, 4, 4)) {
            randomize(m, 10, 0.5);
            GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 12, null);
        }
    }

    @Test
    void rejectsBadShapesAndArguments() {
        assertThrowsWith(IllegalArgumentException.class, () -> new Conv2d(0, 3, 3, 1, 0, false), "in=0");
        assertThrowsWith(IllegalArgumentException.class, () -> new Conv2d(1, 3, 0, 1, 0, false), "kernel=0");
        assertThrowsWith(IllegalArgumentException.class, () -> new Conv2d(1, 3, 3, 0, 0, false), "stride");
        assertThrowsWith(IllegalArgumentException.class, () -> new Conv2d(1, 3, 3, 1, -1, false), "padding");
        Conv2d conv = new Conv2d(2, 3, 3, 1, 0, false);
        try (Model m = new Model(f32, conv, 1); Tensor wrongChannels = f32.allocate(1, 3, 5, 5);
                Tensor rank2 = f32.allocate(2, 50); Tensor tooSmall = f32.allocate(1, 2, 2, 2);
                Tensor good = f32.allocate(2, 2, 5, 5); Tensor dyBad = f32.allocate(2, 3, 4, 4);
                Tensor dyBatch = f32.allocate(1, 3, 3, 3)) {
            assertThrowsWith(IllegalStateException.class, () -> conv.backward(dyBad, true), "before forward");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(wrongChannels), "(N, 2, H, W)",
                    "(1, 3, 5, 5)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(rank2), "(N, 2, H, W)", "(2, 50)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(tooSmall), "(1, 2, 2, 2)");
            Tensor y = m.forward(good);
            assertEquals(Shape.of(2, 3, 3, 3), y.shape());
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyBad), "expected shape (2, 3, 3, 3)",
                    "got (2, 3, 4, 4)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyBatch), "expected shape (2, 3, 3, 3)",
                    "got (1, 3, 3, 3)");
        }
    }
}
