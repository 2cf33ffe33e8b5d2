#!/usr/bin/env bash
# gpu-check.sh - build here, run on the lent GPU machine: the GPU test suite, then the benchmarks beside PyTorch.
#
#   bash scripts/gpu-check.sh bundle   # HERE (Maven, JDK, nvcc): builds everything into build/gpu/ (< 64 MiB)
#   bash scripts/gpu-check.sh run      # THERE (no Java, no Maven): runs it from the repo root, logs under $OUT
#
# The device call, exactly (after `bundle` here):
#   run(command="bash scripts/gpu-check.sh run", carry=["build/gpu", "build/gpu-bench"], timeout_s=540)
#
# bundle: `mvn -o -q -B package -DskipTests` (the `cuda` profile compiles the kernels into the jar; the jar is
#   checked to contain them), test classes, test-scope dependencies (OpenBLAS stays: the parity suite runs the CPU
#   reference), junit-platform-console-standalone 1.14.4 (JUnit 5.14.x; fetched once with `mvn dependency:get` if
#   missing), and a jlink'd JRE (java.base, jdk.unsupported, java.management, java.logging, and java.xml for the
#   launcher's XML reports, java.desktop for the PNGs GanTraining writes) packed as jre.txz.
# run: LD_LIBRARY_PATH=/usr/local/cuda/lib64; runs every test class whose name contains Cuda or Gpu (the
#   convention for GPU tests; NoGpuTest, which is about machines without one, excepted) with -Dgan4j.gpu.required=true, so a skip is a failure; then scripts/gpu-bench.sh run
#   (gan4j's CUDA iteration benchmark and the same network in PyTorch, with ratios; its bundle build/gpu-bench is
#   made by `bundle` too); writes logs under $OUT (build/gpu/out when unset), with cuobjdump's listing of
#   the kernels' machine code; prints a table last. The GPU tests include CudaTrainingParityTest (20 DCGAN28 steps
#   against the CPU) and CudaGraphTest (graph replay against eager steps).
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
    rm -rf "$bundle_dir"
    mkdir -p "$bundle_dir/lib"
    echo "== mvn package (natives via the cuda profile when nvcc is present)"
    mvn -o -q -B package -DskipTests
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
    mvn -o -q -B dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$bundle_dir/lib"
    # JUnit comes with the console launcher; Jazzer (8 MB) only serves the parser fuzz tests, which the GPU run does
    # not select (class-name filters apply before classes are loaded).
    rm -f "$bundle_dir"/lib/junit-*.jar "$bundle_dir"/lib/opentest4j-*.jar "$bundle_dir"/lib/apiguardian-*.jar \
        "$bundle_dir"/lib/jazzer*.jar
    if [[ ! -f "$junit_jar_m2" ]]; then
        mvn -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version"
    fi
    cp "$junit_jar_m2" "$bundle_dir/junit-platform-console-standalone.jar"
    echo "== jlink JRE"
    # uncompressed modules packed with xz: 12 MiB instead of 22 (zip-compressed modules in a .tgz), which leaves
    # room under the 64 MiB carry limit for the benchmarks' jar
    # java.desktop: GanTraining writes PNG sample grids and loss plots (ImageIO, AWT), which the CUDA soak and
    # concurrency tests exercise.
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
    # The benchmarks (gan4j's CUDA iteration and the same network in PyTorch) ride on top of this bundle.
    bash scripts/gpu-bench.sh bundle
}

run() {
    local out=${OUT:-$bundle_dir/out}
    mkdir -p "$out"
    export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # GAN4J_GPU_REQUIRED=false lets `run` be tried here, where the GPU tests skip instead of failing.
    local required=${GAN4J_GPU_REQUIRED:-true}
    local work
    work=$(mktemp -d)
    # tar's xz filter needs the xz program; Python's tarfile (lzma) is the fallback
    tar -C "$work" -xJf "$bundle_dir/jre.txz" 2>/dev/null \
        || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
            "$bundle_dir/jre.txz" "$work"
    local java="$work/jre/bin/java"
    local cp="$bundle_dir/gan4j.jar:$bundle_dir/test-classes"
    for jar in "$bundle_dir"/lib/*.jar; do
        cp="$cp:$jar"
    done
    local jvm=(-Xmx16g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Duser.home="$work")
    if [[ -f "$bundle_dir/natives.ok" ]]; then
        jvm+=(-Dgan4j.native.expected=true)
    fi

    local card="none (nvidia-smi not found)"
    if command -v nvidia-smi >/dev/null; then
        card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1 || true)
        nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
    fi

    # the kernels' machine code per architecture (cuobjdump exists on the GPU machine, not where we build)
    if command -v cuobjdump >/dev/null; then
        python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read(
            "org/gan4j/backend/cuda/linux-x86_64/libgan4j_kernels.so"))' "$bundle_dir/gan4j.jar" \
            "$work/libgan4j_kernels.so" && cuobjdump -lelf -lptx "$work/libgan4j_kernels.so" > "$out/cuobjdump.txt" 2>&1 || true
    fi

    echo "== GPU tests (gan4j.gpu.required=$required)"
    local test_rc=0
    "$java" "${jvm[@]}" -Dgan4j.gpu.required="$required" -jar "$bundle_dir/junit-platform-console-standalone.jar" \
        execute --class-path "$cp" --scan-class-path "$bundle_dir/test-classes" \
        --include-classname '.*(Cuda|Gpu).*' --exclude-classname '.*NoGpu.*' --details=tree --disable-banner --disable-ansi-colors \
        --reports-dir "$out/junit" > "$out/tests.log" 2>&1 || test_rc=$?
    tail -n 40 "$out/tests.log"
    local run_count fail_count skip_count
    run_count=$(grep -oE '\[ *[0-9]+ tests started' "$out/tests.log" | grep -oE '[0-9]+' || echo "?")
    fail_count=$(grep -oE '\[ *[0-9]+ tests failed' "$out/tests.log" | grep -oE '[0-9]+' || echo "?")
    local skipped aborted
    skipped=$(grep -oE '\[ *[0-9]+ tests skipped' "$out/tests.log" | grep -oE '[0-9]+' || echo 0)
    aborted=$(grep -oE '\[ *[0-9]+ tests aborted' "$out/tests.log" | grep -oE '[0-9]+' || echo 0)
    skip_count=$((skipped + aborted))

    # The benchmarks: gan4j's CUDA iteration beside the same network in PyTorch (scripts/gpu-bench.sh).
    local bench="not run (no build/gpu-bench: run 'bundle' here first)"
    if [[ -d "$root/build/gpu-bench" ]]; then
        echo "== benchmarks"
        local bench_rc=0
        OUT="$out/bench" bash scripts/gpu-bench.sh run > "$out/bench.log" 2>&1 || bench_rc=$?
        tail -n 40 "$out/bench.log"
        bench="rc $bench_rc; tables in bench/gan4j.md and bench/compare.md"
    fi
    rm -rf "$work"

    echo
    echo "| item | value |"
    echo "| --- | --- |"
    echo "| card | $card |"
    echo "| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |"
    echo "| tests run / failed / skipped | $run_count / $fail_count / $skip_count (launcher rc $test_rc) |"
    echo "| benchmark | $bench |"
    return "$test_rc"
}

case "${1:-}" in
    bundle) bundle ;;
    run) run ;;
    *) echo "usage: $0 bundle|run" >&2; exit 2 ;;
esac
