#!/usr/bin/python3
"""Independent cross-check of gan4j's GAN training step (org.gan4j.gan.GanTrainer, DCGAN28) against PyTorch on CPU.

A developer tool (needs PyTorch and numpy; the safetensors package is not needed). Usage:

    # 1. gan4j: dump init weights, noise, real batches, per-step metrics and weights (CPU, F32, 1 thread)
    mvn -o -q -B test -Dtest=TorchCrossCheckDumpTest -Dgan4j.crosscheck.dir=/tmp/cc5                        # 5 steps
    mvn -o -q -B test -Dtest=TorchCrossCheckDumpTest -Dgan4j.crosscheck.dir=/tmp/cc200 -Dgan4j.crosscheck.steps=200
    # 2. PyTorch: replay the same steps from the same weights, noise and data; compare
    /usr/bin/python3 scripts/crosscheck_torch.py /tmp/cc5 --isolated              # about 1 minute on 1 core
    /usr/bin/python3 scripts/crosscheck_torch.py /tmp/cc200 --window 25           # about 13 minutes (--no-f64: ~3)
Options: [--no-f64] [--isolated] [--window N]. The 5-step dump takes ~40 s.

What it replays, per step s (0-based), exactly gan4j's GanTrainer.iteration with GanLoss.NON_SATURATING and
Labels.HARD (pytorch/examples dcgan with the discriminator loss halved):
    real = Fashion-MNIST train images 64s .. 64s+63 in file order, x / 127.5 - 1 (float32)
    D.zero_grad; l = D(real); L_real = 1/2 BCEWithLogits(l, 1); backward          D(x) = mean sigmoid(l)
    fake = G(z_s) (z_s from noise.safetensors); l = D(fake.detach()); L_fake = 1/2 BCEWithLogits(l, 0); backward
    L_D = L_real + L_fake; |grad D| = sqrt(sum of squares); Adam step on D        D(G(z)) before = mean sigmoid(l)
    G.zero_grad; l = D(fake) (updated D, train mode); L_G = BCEWithLogits(l, 1); backward; |grad G|; Adam step on G
with Adam(lr 2e-4, betas (0.5, 0.999), eps 1e-8), BatchNorm momentum 0.1, eps 1e-5, everything in training mode
(so D's running statistics are updated by all three D forwards, as in gan4j).

Prints, per step, gan4j's and PyTorch's metrics and their relative differences; for dumps with per-step weights
(at most 10 steps) the difference of every tensor after every step, measured on the update (w_step - w_init)
as well as on the weights; for the final weights the same; and running averages (--window) of the losses.
Unless --no-f64, PyTorch also replays the steps in float64 (same float32 inputs, converted): the rounding-free
reference. gan4j (f32) and PyTorch (f32) should then be about equally far from it; a real bug makes gan4j far
from both. Differences grow from step to step (Adam amplifies tiny gradient differences where a gradient is near
zero), so judge step 1 tightly and later steps against the t32-vs-t64 spread. --isolated (dumps of at most 10
steps) replays every step alone from gan4j's own state before it (weights, BN statistics, Adam moments) and compares
that step's metrics, gradients, weights and moments: the error of one step without the inherited drift.
"""
import argparse
import csv
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

BATCH = 64
NZ = 100
FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
METRICS = ["lossD", "lossG", "dReal", "dFakeBefore", "dFakeAfter", "gradNormD", "gradNormG"]


def read_safetensors(path):
    """name -> numpy array; the format is a u64 LE header length, a JSON header and raw little-endian data."""
    dtypes = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4"}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"]).copy()
    return out


def fashion_images(count=None):
    """The first `count` (default: all) training images as float32 (count, 1, 28, 28) in [-1, 1], as
    ByteImageDataset.get."""
    with gzip.open(FASHION, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        count = n if count is None else count
        assert magic == 2051 and rows == 28 and cols == 28 and count <= n, (magic, n, rows, cols)
        b = np.frombuffer(f.read(count * 784), dtype=np.uint8)
    return (b.astype(np.float32) / np.float32(127.5) - np.float32(1)).reshape(count, 1, 28, 28)


def build():
    """org.gan4j.models.Dcgan28, layer for layer, so that state_dict names match Model.stateDict()."""
    g = nn.Sequential(
        nn.Linear(NZ, 128 * 7 * 7, bias=False), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return g, d


def load(model, state, dtype):
    """Loads a gan4j state dict; gan4j keeps no num_batches_tracked (momentum is 0.1, so it is unused)."""
    own = model.state_dict()
    extra = set(state) - set(own)
    missing = {k for k in own if k not in state and not k.endswith("num_batches_tracked")}
    assert not extra and not missing, (extra, missing)
    for k, v in state.items():
        assert tuple(own[k].shape) == v.shape, (k, own[k].shape, v.shape)
    with torch.no_grad():
        for k, v in state.items():
            own[k].copy_(torch.from_numpy(v).to(dtype))


def grad_norm(model):
    return torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()


def adam(model):
    return torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)


def one_step(g, d, optd, optg, real, z):
    """One gan4j iteration; returns the metrics row and the gradients {"G.name"/"D.name": array} it used."""
    g.train()
    d.train()
    d.zero_grad()
    l = d(real)
    d_real = torch.sigmoid(l).mean().item()
    loss_real = 0.5 * F.binary_cross_entropy_with_logits(l, torch.ones_like(l))
    loss_real.backward()
    fake = g(z)
    l = d(fake.detach())
    d_fake_before = torch.sigmoid(l).mean().item()
    loss_fake = 0.5 * F.binary_cross_entropy_with_logits(l, torch.zeros_like(l))
    loss_fake.backward()
    loss_d = (loss_real + loss_fake).item()
    gn_d = grad_norm(d)
    grads = {"D." + k: p.grad.double().numpy().copy() for k, p in d.named_parameters()}
    optd.step()
    g.zero_grad()
    l = d(fake)
    d_fake_after = torch.sigmoid(l).mean().item()
    loss_g = F.binary_cross_entropy_with_logits(l, torch.ones_like(l))
    loss_g.backward()
    gn_g = grad_norm(g)
    grads.update({"G." + k: p.grad.double().numpy().copy() for k, p in g.named_parameters()})
    optg.step()
    return [loss_d, loss_g.item(), d_real, d_fake_before, d_fake_after, gn_d, gn_g], grads


def train(g, d, reals, zs, steps, dtype):
    optd, optg = adam(d), adam(g)
    rows, snapshots = [], []
    for s in range(steps):
        row, _ = one_step(g, d, optd, optg, torch.from_numpy(reals[s]).to(dtype), torch.from_numpy(zs[s]).to(dtype))
        rows.append(row)
        if steps <= 10:
            snapshots.append(({k: v.double().numpy().copy() for k, v in g.state_dict().items()},
                              {k: v.double().numpy().copy() for k, v in d.state_dict().items()}))
    return rows, snapshots


def isolated_steps(folder, ours, reals, zs, steps):
    """Each step replayed alone from gan4j's own state before it (weights, BN statistics, Adam moments), in float32
    and float64: the error of one step, without the drift carried over from earlier steps."""
    print("\nisolated steps: each step from gan4j's state before it; rel = max|x - y| / max|y| per tensor, worst "
          "tensor shown\n step  what                    gan4j vs t64   t32 vs t64     (worst tensor for gan4j)")
    for s in range(steps):
        name = "init" if s == 0 else f"step{s}"
        before_g = read_safetensors(os.path.join(folder, f"{name}_G.safetensors"))
        before_d = read_safetensors(os.path.join(folder, f"{name}_D.safetensors"))
        before = None if s == 0 else read_safetensors(os.path.join(folder, f"step{s}_state.safetensors"))
        after = read_safetensors(os.path.join(folder, f"step{s + 1}_state.safetensors"))
        after_w = {"G": read_safetensors(os.path.join(folder, f"step{s + 1}_G.safetensors")),
                   "D": read_safetensors(os.path.join(folder, f"step{s + 1}_D.safetensors"))}
        results = {}
        for dtype in (torch.float32, torch.float64):
            g, d = build()
            g.to(dtype)
            d.to(dtype)
            load(g, before_g, dtype)
            load(d, before_d, dtype)
            optd, optg = adam(d), adam(g)
            if before is not None:
                for net, model, opt in (("G", g, optg), ("D", d, optd)):
                    t = float(before[net + ".step"][0])
                    for k, p in model.named_parameters():
                        opt.state[p] = {"step": torch.tensor(t),
                                        "exp_avg": torch.from_numpy(before[f"{net}.exp_avg.{k}"]).to(dtype).clone(),
                                        "exp_avg_sq": torch.from_numpy(before[f"{net}.exp_avg_sq.{k}"]).to(dtype).clone()}
            row, grads = one_step(g, d, optd, optg, torch.from_numpy(reals[s]).to(dtype),
                                  torch.from_numpy(zs[s]).to(dtype))
            state = {"G." + k: v.double().numpy() for k, v in g.state_dict().items()}
            state.update({"D." + k: v.double().numpy() for k, v in d.state_dict().items()})
            moments = {}
            for net, model, opt in (("G", g, optg), ("D", d, optd)):
                for k, p in model.named_parameters():
                    for m in ("exp_avg", "exp_avg_sq"):
                        moments[f"{net}.{m}.{k}"] = opt.state[p][m].double().numpy()
            results[dtype] = (row, grads, state, moments)
        (r32, g32, w32, m32), (r64, g64, w64, m64) = results[torch.float32], results[torch.float64]
        for j, m in enumerate(METRICS):
            print(f"{s + 1:4d}  {m:<22} {rel(ours[s][j], r64[j]):12.2e}   {rel(r32[j], r64[j]):12.2e}")
        gan_g = {k: after[k[:2] + "grad." + k[2:]] for k in g64}
        gan_w = {k: after_w[k[0]][k[2:]] for k in w64 if k[2:] in after_w[k[0]]}
        gan_m = {k: after[k] for k in m64}
        for what, ours_t, t32, t64 in (("gradients", gan_g, g32, g64), ("weights+BN stats after", gan_w, w32, w64),
                                       ("Adam moments after", gan_m, m32, m64)):
            worst = max(((tensor_rel(ours_t[k], t64[k]), k) for k in t64 if k in ours_t), key=lambda x: x[0])
            worst32 = max(tensor_rel(t32[k], t64[k]) for k in t64 if k in ours_t)
            print(f"{s + 1:4d}  {what:<22} {worst[0]:12.2e}   {worst32:12.2e}     ({worst[1]})")


def tensor_rel(a, b):
    return float(np.abs(a.astype(np.float64) - b).max() / max(np.abs(b).max(), 1e-30))


def compare_state(label, ours, theirs, init):
    """Per tensor: max |diff| / max |gan4j value| of the weights, and of the update since init."""
    worst = 0.0
    lines = []
    for k, t in theirs.items():
        if k not in ours or k not in init:
            continue
        a = ours[k].astype(np.float64)
        diff = np.abs(a - t).max()
        rel = diff / max(np.abs(a).max(), 1e-30)
        upd_a = a - init[k].astype(np.float64)
        upd_t = t - init[k].astype(np.float64)
        upd_scale = np.abs(upd_a).max()
        upd_rel = np.abs(upd_a - upd_t).max() / max(upd_scale, 1e-30)
        # elements whose update differs by more than 1% of the largest update: Adam turns a gradient near 0 into
        # an update of any size up to lr, so a few of these are rounding, many are a bug
        frac = float((np.abs(upd_a - upd_t) > 0.01 * upd_scale).mean())
        worst = max(worst, rel)
        lines.append(f"  {label}{k:<22} w rel {rel:9.2e}   update rel {upd_rel:9.2e}   "
                     f"elements off >1%: {frac:7.4%}   (max |update| {upd_scale:8.2e})")
    return worst, lines


def running(values, window):
    out = []
    for i in range(0, len(values), window):
        chunk = values[i:i + window]
        out.append(sum(chunk) / len(chunk))
    return out


def run(args, dtype, init_g, init_d, reals, zs, steps):
    """Replays the steps in `dtype`; returns the metric rows, per-step snapshots and the final (G, D) states."""
    g, d = build()
    g.to(dtype)
    d.to(dtype)
    load(g, init_g, dtype)
    load(d, init_d, dtype)
    rows, snapshots = train(g, d, reals, zs, steps, dtype)
    final = ({k: v.double().numpy() for k, v in g.state_dict().items()},
             {k: v.double().numpy() for k, v in d.state_dict().items()})
    return rows, snapshots, final


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="folder written by TorchCrossCheckDumpTest")
    ap.add_argument("--no-f64", action="store_true", help="skip the float64 reference run")
    ap.add_argument("--isolated", action="store_true",
                    help="also replay each step alone from gan4j's state before it (dumps of at most 10 steps)")
    ap.add_argument("--window", type=int, default=50, help="window of the running averages (many-step dumps)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(0)

    with open(os.path.join(args.dir, "metrics.csv")) as f:
        ours = [[float(r[m]) for m in METRICS] for r in csv.DictReader(f)]
    steps = len(ours)
    zs = read_safetensors(os.path.join(args.dir, "noise.safetensors"))["z"]
    assert zs.shape == (steps, BATCH, NZ), zs.shape
    reals = fashion_images(steps * BATCH).reshape(steps, BATCH, 1, 28, 28)
    dumped = read_safetensors(os.path.join(args.dir, "real.safetensors"))["real"]
    assert np.array_equal(dumped, reals[:len(dumped)]), "the script's Fashion-MNIST batches differ from gan4j's"
    print(f"{steps} steps; real batches match gan4j's dump bit for bit ({len(dumped)} checked); torch "
          f"{torch.__version__}, 1 thread")

    init_g = read_safetensors(os.path.join(args.dir, "init_G.safetensors"))
    init_d = read_safetensors(os.path.join(args.dir, "init_D.safetensors"))
    theirs, snapshots, final = run(args, torch.float32, init_g, init_d, reals, zs, steps)
    ref = None if args.no_f64 else run(args, torch.float64, init_g, init_d, reals, zs, steps)

    if steps <= 20:
        print("\nrel = |x - y| / |y|; t32/t64 = PyTorch in float32/float64 (t64: the rounding-free reference)")
        print("step  metric        gan4j (f32)      torch f32        rel(gan4j,t32)" +
              ("  rel(gan4j,t64)  rel(t32,t64)" if ref else ""))
        for s in range(steps):
            for j, m in enumerate(METRICS):
                a, b = ours[s][j], theirs[s][j]
                line = f"{s + 1:4d}  {m:<12} {a:16.9g} {b:16.9g}   {rel(a, b):9.2e}"
                if ref:
                    c = ref[0][s][j]
                    line += f"       {rel(a, c):9.2e}     {rel(b, c):9.2e}"
                print(line)
    else:
        print(f"\nper-step metrics, first 5 and every 25th step (rel = |gan4j - torch f32| / |torch f32|):")
        print("step   lossD gan4j/torch        lossG gan4j/torch        D(x) gan4j/torch   D(G(z)) after gan4j/torch")
        for s in list(range(5)) + list(range(24, steps, 25)):
            a, b = ours[s], theirs[s]
            print(f"{s + 1:4d}  {a[0]:8.4f} {b[0]:8.4f} {rel(a[0], b[0]):7.1e}  "
                  f"{a[1]:8.4f} {b[1]:8.4f} {rel(a[1], b[1]):7.1e}  "
                  f"{a[2]:7.4f} {b[2]:7.4f}  {a[4]:7.4f} {b[4]:7.4f}")

    for s, (sg, sd) in enumerate(snapshots):
        og = read_safetensors(os.path.join(args.dir, f"step{s + 1}_G.safetensors"))
        od = read_safetensors(os.path.join(args.dir, f"step{s + 1}_D.safetensors"))
        wg, lg = compare_state("G.", og, sg, init_g)
        wd, ld = compare_state("D.", od, sd, init_d)
        line = f"\nafter step {s + 1}: max weight rel diff gan4j vs t32: G {wg:.2e}, D {wd:.2e}"
        if ref:
            rg, _ = compare_state("G.", og, ref[1][s][0], init_g)
            rd, _ = compare_state("D.", od, ref[1][s][1], init_d)
            t32 = {k: v.astype(np.float32) for k, v in sg.items()}, {k: v.astype(np.float32) for k, v in sd.items()}
            xg, _ = compare_state("G.", t32[0], ref[1][s][0], init_g)
            xd, _ = compare_state("D.", t32[1], ref[1][s][1], init_d)
            line += f";  gan4j vs t64: G {rg:.2e}, D {rd:.2e};  t32 vs t64: G {xg:.2e}, D {xd:.2e}"
        print(line)
        if s in (0, steps - 1):
            print("gan4j vs torch f32:")
            print("\n".join(lg + ld))

    fg = read_safetensors(os.path.join(args.dir, "final_G.safetensors"))
    fd = read_safetensors(os.path.join(args.dir, "final_D.safetensors"))
    wg, lg = compare_state("G.", fg, final[0], init_g)
    wd, ld = compare_state("D.", fd, final[1], init_d)
    line = f"\nfinal weights after {steps} steps, max rel diff (per tensor max|diff|/max|w|): gan4j vs t32: G {wg:.3e}, D {wd:.3e}"
    if ref:
        rg, _ = compare_state("G.", fg, ref[2][0], init_g)
        rd, _ = compare_state("D.", fd, ref[2][1], init_d)
        t32 = {k: v.astype(np.float32) for k, v in final[0].items()}, {k: v.astype(np.float32) for k, v in final[1].items()}
        xg, _ = compare_state("G.", t32[0], ref[2][0], init_g)
        xd, _ = compare_state("D.", t32[1], ref[2][1], init_d)
        line += f";  gan4j vs t64: G {rg:.3e}, D {rd:.3e};  t32 vs t64: G {xg:.3e}, D {xd:.3e}"
    print(line)
    if steps > 10:
        print("\n".join(lg + ld))

    if args.isolated:
        isolated_steps(args.dir, ours, reals, zs, steps)

    if steps > args.window:
        print(f"\nrunning averages over windows of {args.window} steps" + (" (t64 in brackets)" if ref else "") + ":")
        print("steps        lossD gan4j  t32 [t64]          lossG gan4j  t32 [t64]          D(x) gan4j  t32 [t64]"
              "        D(G(z)) after gan4j  t32 [t64]")
        runs = [ours, theirs] + ([ref[0]] if ref else [])
        cols = {(r, j): running([row[j] for row in rows], args.window) for r, rows in enumerate(runs) for j in (0, 1, 2, 4)}
        for i in range(len(cols[(0, 0)])):
            lo, hi = i * args.window + 1, min((i + 1) * args.window, steps)
            parts = []
            for j in (0, 1, 2, 4):
                p = f"{cols[(0, j)][i]:7.4f} {cols[(1, j)][i]:7.4f}"
                if ref:
                    p += f" [{cols[(2, j)][i]:7.4f}]"
                parts.append(p)
            print(f"{lo:4d}-{hi:<4d}    " + "    ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
