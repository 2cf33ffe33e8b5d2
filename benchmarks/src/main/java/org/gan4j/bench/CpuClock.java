package org.gan4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU time of the benchmark thread, a JMH secondary result beside the wall-clock time: {@code cpuNanos} and
 * {@code calls} per iteration, whose ratio {@link BenchReport} prints as "CPU ms/op". With one compute thread (gan4j
 * {@code threads=1}: OpenBLAS and the backend's loops run on the caller; libtorch {@code set_num_threads(1)}: ops and
 * CPU autograd run on the caller) it is the work of one iteration, and it stays meaningful when other processes
 * compete for the cores, which inflates wall-clock times. With more threads it misses the workers: use wall clock.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU nanoseconds of the measured calls in this iteration. */
    public long cpuNanos;
    /** Measured calls in this iteration. */
    public long calls;

    private long start;

    @Setup(Level.Iteration)
    public void reset() {
        cpuNanos = 0;
        calls = 0;
    }

    void start() {
        start = THREADS.getCurrentThreadCpuTime();
    }

    void stop() {
        cpuNanos += THREADS.getCurrentThreadCpuTime() - start;
        calls++;
    }
}
