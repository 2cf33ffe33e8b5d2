#!/usr/bin/env bash
# The GPU benchmarks in one device call: gan4j's IterationBenchmark on CUDA, the CLI pipeline against the step
# loop (PipelineBenchmark), then the same iteration in PyTorch (scripts/compare-pytorch.py: eager TF32, CUDA-graph
# TF32, graph bf16 autocast, graph bf16 channels_last), then gan4j and PyTorch side by side with the ratios.
#
#   scripts/gpu-bench.sh bundle   # here, called by `scripts/gpu-check.sh bundle` after its Maven build (the
#                                 #       reactor benchmarks/reactor.xml, no `mvn install`): build/gpu-bench/ holds
#                                 #       compare-pytorch.py and, on top of build/gpu, the benchmark classes and JMH
#                                 #       (~3 MB); prints the size of all carried paths together (limit 64 MiB)
#   scripts/gpu-bench.sh check    # here: runs the bundle's CPU-side part (JRE, JMH listing, FLOP counts, the
#                                 #       clean failure of the CUDA benchmark without a GPU, the script's parser)
#   scripts/gpu-bench.sh run      # on the GPU machine, called by `scripts/gpu-check.sh run` after the GPU tests
#   scripts/gpu-bench.sh ops      # on the GPU machine (scripts/gpu-check.sh's `ops` part): the batch-norm op
#                                 #       benchmarks, float32 (TF32 backend) and bf16 NHWC (BF16 backend), at the
#                                 #       DCGAN layers whose input is a convolution output, batch OP_BATCHES (default
#                                 #       128), GB/s beside the card's HBM bandwidth (HBM_GBS, known for H100/H200/A100
#                                 #       by name); about a minute
#
# The one device call (tests, CLI runs, then these benchmarks) is scripts/gpu-check.sh's:
#   run(command="bash scripts/gpu-check.sh run", carry=["build/gpu", "build/gpu-bench"], timeout_s=590)
# Variables for `run`: CONFIGS (default all five), PRECISIONS (IterationBenchmark's, default "tf32,bf16"), GRAPH
# (default "false,true": eager and CUDA-graph rows), JMH_ARGS (default "-f 1 -wi 2 -i 3 -w 1 -r 1": 20 trials of
# about 8 s), PIPELINE_ARGS (PipelineBenchmark, default "-f 1 -wi 1 -i 3 -w 2 -r 2"), PIPELINE_METHODS (default
# "cli|stepLoopGraph"; add stepLoop for the eager loop), PIPELINE=1 to add it (default 0: it does not fit one device
# call beside the bf16 rows), MODES (compare-pytorch.py's, default its five), SECONDS_PER_MODE (default 1),
# OPS=1 to add the op benchmarks.
# The GPU machine has no Java and no network (../shared/GPU.md); the bundle carries both.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=build/gpu-bench
CONFIGS=${CONFIGS:-dcgan28-64,dcgan28-256,dcgan64-64,dcgan64-128,dcgan64-512}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 2 -i 3 -w 1 -r 1}
PRECISIONS=${PRECISIONS:-tf32,bf16}
GRAPH=${GRAPH:-false,true}
PIPELINE_ARGS=${PIPELINE_ARGS:--f 1 -wi 1 -i 3 -w 2 -r 2}
PIPELINE_METHODS=${PIPELINE_METHODS:-cli|stepLoopGraph}

# CP: the benchmark jars on top of build/gpu (scripts/gpu-check.sh's bundle).
classpath() {
    if [ -d "$BUNDLE/lib" ] && [ -f build/gpu/gan4j.jar ]; then
        CP="$BUNDLE/lib/*:build/gpu/gan4j.jar:build/gpu/lib/*"
    else
        CP=
    fi
}

# The HBM bandwidth in GB/s of the card named $1 (nvidia-smi's name), or nothing when not known: the vendors' data
# sheets (H200 4.8 TB/s, H100 SXM 3.35 TB/s, H100 PCIe 2.0 TB/s, A100 80GB 2.04 TB/s, A100 40GB 1.56 TB/s).
hbm_gbs() {
    case "$1" in
        *H200*) echo 4800 ;;
        *H100*PCIe*) echo 2000 ;;
        *H100*) echo 3350 ;;
        *A100*80GB*) echo 2039 ;;
        *A100*) echo 1555 ;;
        *) echo "" ;;
    esac
}

# Sets JAVA, JAVA_OPTS, FORK_OPTS, LD_LIBRARY_PATH for a run on the GPU machine, writes the card to $OUT/gpu.txt and
# HBM_GBS (unless set) from it.
setup_run() {
    OUT=${OUT:-build/gpu-bench-out}
    mkdir -p "$OUT"
    classpath
    unpack_jre "$BUNDLE"
    JAVA="$BUNDLE/jre/bin/java"
    # JavaCPP unpacks its natives under user.home: keep that inside the bundle (the fork gets it too).
    HOME_DIR="$PWD/$BUNDLE/home" && mkdir -p "$HOME_DIR"
    JAVA_OPTS=(-Duser.home="$HOME_DIR" -Dorg.bytedeco.javacpp.maxPhysicalBytes=0)
    FORK_OPTS=(-jvmArgsAppend "-Xmx8g -Djava.awt.headless=true -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Duser.home=$HOME_DIR")
    export LD_LIBRARY_PATH=/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$OUT/gpu.txt" || true
    HBM_GBS=${HBM_GBS:-$(hbm_gbs "$(head -1 "$OUT/gpu.txt")")}
    REPORT_OPTS=()
    [ -n "$HBM_GBS" ] && REPORT_OPTS=(-Dgan4j.bench.hbmGBs="$HBM_GBS")
    return 0
}

# The JRE of build/gpu (xz-packed; Python's tarfile where the xz program is missing) into folder $1.
unpack_jre() {
    tar -C "$1" -xJf build/gpu/jre.txz 2>/dev/null \
        || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' build/gpu/jre.txz "$1"
}

case "${1:-}" in
bundle)
    # Built by scripts/gpu-check.sh bundle (mvn -f benchmarks/reactor.xml package -Dgan4j.bench.libs=...).
    jar=benchmarks/target/gan4j-benchmarks-0.1.0-SNAPSHOT.jar
    if [ ! -f build/gpu/jre.txz ] || [ ! -f build/gpu/gan4j.jar ] || [ ! -d build/gpu/lib ] || [ ! -f "$jar" ] \
        || [ ! -d target/bench-lib ]; then
        echo "no build/gpu or benchmark jars: run 'bash scripts/gpu-check.sh bundle' (it builds this bundle too)" >&2
        exit 1
    fi
    rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/lib"
    # On top of scripts/gpu-check.sh's bundle (its JRE, gan4j.jar and dependencies): the benchmark classes and JMH.
    cp "$jar" target/bench-lib/*.jar "$BUNDLE/lib/"
    cp scripts/compare-pytorch.py "$BUNDLE/"
    du -sh "$BUNDLE"/* "$BUNDLE"
    total=$(du -sb "$BUNDLE" | cut -f1)
    [ -d build/gpu ] && total=$((total + $(du -sb build/gpu | cut -f1)))
    echo "carried in all: $total bytes (limit $((64 * 1024 * 1024)))"
    if [ "$total" -gt $((64 * 1024 * 1024)) ]; then
        echo "over the 64 MiB carry limit" >&2
        exit 1
    fi
    ;;
check)
    classpath
    [ -n "$CP" ] || { echo "no bundle: run 'bash scripts/gpu-check.sh bundle' first" >&2; exit 1; }
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    unpack_jre "$tmp"
    "$tmp/jre/bin/java" -version 2>&1 | head -1
    "$tmp/jre/bin/java" -cp "$CP" org.openjdk.jmh.Main -l | grep -c 'org.gan4j.bench' | sed 's/^/benchmarks listed: /'
    "$tmp/jre/bin/java" -cp "$CP" org.gan4j.bench.FlopCounter | grep iteration
    # Without a GPU the CUDA benchmark must fail cleanly, naming the cause (not crash the JVM).
    if "$tmp/jre/bin/java" -cp "$CP" org.openjdk.jmh.Main '\.IterationBenchmark\.' -p backend=cuda -p threads=1 \
        -p config=dcgan28-64 -f 1 -wi 0 -i 1 -r 1 -foe true > "$tmp/cuda.log" 2>&1; then
        echo "CUDA benchmark ran here: a GPU is present"
    else
        grep -m1 -E 'IllegalStateException|UnsatisfiedLinkError|Exception' "$tmp/cuda.log" | cut -c1-240
        grep -q 'SIGSEGV\|hs_err' "$tmp/cuda.log" && { echo "JVM crashed" >&2; exit 1; }
        echo "CUDA benchmark failed cleanly (expected without a GPU)"
    fi
    python3 "$BUNDLE/compare-pytorch.py" --help > /dev/null && echo "compare-pytorch.py parses"
    ;;
ops)
    setup_run
    # float32 (the TF32 backend's kernels on float32 NCHW) and bf16 NHWC batch norms at the same layers and batch
    # shellcheck disable=SC2086
    "$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" org.openjdk.jmh.Main '\.OpBenchmark\.batchNorm(Forward|Backward)(Bf16)?$' \
        -p backend=cuda -p threads=1 -p batch="${OP_BATCHES:-128}" \
        -p layer=g28.bn2,d28.bn,g64.bn1,g64.bn2,g64.bn3,g64.bn4,d64.bn2,d64.bn3,d64.bn4 \
        ${OP_JMH_ARGS:--f 1 -wi 1 -i 2 -w 500ms -r 500ms} "${FORK_OPTS[@]}" -rf json -rff "$OUT/ops.json" \
        > "$OUT/ops.log" 2>&1 || echo "op benchmark failed: see ops.log" | tee -a "$OUT/ops.log"
    tail -n 5 "$OUT/ops.log"
    [ -f "$OUT/ops.json" ] && "$JAVA" "${REPORT_OPTS[@]}" -cp "$CP" org.gan4j.bench.BenchReport "$OUT/ops.json" \
        > "$OUT/ops.md" && cat "$OUT/ops.md"
    echo "HBM bandwidth used for the shares: ${HBM_GBS:-unknown card} GB/s"
    ;;
run)
    setup_run
    # shellcheck disable=SC2086
    "$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" org.openjdk.jmh.Main '\.IterationBenchmark\.' -p backend=cuda \
        -p threads=1 -p config="$CONFIGS" -p precision="$PRECISIONS" -p graph="$GRAPH" $JMH_ARGS "${FORK_OPTS[@]}" -rf json -rff "$OUT/gan4j.json" \
        > "$OUT/gan4j.log" 2>&1 \
        || echo "gan4j benchmark failed: see gan4j.log" | tee -a "$OUT/gan4j.log"
    tail -n 12 "$OUT/gan4j.log"
    if [ "${PIPELINE:-0}" = 1 ]; then
        # The CLI's pipeline (GanTraining over a synthetic dataset) against the step loop, eager and graph.
        # shellcheck disable=SC2086
        "$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" org.openjdk.jmh.Main "\.PipelineBenchmark\.($PIPELINE_METHODS)\$" -p backend=cuda \
            -p config="$CONFIGS" $PIPELINE_ARGS "${FORK_OPTS[@]}" -rf json -rff "$OUT/pipeline.json" \
            > "$OUT/pipeline.log" 2>&1 || echo "pipeline benchmark failed: see pipeline.log" | tee -a "$OUT/pipeline.log"
        [ -f "$OUT/pipeline.json" ] && "$JAVA" -cp "$CP" org.gan4j.bench.BenchReport "$OUT/pipeline.json" \
            > "$OUT/pipeline.md" && cat "$OUT/pipeline.md"
    fi
    if [ "${OPS:-0}" = 1 ]; then
        # shellcheck disable=SC2086
        "$JAVA" "${JAVA_OPTS[@]}" -cp "$CP" org.openjdk.jmh.Main '\.OpBenchmark\.' -p backend=cuda \
            -p threads=1 -f 1 -wi 2 -i 3 -w 1 -r 1 "${FORK_OPTS[@]}" -rf json -rff "$OUT/ops.json" \
            > "$OUT/ops.log" 2>&1 || echo "op benchmark failed: see ops.log"
        [ -f "$OUT/ops.json" ] && "$JAVA" "${REPORT_OPTS[@]}" -cp "$CP" org.gan4j.bench.BenchReport \
            "$OUT/ops.json" > "$OUT/ops.md"
    fi
    [ -f "$OUT/gan4j.json" ] && "$JAVA" -cp "$CP" org.gan4j.bench.BenchReport \
        "$OUT/gan4j.json" > "$OUT/gan4j.md" && cat "$OUT/gan4j.md"
    gan4j_arg=()
    [ -f "$OUT/gan4j.json" ] && gan4j_arg=(--gan4j-json "$OUT/gan4j.json" --gan4j-log "$OUT/gan4j.log")
    python3 "$BUNDLE/compare-pytorch.py" --configs "$CONFIGS" \
        --modes "${MODES:-eager,graph,graph-bf16,graph-bf16-cl,eager-bf16-cl}" --seconds "${SECONDS_PER_MODE:-1}" \
        "${gan4j_arg[@]}" 2>&1 | tee "$OUT/compare.md"
    ;;
*)
    sed -n '2,19p' "$0"
    exit 2
    ;;
esac
