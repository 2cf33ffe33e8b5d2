package org.gan4j.bench;

import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's measured single-core compute peak for F32, the yardstick {@link BenchReport} sets the convolution
 * benchmarks' GFLOP/s beside: one OpenBLAS {@code sgemm} of {@value #SIZE} x {@value #SIZE} x {@value #SIZE}
 * ({@code 2 * SIZE^3} FLOPs) on one thread. A large square product is the best case of a tuned GEMM (OpenBLAS's
 * hand-written kernels reach most of the FMA units' rate on it), so it is the practical peak that an im2col + GEMM
 * convolution per core can approach; the FMA units' own limit is a little higher (BENCHMARKS.md gives both). Its CPU
 * time ({@link CpuClock}) is the whole work of the call, so {@link BenchReport} takes the peak from it when present:
 * that stays meaningful on a machine shared with other processes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class PeakBenchmark {
    /** Rows, columns and inner dimension of the product. */
    static final int SIZE = 1024;

    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;

    @Setup(Level.Trial)
    public void setUp() {
        openblas.blas_set_num_threads(1);
        long n = (long) SIZE * SIZE;
        a = new FloatPointer(n);
        b = new FloatPointer(n);
        c = new FloatPointer(n);
        for (long i = 0; i < n; i++) {
            a.put(i, (float) Math.sin(i));
            b.put(i, (float) Math.cos(i));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }

    /** One single-threaded {@code c = a * b}, its CPU time recorded beside the wall-clock time. */
    @Benchmark
    public void sgemm(CpuClock clock) {
        clock.start();
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, SIZE, SIZE, SIZE,
                1f, a, SIZE, b, SIZE, 0f, c, SIZE);
        clock.stop();
    }

    /** FLOPs of one {@link #sgemm()}. */
    static double flops() {
        return 2.0 * SIZE * SIZE * SIZE;
    }
}
