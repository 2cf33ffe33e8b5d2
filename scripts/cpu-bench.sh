#!/usr/bin/env bash
# The CPU benchmarks of issue 14 in one run (meant for an idle machine; ~10-15 minutes on the 2-core VM):
#   1. the FMA units' peak per core (benchmarks/src/main/c/fma_peak.c, thread CPU time);
#   2. the training iteration beside libtorch: IterationBenchmark (backend cpu: the native convolution kernels) and
#      LibtorchIterationBenchmark at dcgan28-64, dcgan28-256, dcgan64-64 with 1 and 2 threads, plus PeakBenchmark
#      (OpenBLAS sgemm on one core), in one JMH run;
#   3. the convolution primitives at one thread (OpBenchmark, batch 64), native kernels (backend cpu) and
#      im2col + OpenBLAS (backend cpu-blas) A/B in one JMH run, GFLOP/s and share of the peak by CPU time.
# Prints the machine state, then BenchReport's tables; raw JSON and logs go to OUT (default build/cpu-bench/).
#
#   scripts/cpu-bench.sh            # builds the benchmarks jar first when it is missing (mvn -o, offline)
#   BUILD=1 scripts/cpu-bench.sh    # rebuilds it in any case
# Variables: CONFIGS (default dcgan28-64,dcgan28-256,dcgan64-64), THREADS (default 1,2), ITER_ARGS (default
# "-f 1 -wi 2 -i 4 -w 2 -r 3"), LAYERS (default d28.conv1,d28.conv2,d64.conv1,d64.conv2,d64.conv3,d64.conv4; the
# first layers, 1 and 3 input channels, are also G28's and G64's last transposed convolutions, with the passes'
# roles swapped), OP_ARGS (default "-f 1 -wi 2 -i 3 -w 1 -r 1"), OPS=0 to skip step 3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build/cpu-bench}
CONFIGS=${CONFIGS:-dcgan28-64,dcgan28-256,dcgan64-64}
THREADS=${THREADS:-1,2}
ITER_ARGS=${ITER_ARGS:--f 1 -wi 2 -i 4 -w 2 -r 3}
LAYERS=${LAYERS:-d28.conv1,d28.conv2,d64.conv1,d64.conv2,d64.conv3,d64.conv4}
OP_ARGS=${OP_ARGS:--f 1 -wi 2 -i 3 -w 1 -r 1}
JAR=benchmarks/target/benchmarks.jar

mkdir -p "$OUT"
if [[ ! -f $JAR || -n ${BUILD:-} ]]; then
    echo "building $JAR ..."
    mvn -o -q -B -DskipTests -P '!cuda' -f benchmarks/reactor.xml package
fi

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') (family $(lscpu | sed -n 's/^CPU family: *//p'),\
 model $(lscpu | sed -n 's/^Model: *//p')), $(nproc) cores, flags:\
 $(grep -o -w -E 'avx2|fma|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "load before: $(uptime)"
} | tee "$OUT/env.txt"

gcc -O2 -mavx2 -mfma benchmarks/src/main/c/fma_peak.c -o "$OUT/fma_peak"
FMA=$("$OUT/fma_peak" | awk '$1 > m { m = $1 } END { printf "%.1f", m }')
echo "FMA peak: $FMA GFLOP/s on one core (best of 5, thread CPU time)" | tee -a "$OUT/env.txt"

echo "== iteration beside libtorch ($CONFIGS, threads $THREADS) =="
# shellcheck disable=SC2086
java -jar "$JAR" '\.(Libtorch)?IterationBenchmark\.|\.PeakBenchmark\.' -p backend=cpu -p config="$CONFIGS" \
    -p threads="$THREADS" $ITER_ARGS -rf json -rff "$OUT/iteration.json" > "$OUT/iteration.log" 2>&1
echo "load after the iteration run: $(uptime)" | tee -a "$OUT/env.txt"
java -cp "$JAR" org.gan4j.bench.BenchReport "$OUT/iteration.json" | tee "$OUT/iteration.md"

if [[ ${OPS:-1} != 0 ]]; then
    echo "== convolution primitives, one thread, batch 64: native (cpu) vs im2col + OpenBLAS (cpu-blas) =="
    # shellcheck disable=SC2086
    java -jar "$JAR" '\.OpBenchmark\.conv|\.PeakBenchmark\.' -p backend=cpu,cpu-blas -p threads=1 -p batch=64 \
        -p layer="$LAYERS" $OP_ARGS -rf json -rff "$OUT/ops.json" > "$OUT/ops.log" 2>&1
    echo "load after the op run: $(uptime)" | tee -a "$OUT/env.txt"
    java -Dgan4j.fmaPeak="$FMA" -cp "$JAR" org.gan4j.bench.BenchReport "$OUT/ops.json" | tee "$OUT/ops.md"
fi
echo "(raw JSON, logs and tables in $OUT/; '% of peak' is of PeakBenchmark's sgemm rate, then by CPU time of it and"
echo " of the FMA peak)"
