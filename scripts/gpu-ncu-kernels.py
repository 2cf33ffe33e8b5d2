#!/usr/bin/env python3
"""Summarises an `ncu --csv --metrics gpu__time_duration.sum` log (scripts/gpu-check.sh's ncu part): time per kernel
name, the share of the convolution kernels, and whether each convolution kernel's name marks a tensor-core kernel.

Tensor-core kernels are recognised by name, as cuDNN and CUTLASS name them: 'xmma', 'hmma', 'gmma', 'tensorop',
'16816', '1688', 'bf16' (or 'tf32') in the kernel name; cuDNN's FP32 kernels (implicit_convolve_sgemm, dgrad_engine,
wgrad_alg0_engine) carry none of these. A name is a heuristic, not a proof: the Nsight report itself stays in the
archive.

Usage: python3 scripts/gpu-ncu-kernels.py ncu.csv
"""
import csv
import sys

TENSOR = ("xmma", "hmma", "gmma", "tensorop", "16816", "1688", "bf16", "tf32")
CONV = ("conv", "dgrad", "wgrad", "fprop", "sgemm", "xmma", "cutlass", "gemm", "implicit")


def main(path):
    times = {}
    with open(path, newline="") as f:
        lines = [ln for ln in f if ln.startswith('"')]  # ncu prints its own lines before the CSV
    for row in csv.DictReader(lines):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        name = row.get("Kernel Name", "?")
        value = float(row.get("Metric Value", "0").replace(",", ""))
        scale = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3}.get(row.get("Metric Unit", "nsecond"), 1e-3)
        times[name] = times.get(name, 0.0) + value * scale
    if not times:
        print("no kernels in " + path)
        return 1
    total = sum(times.values())
    conv = {k: v for k, v in times.items() if any(c in k.lower() for c in CONV)}
    tensor = {k: v for k, v in conv.items() if any(t in k.lower() for t in TENSOR)}
    print("| kernel (first 90 characters) | us | share | convolution | tensor cores by name |")
    print("| --- | --- | --- | --- | --- |")
    for k, v in sorted(times.items(), key=lambda kv: -kv[1])[:25]:
        print("| %s | %.1f | %.1f%% | %s | %s |" % (k[:90].replace("|", "/"), v, 100 * v / total,
              "yes" if k in conv else "", "yes" if k in tensor else ""))
    print("\nkernels: %d names, %.1f us in all; convolution/gemm kernels %.1f%% of the time, of which %.1f%% in "
          "tensor-core kernels (by name)" % (len(times), total, 100 * sum(conv.values()) / total,
                                             100 * sum(tensor.values()) / max(sum(conv.values()), 1e-9)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
