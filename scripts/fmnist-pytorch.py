#!/usr/bin/python3
"""PyTorch's plain DCGAN-28 recipe on Fashion-MNIST, on the CPU, for comparison with gan4j's default recipe.

The recipe (pytorch/examples dcgan/main.py's loop): Adam(lr 2e-4, betas (0.5, 0.999)), batch 64 (last partial batch
dropped), non-saturating binary cross-entropy on logits; per step D: BCE(D(real), 1) + BCE(D(G(z).detach()), 0),
then G: BCE(D(G(z)), 1) through the updated D; DCGAN init (weights N(0, 0.02), batch-norm weight N(1, 0.02), biases
0). The networks are gan4j's dcgan28 (org.gan4j.models.Dcgan28) layer for layer, with the same state_dict names, so
the trained generator can be scored by gan4j itself:

    # a gan4j dcgan28 checkpoint to copy the metadata from (any unconditional Fashion-MNIST run, e.g. 1 step):
    bin/gan4j train --steps 1 --out /tmp/template
    /usr/bin/python3 scripts/fmnist-pytorch.py --epochs 5 --threads 2 --out /tmp/torch \\
        --template /tmp/template/checkpoints/step_00000001.safetensors
    bin/gan4j eval --checkpoint /tmp/torch/epoch_001.safetensors     # same classifier, noise and n as gan4j's runs

After every epoch it writes epoch_NNN.safetensors: a gan4j checkpoint holding both networks (`generator.*`,
`discriminator.*`, float32; no optimizer state) with the template's metadata (model, training configuration) and this run's progress (step, epoch, wall
seconds). `gan4j eval` samples it exactly as it samples a gan4j run (eval-mode batch norm, the same noise stream).
It prints, per epoch, wall seconds, process CPU seconds (all threads) and the 1-minute load average, and writes them
to timing.json. Needs PyTorch and numpy (Debian: python3-torch, python3-numpy). Debian's torch takes its BLAS (the
Linear layers, and ConvTranspose2d's im2col path) from the system's libblas.so.3: install an optimised one
(libopenblas0-pthread) first, or PyTorch runs on the unoptimised reference BLAS (libblas3), several times slower.
"""
import argparse
import json
import os
import struct
import time

import torch
from torch import nn
import torch.nn.functional as F

# The Fashion-MNIST reader and the dcgan28 networks (layer for layer gan4j's, with its state_dict names) are
# crosscheck_torch's, in this folder.
from crosscheck_torch import BATCH, NZ, build, fashion_images


def weights_init(m):
    """pytorch/examples dcgan weights_init, extended to Linear as gan4j's Init.DCGAN does."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def write_checkpoint(path, g, d, metadata, step, epoch, seconds):
    """A gan4j checkpoint of generator.* and discriminator.* tensors (float32, no optimizer state) with the
    template's metadata, written atomically."""
    meta = dict(metadata)
    progress = json.loads(meta["progress"])
    progress.update({"step": step, "generator_steps": step, "epoch": epoch, "batch_in_epoch": 0,
                     "elapsed_seconds": seconds})
    meta["progress"] = json.dumps(progress)
    header = {"__metadata__": meta}
    blobs = []
    offset = 0
    for prefix, net in (("generator.", g), ("discriminator.", d)):
        for name, t in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue  # gan4j's batch norm keeps no counter
            data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
            header[prefix + name] = {"dtype": "F32", "shape": list(t.shape),
                                     "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def template_metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    meta = header["__metadata__"]
    model = json.loads(meta["model"])
    if model.get("architecture") != "dcgan28" or model.get("classes", 0) != 0:
        raise SystemExit(f"{path}: the template must be an unconditional dcgan28 checkpoint, got {model}")
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (gan4j: --threads)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (smoke test)")
    ap.add_argument("--out", required=True, help="folder for epoch_NNN.safetensors and timing.json")
    ap.add_argument("--template", required=True, help="a gan4j dcgan28 checkpoint whose metadata to copy")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    metadata = template_metadata(args.template)

    reals = torch.from_numpy(fashion_images())
    g, d = build()
    g.apply(weights_init)
    d.apply(weights_init)
    optd = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optg = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    per_epoch = reals.shape[0] // BATCH
    if args.max_steps > 0:
        per_epoch = min(per_epoch, args.max_steps)
    ones = torch.ones(BATCH, 1)
    zeros = torch.zeros(BATCH, 1)
    timing = []
    step = 0
    wall_total = 0.0
    for epoch in range(1, args.epochs + 1):
        load_before = os.getloadavg()[0]
        w0 = time.perf_counter()
        c0 = time.process_time()
        order = torch.randperm(reals.shape[0])
        for i in range(per_epoch):
            real = reals[order[i * BATCH:(i + 1) * BATCH]]
            d.zero_grad()
            err_real = F.binary_cross_entropy_with_logits(d(real), ones)
            err_real.backward()
            fake = g(torch.randn(BATCH, NZ))
            err_fake = F.binary_cross_entropy_with_logits(d(fake.detach()), zeros)
            err_fake.backward()
            optd.step()
            g.zero_grad()
            err_g = F.binary_cross_entropy_with_logits(d(fake), ones)
            err_g.backward()
            optg.step()
            step += 1
            if step % 100 == 0:
                print(f"epoch {epoch} step {step}: loss_D {(err_real + err_fake).item():.4f} "
                      f"loss_G {err_g.item():.4f}", flush=True)
        wall = time.perf_counter() - w0
        cpu = time.process_time() - c0
        wall_total += wall
        load_after = os.getloadavg()[0]
        timing.append({"epoch": epoch, "steps": per_epoch, "wall_seconds": wall, "cpu_seconds": cpu,
                       "load_before": load_before, "load_after": load_after, "threads": args.threads})
        print(f"epoch {epoch}: {wall:.1f} s wall, {cpu:.1f} s CPU, load {load_before:.1f} -> {load_after:.1f}",
              flush=True)
        write_checkpoint(os.path.join(args.out, f"epoch_{epoch:03d}.safetensors"), g, d, metadata, step, epoch,
                         wall_total)
        with open(os.path.join(args.out, "timing.json"), "w") as f:
            json.dump(timing, f, indent=1)


if __name__ == "__main__":
    main()
