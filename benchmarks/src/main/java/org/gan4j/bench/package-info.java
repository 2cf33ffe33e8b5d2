/**
 * JMH benchmarks of gan4j and their report: a whole DCGAN training iteration ({@link IterationBenchmark}), each
 * backend op at the real DCGAN layer shapes ({@link OpBenchmark}), the same iteration in libtorch as the CPU peer
 * ({@link LibtorchIterationBenchmark}), FLOP and byte counts from the layer shapes ({@link FlopCounter},
 * {@link OpCases}), a per-op profile of one iteration ({@link OpProfile}), and {@link BenchReport}, which turns
 * JMH's JSON result into time, images/s and GFLOP/s (or GB/s) per row. See BENCHMARKS.md at the repository root.
 */
package org.gan4j.bench;
