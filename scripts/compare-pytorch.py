#!/usr/bin/env python3
"""The PyTorch side of the GPU comparison: the same DCGAN iteration as gan4j's IterationBenchmark.

What runs (pytorch/examples dcgan/main.py's loop, one full iteration):
    D.zero_grad; BCEWithLogits(D(real), 1).backward()
    fake = G(z), z ~ N(0, 1) drawn on the device
    BCEWithLogits(D(fake.detach()), 0).backward(); optD.step()
    G.zero_grad; BCEWithLogits(D(fake), 1).backward(); optG.step()
with Adam(lr 2e-4, betas (0.5, 0.999)), synthetic real data made once on the device, fp32 storage with TF32 allowed
(torch.backends.cudnn.allow_tf32, matmul precision 'high') and cudnn.benchmark = True. A mode is a base with
optional '-'-joined options, e.g. graph-bf16-cl:
    eager  - the loop as written;
    graph  - the whole iteration captured once in a CUDA graph and replayed (Adam capturable=True);
    bf16   - forward passes and losses under torch.autocast(bfloat16) (F32 master weights, Adam in F32; no grad
             scaler, which bf16 does not need; autocast's cast cache off, as CUDA graphs require);
    cl     - channels_last: 4-D parameters, the real batch and the noise in NHWC memory format.
Default modes: eager, graph, graph-bf16, graph-bf16-cl (the modes of the issue-11 table) and eager-bf16-cl.
Networks, layer for layer as org.gan4j.models.Dcgan28 / Dcgan64 (no biases except D28's final Linear).

Prints one row per (model, batch, mode) with ms/iteration, images/s and peak memory
(torch.cuda.max_memory_allocated); with --gan4j-json (a JMH result of IterationBenchmark with backend=cuda, any
precision and graph parameters) it also prints gan4j's rows (one per precision and eager/graph; device MB held from
--gan4j-log, the JMH log) and gan4j's best mode's images/s divided by PyTorch's best mode per configuration.

Usage: python3 scripts/compare-pytorch.py [--configs dcgan28-64,...] [--seconds 2] [--gan4j-json result.json]
       python3 scripts/compare-pytorch.py --gan4j-json result.json --skip-pytorch   (report gan4j only)
"""
import argparse
import json
import sys
import time

CONFIGS = ["dcgan28-64", "dcgan28-256", "dcgan64-64", "dcgan64-128", "dcgan64-512"]


def build(model, nn):
    """G, D, latent sample shape and image sample shape of a model, as in org.gan4j.models."""
    if model == "dcgan28":
        g = nn.Sequential(
            nn.Linear(100, 128 * 7 * 7, bias=False), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
        d = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
        return g, d, (100,), (1, 28, 28)
    if model == "dcgan64":
        nz, ngf, ndf, nc = 100, 64, 64, 3
        g = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
        d = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())
        return g, d, (nz, 1, 1), (nc, 64, 64)
    raise ValueError("unknown model " + model)


def parse_mode(mode):
    """(graph?, bf16?, channels_last?) of a mode string such as graph-bf16-cl; ValueError for anything else."""
    parts = mode.split("-")
    if parts[0] not in ("eager", "graph") or any(p not in ("bf16", "cl") for p in parts[1:]) \
            or len(set(parts[1:])) != len(parts[1:]):
        raise ValueError("mode must be eager or graph, optionally followed by -bf16 and/or -cl; got " + mode)
    return parts[0] == "graph", "bf16" in parts[1:], "cl" in parts[1:]


def mode_label(mode):
    """How a mode reads in the tables, e.g. 'graph bf16 channels_last' (TF32 where not bf16)."""
    graph, bf16, cl = parse_mode(mode)
    return " ".join(["graph" if graph else "eager", "bf16" if bf16 else "tf32"] + (["channels_last"] if cl else []))


def run_pytorch(config, mode, seconds, torch):
    """Times one configuration in one mode; returns (ms per iteration, peak MB)."""
    nn = torch.nn
    graph_mode, bf16, channels_last = parse_mode(mode)
    model, batch = config.rsplit("-", 1)
    batch = int(batch)
    dev = torch.device("cuda")
    torch.manual_seed(42)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    g, d, zshape, xshape = build(model, nn)
    g, d = g.to(dev), d.to(dev)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        g, d = g.to(memory_format=fmt), d.to(memory_format=fmt)
    capturable = graph_mode
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), capturable=capturable)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), capturable=capturable)
    loss_fn = nn.BCEWithLogitsLoss()
    real = torch.rand((batch,) + xshape, device=dev) * 2 - 1
    z = torch.empty((batch,) + zshape, device=dev)
    if channels_last:
        real = real.contiguous(memory_format=fmt)
        if z.dim() == 4:
            z = z.contiguous(memory_format=fmt)
    import contextlib

    def autocast():
        if not bf16:
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False)
    ones = torch.ones(batch, 1, device=dev)
    zeros = torch.zeros(batch, 1, device=dev)

    def step():
        d.zero_grad(set_to_none=True)
        with autocast():
            err_real = loss_fn(d(real), ones)
        err_real.backward()
        z.normal_()
        with autocast():
            fake = g(z)
            err_fake = loss_fn(d(fake.detach()), zeros)
        err_fake.backward()
        opt_d.step()
        g.zero_grad(set_to_none=True)
        with autocast():
            err_g = loss_fn(d(fake), ones)
        err_g.backward()
        opt_g.step()
        return err_g

    # Warm up on a side stream (needed before capture; harmless for eager): cudnn.benchmark picks its algorithms here.
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(5):
            step()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    run = step
    if graph_mode:
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_loss = step()
        run = graph.replay
        for _ in range(3):
            run()
        torch.cuda.synchronize()
    # Calibrate the count to about `seconds`, then measure.
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.3:
        run()
        n += 1
        if n % 10 == 0:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    per = (time.perf_counter() - t0) / n
    iters = max(20, int(seconds / per))
    best = float("inf")
    for _ in range(3):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(iters):
            run()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t0) / iters)
    loss = (static_loss if graph_mode else step()).item()
    if loss != loss:
        raise RuntimeError(config + " " + mode + ": G loss is NaN")
    return best * 1e3, torch.cuda.max_memory_allocated() / 2**20


def read_gan4j(path):
    """{(config, precision, graph): (ms, error)} of IterationBenchmark rows with backend=cuda in a JMH JSON result."""
    out = {}
    with open(path) as f:
        for r in json.load(f):
            if not r["benchmark"].endswith(".IterationBenchmark.iteration"):
                continue
            p = r.get("params", {})
            if p.get("backend") != "cuda":
                continue
            m = r["primaryMetric"]
            scale = {"ms/op": 1.0, "us/op": 1e-3, "s/op": 1e3}[m["scoreUnit"]]
            key = (p["config"], p.get("precision", "tf32"), p.get("graph", "false") == "true")
            out[key] = (m["score"] * scale, (m.get("scoreError") or 0) * scale)
    return out


def read_gan4j_memory(path):
    """{(config, precision, graph): MB} from the '# device MB held' lines of a JMH log (IterationBenchmark)."""
    import re
    out, key = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("# Parameters:"):
                p = dict(re.findall(r"(\w+) = ([\w-]+)", line))
                key = (p.get("config"), p.get("precision", "tf32"), p.get("graph", "false") == "true")
            m = re.match(r"# device MB held: (\d+)", line)
            if m and key:
                out[key] = m.group(1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--modes", default="eager,graph,graph-bf16,graph-bf16-cl,eager-bf16-cl",
                    help="comma-separated modes (see above)")
    ap.add_argument("--seconds", type=float, default=1.5, help="measured time per repeat (3 repeats, best kept)")
    ap.add_argument("--gan4j-json", help="JMH JSON result of IterationBenchmark -p backend=cuda")
    ap.add_argument("--gan4j-log", help="the JMH log of that run (for the device MB held per row)")
    ap.add_argument("--skip-pytorch", action="store_true", help="only report the gan4j rows")
    args = ap.parse_args()
    configs = [c for c in args.configs.split(",") if c]
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        parse_mode(m)  # a typo fails here, before any GPU time is spent

    rows = []  # (config, who, ms, images/s, peak MB)
    torch_best = {}
    torch = None
    if not args.skip_pytorch:
        try:
            import torch
            if not torch.cuda.is_available():
                raise ImportError("torch.cuda.is_available() is False")
        except ImportError as e:  # a dry run without PyTorch or a GPU: report gan4j's rows only
            print("# PyTorch skipped: %s" % e, flush=True)
            torch = None
    if torch is not None:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.set_float32_matmul_precision("high")
        print("# PyTorch %s, CUDA %s, cuDNN %s, %s" % (torch.__version__, torch.version.cuda,
              torch.backends.cudnn.version(), torch.cuda.get_device_name(0)), flush=True)
        for c in configs:
            batch = int(c.rsplit("-", 1)[1])
            for mode in modes:
                try:
                    ms, peak = run_pytorch(c, mode, args.seconds, torch)
                except Exception as e:  # report and go on: one failing mode must not hide the others
                    print("# %s %s failed: %s" % (c, mode, e), flush=True)
                    continue
                ips = batch / ms * 1e3
                rows.append((c, "pytorch " + mode_label(mode), ms, ips, "%.0f" % peak))
                torch_best[c] = max(torch_best.get(c, 0), ips)
                print("# %s pytorch %s: %.3f ms, %.0f img/s, peak %.0f MB" % (c, mode_label(mode), ms, ips, peak),
                      flush=True)
    gan4j = read_gan4j(args.gan4j_json) if args.gan4j_json else {}
    memory = read_gan4j_memory(args.gan4j_log) if args.gan4j_log else {}
    gan4j_best = {}
    for (c, precision, graph), (ms, err) in sorted(gan4j.items()):
        batch = int(c.rsplit("-", 1)[1])
        ips = batch / ms * 1e3
        label = "gan4j %s %s" % ("graph" if graph else "eager", precision)
        rows.append((c, label, ms, ips, memory.get((c, precision, graph), "")))
        if ips > gan4j_best.get(c, (0, ""))[0]:
            gan4j_best[c] = (ips, label)

    print("\n| config | implementation | ms/iteration | images/s | peak MB |")
    print("| --- | --- | --- | --- | --- |")
    for c, who, ms, ips, peak in sorted(rows, key=lambda r: (CONFIGS.index(r[0]) if r[0] in CONFIGS else 99, r[1])):
        print("| %s | %s | %.3f | %.0f | %s |" % (c, who, ms, ips, peak))
    both = [c for c in configs if c in gan4j_best and c in torch_best]
    if both:
        print("\n| config | gan4j best mode | gan4j images/s | PyTorch best images/s | gan4j best / PyTorch best |")
        print("| --- | --- | --- | --- | --- |")
        for c in both:
            g, label = gan4j_best[c]
            print("| %s | %s | %.0f | %.0f | %.2fx |" % (c, label, g, torch_best[c], g / torch_best[c]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
