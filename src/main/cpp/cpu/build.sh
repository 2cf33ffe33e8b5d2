#!/usr/bin/env bash
# Builds gan4j's native CPU kernels (conv.cpp: convolutions, smallconv.cpp: convolutions with 1-3 image channels,
# loops.cpp: batch norm, bias + activation, Adam; beside this script) into OUT_DIR/libgan4j_cpu.so.
# Called by Maven's `cpu-native` profile (pom.xml, active on x86-64) at the compile phase; also usable by hand:
#   src/main/cpp/cpu/build.sh target/native-cpu   # rebuilds only when a source is newer than the library
# The AVX2/FMA micro-kernel is compiled for that target by a function attribute, the rest for plain x86-64, so the
# library loads on any x86-64 CPU; gan4j_cpu_supported() tells the Java side whether the kernels may run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
cxx=${CXX:-g++}
lib="$out/libgan4j_cpu.so"

mkdir -p "$out"
if [[ -f "$lib" && -z "$(find "$here" -type f -newer "$lib")" ]]; then
    exit 0
fi

tmp="$lib.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$cxx" -std=c++17 -O3 -fPIC -shared -Wall -Wextra -Werror -o "$tmp" "$here"/*.cpp
mv -f "$tmp" "$lib"
