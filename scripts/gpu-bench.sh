#!/usr/bin/env bash
# The GPU benchmark comparison in one device call: gan4j's IterationBenchmark on CUDA, then the same iteration in
# PyTorch (scripts/compare-pytorch.py: eager TF32 and CUDA-graph TF32), then both side by side with the ratios.
#
#   scripts/gpu-bench.sh bundle   # here: builds build/gpu-bench/ (benchmarks-gpu.jar, compare-pytorch.py and a
#                                 #       jlink'd JRE as jre.tgz unless build/gpu/jre.tgz of scripts/gpu-check.sh
#                                 #       exists), prints its size (all carried paths together: under 64 MiB)
#   scripts/gpu-bench.sh check    # here: runs the bundle's CPU-side part (JRE, JMH listing, FLOP counts, the
#                                 #       clean failure of the CUDA benchmark without a GPU, the script's parser)
#   scripts/gpu-bench.sh run      # on the GPU machine: unpacks the JRE, runs both benchmarks, writes $OUT/*
#
# Device call, benchmarks only: run(command="bash scripts/gpu-bench.sh run", carry=["build/gpu-bench"]).
# Tests and benchmarks in one call (after both bundles, the JRE shared):
#   run(command="bash scripts/gpu-check.sh run; bash scripts/gpu-bench.sh run", carry=["build/gpu", "build/gpu-bench"])
# Variables for `run`: CONFIGS (default all five), JMH_ARGS (default "-f 1 -wi 3 -i 5 -w 1 -r 2"), OPS=1 to add the
# op benchmarks. The jar must be built from a gan4j that has the CUDA backend (Backends.create("cuda")): rebuild the
# bundle after merging it. The GPU machine has no Java and no network (../shared/GPU.md); the bundle carries both.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=build/gpu-bench
CONFIGS=${CONFIGS:-dcgan28-64,dcgan28-256,dcgan64-64,dcgan64-128,dcgan64-512}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 3 -i 5 -w 1 -r 2}

case "${1:-}" in
bundle)
    mvn -q -B -o install -DskipTests
    mvn -q -B -o -f benchmarks/pom.xml package -DskipTests
    rm -rf "$BUNDLE" && mkdir -p "$BUNDLE"
    if [ -f build/gpu/jre.tgz ]; then
        echo "using the JRE of build/gpu (scripts/gpu-check.sh bundle)"
    else
        jlink --add-modules java.base,jdk.unsupported,java.management,java.logging \
            --strip-debug --no-header-files --no-man-pages --compress=2 --output "$BUNDLE/jre"
        tar -C "$BUNDLE" -czf "$BUNDLE/jre.tgz" jre && rm -rf "$BUNDLE/jre"
    fi
    cp benchmarks/target/benchmarks-gpu.jar "$BUNDLE/"
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
    jre=$BUNDLE/jre.tgz
    [ -f "$jre" ] || jre=build/gpu/jre.tgz
    [ -f "$jre" ] && [ -f "$BUNDLE/benchmarks-gpu.jar" ] || { echo "no bundle: run '$0 bundle' first" >&2; exit 1; }
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    tar -C "$tmp" -xzf "$jre"
    "$tmp/jre/bin/java" -version 2>&1 | head -1
    "$tmp/jre/bin/java" -jar "$BUNDLE/benchmarks-gpu.jar" -l | grep -c 'org.gan4j.bench' | sed 's/^/benchmarks listed: /'
    "$tmp/jre/bin/java" -cp "$BUNDLE/benchmarks-gpu.jar" org.gan4j.bench.FlopCounter | grep iteration
    # Without a GPU the CUDA benchmark must fail cleanly, naming the cause (not crash the JVM).
    if "$tmp/jre/bin/java" -jar "$BUNDLE/benchmarks-gpu.jar" '\.IterationBenchmark\.' -p backend=cuda -p threads=1 \
        -p config=dcgan28-64 -f 1 -wi 0 -i 1 -r 1 -foe true > "$tmp/cuda.log" 2>&1; then
        echo "CUDA benchmark ran here: a GPU is present"
    else
        grep -m1 -E 'IllegalStateException|UnsatisfiedLinkError|Exception' "$tmp/cuda.log" | cut -c1-240
        grep -q 'SIGSEGV\|hs_err' "$tmp/cuda.log" && { echo "JVM crashed" >&2; exit 1; }
        echo "CUDA benchmark failed cleanly (expected without a GPU)"
    fi
    python3 "$BUNDLE/compare-pytorch.py" --help > /dev/null && echo "compare-pytorch.py parses"
    ;;
run)
    OUT=${OUT:-build/gpu-bench-out}
    mkdir -p "$OUT"
    jre=$BUNDLE/jre.tgz
    [ -f "$jre" ] || jre=build/gpu/jre.tgz
    tar -C "$BUNDLE" -xzf "$jre"
    JAVA="$BUNDLE/jre/bin/java"
    # JavaCPP unpacks its natives under user.home: keep that inside the bundle (the fork gets it too).
    HOME_DIR="$PWD/$BUNDLE/home" && mkdir -p "$HOME_DIR"
    JAVA_OPTS=(-Duser.home="$HOME_DIR" -Dorg.bytedeco.javacpp.maxPhysicalBytes=0)
    FORK_OPTS=(-jvmArgsAppend "-Xmx4g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Duser.home=$HOME_DIR")
    export LD_LIBRARY_PATH=/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$OUT/gpu.txt" || true
    # shellcheck disable=SC2086
    "$JAVA" "${JAVA_OPTS[@]}" -jar "$BUNDLE/benchmarks-gpu.jar" '\.IterationBenchmark\.' -p backend=cuda \
        -p threads=1 -p config="$CONFIGS" $JMH_ARGS "${FORK_OPTS[@]}" -rf json -rff "$OUT/gan4j.json" \
        > "$OUT/gan4j.log" 2>&1 \
        || echo "gan4j benchmark failed: see gan4j.log" | tee -a "$OUT/gan4j.log"
    tail -n 12 "$OUT/gan4j.log"
    if [ "${OPS:-0}" = 1 ]; then
        # shellcheck disable=SC2086
        "$JAVA" "${JAVA_OPTS[@]}" -jar "$BUNDLE/benchmarks-gpu.jar" '\.OpBenchmark\.' -p backend=cuda \
            -p threads=1 -f 1 -wi 2 -i 3 -w 1 -r 1 "${FORK_OPTS[@]}" -rf json -rff "$OUT/ops.json" \
            > "$OUT/ops.log" 2>&1 || echo "op benchmark failed: see ops.log"
        [ -f "$OUT/ops.json" ] && "$JAVA" -cp "$BUNDLE/benchmarks-gpu.jar" org.gan4j.bench.BenchReport \
            "$OUT/ops.json" > "$OUT/ops.md"
    fi
    [ -f "$OUT/gan4j.json" ] && "$JAVA" -cp "$BUNDLE/benchmarks-gpu.jar" org.gan4j.bench.BenchReport \
        "$OUT/gan4j.json" > "$OUT/gan4j.md" && cat "$OUT/gan4j.md"
    gan4j_arg=()
    [ -f "$OUT/gan4j.json" ] && gan4j_arg=(--gan4j-json "$OUT/gan4j.json")
    python3 "$BUNDLE/compare-pytorch.py" --configs "$CONFIGS" "${gan4j_arg[@]}" 2>&1 | tee "$OUT/compare.md"
    ;;
*)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
