#!/usr/bin/env bash
# gpu-check.sh - build here, run on the lent GPU machine: the GPU test suite, the CLI end to end on CUDA, then the
# benchmarks beside PyTorch.
#
#   bash scripts/gpu-check.sh bundle   # HERE (Maven, JDK, nvcc), from a fresh clone: builds build/gpu/ and
#                                      # build/gpu-bench/ (< 64 MiB together)
#   bash scripts/gpu-check.sh run      # THERE (no Java, no Maven): runs it from the repo root
#
# The device call, exactly (after `bundle` here):
#   run(command="bash scripts/gpu-check.sh run", carry=["build/gpu", "build/gpu-bench"], timeout_s=590)
# PARTS="tests bench ncu" (the default) picks what `run` does; add cli (about a minute more), e.g. PARTS="tests cli"
# then PARTS="bench ncu" in two calls; ops (about a minute: the float32 and bf16 NHWC batch-norm op benchmarks with
# GB/s beside the card's HBM bandwidth) fits beside tests or ncu, e.g. PARTS="tests ops".
#
# bundle: one Maven build, `mvn -q -B -DskipTests -f benchmarks/reactor.xml package` (gan4j and its benchmarks in
#   one reactor: no `mvn install`, so nothing beyond what that build itself resolves; the `cuda` profile compiles
#   the kernels into the jar, which is checked to contain them; GAN4J_MVN_FLAGS adds flags such as -o), test
#   classes, test-scope dependencies, junit-platform-console-standalone 1.14.4 (fetched once with
#   `mvn dependency:get` if missing), and a jlink'd JRE (java.base, jdk.unsupported, java.management, java.logging,
#   java.xml for the launcher's XML reports, java.desktop for the PNGs the CLI writes) packed as jre.txz; then
#   scripts/gpu-bench.sh bundle (benchmark classes, JMH, compare-pytorch.py).
# run: LD_LIBRARY_PATH=/usr/local/cuda/lib64; prints card and date first; then
#   tests: every test class whose name contains Cuda or Gpu (NoGpuTest, which is about machines without one,
#     excepted) with -Dgan4j.gpu.required=true, so a skip is a failure;
#   cli:   org.gan4j.cli.Main train --backend cuda on dcgan64 (synthetic 64x64 images, 600 steps, batch 128), on
#     the 2-D ring (mlp2d, 3000 steps) and a conditional dcgan28 with spectral norm, --ema and a step schedule
#     (synthetic shapes, 300 steps), and checks each run folder for sample grids, losses.png, metrics.csv,
#     summary.json;
#   bench: scripts/gpu-bench.sh run (gan4j's CUDA iteration in TF32 and bf16, eager and CUDA graph, then PyTorch's
#     five modes beside it, one table with the ratios; the CLI pipeline benchmark only with PIPELINE=1);
#   ncu:   (before bench) Nsight Compute over 200 kernels of a bf16 dcgan64 batch-128 CLI run (after its first
#     steps planned the convolutions; NCU_PRECISIONS="bf16 tf32" adds TF32): per-kernel time and which convolution
#     kernels are tensor-core kernels by name (scripts/gpu-ncu-kernels.py); skipped cleanly where ncu is missing;
#   last a table: card, date, tests run/failed/skipped, each CLI run's images/s and files, the benchmark's state.
#   Logs go to $OUT (build/gpu/out when unset) and are packed at the end into one archive, $OUT/gpu-check.tar.gz
#   (if the call is cut short, the loose logs are there instead). Estimated time on an H200 (not yet measured with
#   the bf16 rows): tests ~2 min (the bf16 parity suite adds 104 tests; CudaTrainingParityTest's 8 stabiliser runs,
#   20 steps on each backend, perhaps half a minute more), bench ~5-6 min (IterationBenchmark 20 trials
#   ~3 min, PyTorch 25 runs ~2.5 min), ncu ~1 min; cli ~1 min when asked for.
#   `GAN4J_GPU_REQUIRED=false bash scripts/gpu-check.sh run` checks the bundle here first: every GPU test skips.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
bundle_dir="$root/build/gpu"
junit_version=1.14.4
junit_jar_m2="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$junit_version/junit-platform-console-standalone-$junit_version.jar"

# Static checks of the native build (no GPU needed): every `static native` method of CudaKernels has its JNI
# symbol in libjniCudaKernels.so, and every gan4j_* launcher the glue calls is defined in libgan4j_kernels.so.
check_natives() {
    local dir=target/classes/org/gan4j/backend/cuda/linux-x86_64
    local java_natives jni_symbols undefined defined
    java_natives=$(grep -oE 'static native [a-z]+ gan4j_[a-z0-9_]+' src/main/java/org/gan4j/backend/cuda/CudaKernels.java \
        | awk '{print $4}' | sort)
    jni_symbols=$(nm -D --defined-only "$dir/libjniCudaKernels.so" \
        | grep -oE 'Java_org_gan4j_backend_cuda_CudaKernels_[A-Za-z0-9_]+' \
        | sed -e 's/^Java_org_gan4j_backend_cuda_CudaKernels_//' -e 's/_1/_/g' | sort)
    if [[ "$java_natives" != "$jni_symbols" ]]; then
        echo "JNI glue and CudaKernels disagree:" >&2
        diff <(echo "$java_natives") <(echo "$jni_symbols") >&2 || true
        exit 1
    fi
    undefined=$(nm -D --undefined-only "$dir/libjniCudaKernels.so" | awk '{print $2}' | grep '^gan4j_' | sort)
    defined=$(nm -D --defined-only "$dir/libgan4j_kernels.so" | awk '{print $3}' | grep '^gan4j_' | sort)
    if [[ -n "$(comm -23 <(echo "$undefined") <(echo "$defined"))" ]]; then
        echo "launchers missing from libgan4j_kernels.so: $(comm -23 <(echo "$undefined") <(echo "$defined"))" >&2
        exit 1
    fi
    echo "== natives: $(echo "$java_natives" | wc -l) JNI methods resolve, launchers defined"
}

bundle() {
    rm -rf "$bundle_dir" target/bench-lib
    mkdir -p "$bundle_dir/lib"
    local mvn=(mvn ${GAN4J_MVN_FLAGS:-} -q -B)
    echo "== mvn package: gan4j (natives via the cuda profile when nvcc is present) and its benchmarks, one reactor"
    "${mvn[@]}" -DskipTests -f benchmarks/reactor.xml package -Dgan4j.bench.libs="$root/target/bench-lib"
    if [[ -x /usr/local/cuda/bin/nvcc ]]; then
        for lib in libgan4j_kernels.so libjniCudaKernels.so; do
            if ! jar tf target/gan4j.jar | grep -q "^org/gan4j/backend/cuda/linux-x86_64/$lib\$"; then
                echo "target/gan4j.jar lacks org/gan4j/backend/cuda/linux-x86_64/$lib: the native build failed" >&2
                exit 1
            fi
        done
        check_natives
        touch "$bundle_dir/natives.ok" # run mode then expects the kernels (gan4j.native.expected)
    fi
    cp target/gan4j.jar "$bundle_dir/"
    cp -r target/test-classes "$bundle_dir/test-classes"
    echo "== test-scope dependencies"
    "${mvn[@]}" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DincludeScope=test \
        -DoutputDirectory="$bundle_dir/lib"
    # JUnit comes with the console launcher; Jazzer (8 MB) only serves the parser fuzz tests, which the GPU run does
    # not select (class-name filters apply before classes are loaded).
    rm -f "$bundle_dir"/lib/junit-*.jar "$bundle_dir"/lib/opentest4j-*.jar "$bundle_dir"/lib/apiguardian-*.jar \
        "$bundle_dir"/lib/jazzer*.jar
    if [[ ! -f "$junit_jar_m2" ]]; then # the one download outside the build (so not offline, whatever the flags)
        mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
            -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version"
    fi
    cp "$junit_jar_m2" "$bundle_dir/junit-platform-console-standalone.jar"
    echo "== jlink JRE"
    # uncompressed modules packed with xz: 12 MiB instead of 22 (zip-compressed modules in a .tgz), which leaves
    # room under the 64 MiB carry limit for the benchmarks' jar
    # java.desktop: the CLI writes PNG sample grids and loss plots (ImageIO, AWT), which the CLI runs and the CUDA
    # soak and concurrency tests exercise.
    jlink --add-modules java.base,jdk.unsupported,java.management,java.logging,java.xml,java.desktop \
        --strip-debug --no-header-files --no-man-pages --compress=0 --output "$bundle_dir/jre"
    tar -C "$bundle_dir" -cJf "$bundle_dir/jre.txz" jre
    rm -rf "$bundle_dir/jre"
    local size
    size=$(du -sm "$bundle_dir" | cut -f1)
    echo "== build/gpu: ${size} MiB"
    if (( size >= 64 )); then
        echo "build/gpu is ${size} MiB: over the 64 MiB that a device call carries" >&2
        exit 1
    fi
    # The benchmarks (gan4j's CUDA iteration, the CLI pipeline, the same network in PyTorch) ride on top.
    bash scripts/gpu-bench.sh bundle
}

# One CLI training run on CUDA into $1 (a run folder) with the remaining arguments; prints a table cell. Uses the
# java and jvm of run().
cli_run() {
    local dir=$1
    shift
    local rc=0
    "$java" "${jvm[@]}" -Djava.awt.headless=true -cp "$bundle_dir/gan4j.jar:$bundle_dir/lib/*" org.gan4j.cli.Main \
        train --backend cuda --out "$dir" "$@" > "$dir.log" 2>&1 || rc=$?
    local files=""
    local f
    for f in metrics.csv losses.png summary.json; do
        [[ -s "$dir/$f" ]] && files="$files $f"
    done
    local grids
    grids=$(find "$dir/samples" -name '*.png' 2>/dev/null | wc -l)
    local ips
    ips=$(grep -oE '"images_per_second" *: *[0-9.]+' "$dir/summary.json" 2>/dev/null | grep -oE '[0-9.]+$' || true)
    echo "rc $rc; ${ips:-?} images/s; $grids sample grids;${files:- no output files}"
}

# Nsight Compute over 200 kernels of a CLI training run in each of NCU_PRECISIONS (default bf16; "bf16 tf32" adds
# the TF32 run for comparison) (dcgan64, batch 128, synthetic data), at most 100 s each,
# after the first 5000 launches (cudnnFind's trials and the first steps; 60 steps make well over 5200); the summaries go to $1/ncu-<precision>.md. Prints a table cell.
ncu_pass() {
    local logs=$1
    if ! command -v ncu >/dev/null; then
        echo "skipped: no ncu here"
        return 0
    fi
    local cell="" precision
    for precision in ${NCU_PRECISIONS:-bf16}; do
        local dir="$logs/ncu-$precision"
        local rc=0
        timeout 100 ncu --clock-control none --metrics gpu__time_duration.sum --csv --launch-skip 5000 \
            --launch-count 200 "$java" "${jvm[@]}" -Djava.awt.headless=true \
            -cp "$bundle_dir/gan4j.jar:$bundle_dir/lib/*" org.gan4j.cli.Main train --backend cuda --precision \
            "$precision" --model dcgan64 --dataset synthetic --dataset-size 2048 --steps 60 -b 128 --out "$dir" \
            > "$dir.csv" 2> "$dir.err" || rc=$?
        python3 scripts/gpu-ncu-kernels.py "$dir.csv" > "$dir.md" 2>&1 || true
        { echo "== ncu $precision (rc $rc)"; tail -n 30 "$dir.md"; } >&2
        cell="$cell $precision: rc $rc, $(tail -n 1 "$dir.md" | cut -c1-160);"
        rm -rf "$dir/checkpoints"
    done
    echo "$cell"
}

run() {
    local out=${OUT:-$bundle_dir/out}
    local logs="$out/logs"
    mkdir -p "$logs"
    export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # GAN4J_GPU_REQUIRED=false lets `run` be tried here, where the GPU tests skip instead of failing.
    local required=${GAN4J_GPU_REQUIRED:-true}
    local parts=${PARTS:-tests bench ncu}
    local work
    work=$(mktemp -d)
    # tar's xz filter needs the xz program; Python's tarfile (lzma) is the fallback
    tar -C "$work" -xJf "$bundle_dir/jre.txz" 2>/dev/null \
        || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
            "$bundle_dir/jre.txz" "$work"
    java="$work/jre/bin/java"
    local cp="$bundle_dir/gan4j.jar:$bundle_dir/test-classes"
    for jar in "$bundle_dir"/lib/*.jar; do
        cp="$cp:$jar"
    done
    jvm=(-Xmx16g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Duser.home="$work")
    if [[ -f "$bundle_dir/natives.ok" ]]; then
        jvm+=(-Dgan4j.native.expected=true)
    fi

    local card="none (nvidia-smi not found)"
    if command -v nvidia-smi >/dev/null; then
        card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1 || true)
        nvidia-smi > "$logs/nvidia-smi.txt" 2>&1 || true
    fi
    local started
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    echo "== card: $card; date: $started; parts: $parts"

    # the kernels' machine code per architecture (cuobjdump exists on the GPU machine, not where we build)
    if command -v cuobjdump >/dev/null; then
        python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read(
            "org/gan4j/backend/cuda/linux-x86_64/libgan4j_kernels.so"))' "$bundle_dir/gan4j.jar" \
            "$work/libgan4j_kernels.so" && cuobjdump -lelf -lptx "$work/libgan4j_kernels.so" > "$logs/cuobjdump.txt" 2>&1 || true
    fi

    local test_rc=0 run_count="not run" fail_count="-" skip_count="-"
    if [[ " $parts " == *" tests "* ]]; then
        echo "== GPU tests (gan4j.gpu.required=$required)"
        "$java" "${jvm[@]}" -Dgan4j.gpu.required="$required" -jar "$bundle_dir/junit-platform-console-standalone.jar" \
            execute --class-path "$cp" --scan-class-path "$bundle_dir/test-classes" \
            --include-classname '.*(Cuda|Gpu).*' --exclude-classname '.*NoGpu.*' --details=tree --disable-banner \
            --disable-ansi-colors --reports-dir "$logs/junit" > "$logs/tests.log" 2>&1 || test_rc=$?
        tail -n 40 "$logs/tests.log"
        run_count=$(grep -oE '\[ *[0-9]+ tests started' "$logs/tests.log" | grep -oE '[0-9]+' || echo "?")
        fail_count=$(grep -oE '\[ *[0-9]+ tests failed' "$logs/tests.log" | grep -oE '[0-9]+' || echo "?")
        local skipped aborted
        skipped=$(grep -oE '\[ *[0-9]+ tests skipped' "$logs/tests.log" | grep -oE '[0-9]+' || echo 0)
        aborted=$(grep -oE '\[ *[0-9]+ tests aborted' "$logs/tests.log" | grep -oE '[0-9]+' || echo 0)
        skip_count="$skipped skipped, $aborted aborted"
    fi

    local cli_dcgan="not run" cli_ring="not run" cli_conditional="not run"
    if [[ " $parts " == *" cli "* ]]; then
        echo "== CLI on CUDA: dcgan64 (synthetic 64x64, 600 steps, batch 128), ring (mlp2d, 3000 steps), conditional"
        echo "   dcgan28 with spectral norm, an average of G and a step schedule (synthetic shapes, 300 steps)"
        cli_dcgan=$(cli_run "$logs/cli-dcgan64" --model dcgan64 --dataset synthetic --dataset-size 8192 \
            --steps 600 -b 128)
        cli_ring=$(cli_run "$logs/cli-ring" --dataset ring --steps 3000 -b 128 --lr-d 1e-3 --lr-g 1e-3)
        cli_conditional=$(cli_run "$logs/cli-conditional" --model dcgan28 --dataset synthetic --dataset-size 8192 \
            --conditional --spectral-norm --ema 0.999 --lr-schedule step:100:0.5 --steps 300)
        tail -n 5 "$logs/cli-dcgan64.log" "$logs/cli-ring.log" "$logs/cli-conditional.log"
        # the grids and plots themselves stay in the archive; checkpoints are large and prove nothing more here
        find "$logs" -path '*/checkpoints/*' -type f -delete
    fi

    # Nsight Compute before the benchmarks: if the call is cut short, the longest part is the one cut.
    local ncu_state="not run"
    if [[ " $parts " == *" ncu "* ]]; then
        ncu_state=$(ncu_pass "$logs")
    fi

    # The batch-norm op benchmarks (float32 and bf16 NHWC), GB/s beside the card's HBM bandwidth.
    local ops="not run"
    if [[ " $parts " == *" ops "* ]]; then
        ops="not run (no build/gpu-bench: run 'bundle' here first)"
        if [[ -d "$root/build/gpu-bench" ]]; then
            echo "== batch-norm op benchmarks (float32 and bf16 NHWC)"
            local ops_rc=0
            OUT="$logs/ops" bash scripts/gpu-bench.sh ops > "$logs/ops.log" 2>&1 || ops_rc=$?
            tail -n 45 "$logs/ops.log"
            ops="rc $ops_rc; table in ops/ops.md"
        fi
    fi

    # The benchmarks: gan4j's CUDA iteration, the CLI pipeline, the same network in PyTorch (scripts/gpu-bench.sh).
    local bench="not run"
    if [[ " $parts " == *" bench "* ]]; then
        bench="not run (no build/gpu-bench: run 'bundle' here first)"
        if [[ -d "$root/build/gpu-bench" ]]; then
            echo "== benchmarks"
            local bench_rc=0
            OUT="$logs/bench" bash scripts/gpu-bench.sh run > "$logs/bench.log" 2>&1 || bench_rc=$?
            tail -n 60 "$logs/bench.log"
            bench="rc $bench_rc; tables in bench/gan4j.md, bench/pipeline.md, bench/compare.md"
        fi
    fi
    rm -rf "$work"

    {
        echo
        echo "| item | value |"
        echo "| --- | --- |"
        echo "| card | $card |"
        echo "| date | $started to $(date -u +%Y-%m-%dT%H:%M:%SZ) |"
        echo "| tests run / failed / skipped | $run_count / $fail_count / $skip_count (launcher rc $test_rc) |"
        echo "| CLI dcgan64 on CUDA | $cli_dcgan |"
        echo "| CLI ring on CUDA | $cli_ring |"
        echo "| CLI conditional dcgan28 + stabilisers on CUDA | $cli_conditional |"
        echo "| benchmark | $bench |"
        echo "| Nsight Compute kernels | $ncu_state |"
        echo "| batch-norm op benchmarks | $ops |"
    } | tee "$logs/summary.md"
    # one archive of every log (the loose files stay only if packing fails)
    tar -C "$out" -czf "$out/gpu-check.tar.gz" logs && rm -rf "$logs"
    echo "logs: $out/gpu-check.tar.gz"
    return "$test_rc"
}

case "${1:-}" in
    bundle) bundle ;;
    run) run ;;
    *) echo "usage: $0 bundle|run" >&2; exit 2 ;;
esac
