#!/usr/bin/env bash
# Builds gan4j's own CUDA kernels (the .cu files beside this script) into OUT_DIR/libgan4j_kernels.so.
# Called by Maven's `cuda` profile (pom.xml) at the compile phase; also usable by hand:
#   src/main/cpp/build.sh target/native          # rebuilds only when a source is newer than the library
#   PTXAS_VERBOSE=1 src/main/cpp/build.sh /tmp/k # prints registers, shared memory and spills per kernel
# Targets: sm_80 (A100), sm_89 (L4, RTX 4090), sm_90 (H100/H200) machine code, plus compute_90 PTX for newer GPUs.
# The CUDA runtime is linked shared (libcudart.so.13), the same one the JavaCPP cuda presets use, so streams and
# device pointers pass freely between them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
nvcc=${NVCC:-/usr/local/cuda/bin/nvcc}
lib="$out/libgan4j_kernels.so"

mkdir -p "$out"
if [[ -f "$lib" && -z "$(find "$here" -type f -newer "$lib")" && -z "${PTXAS_VERBOSE:-}" ]]; then
    exit 0
fi

ptxas=(-Xptxas --warn-on-spills)
if [[ -n "${PTXAS_VERBOSE:-}" ]]; then
    ptxas=(-Xptxas -v)
fi

tmp="$lib.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$nvcc" -std=c++17 -O3 --threads 0 -Xcompiler -fPIC -shared -cudart shared \
    -gencode=arch=compute_80,code=sm_80 \
    -gencode=arch=compute_89,code=sm_89 \
    -gencode=arch=compute_90,code=sm_90 \
    -gencode=arch=compute_90,code=compute_90 \
    "${ptxas[@]}" \
    -Xlinker -rpath -Xlinker /usr/local/cuda/lib64 \
    -o "$tmp" "$here"/*.cu
mv -f "$tmp" "$lib"
