#!/usr/bin/env python3
"""hybrid.rg_lru against Hugging Face's own RG-LRU (RecurrentGemmaRglru).

A RecurrentGemmaRglru with random parameters (Λ, both block-diagonal gates
and their biases) runs in fp32 on random inputs; `hybrid-run` runs the same
parameters (a .safetensors file, names as HF's) through one hybrid.rg_lru on
the reference evaluator and compiled for the CPU, in the ways a model calls
it:

- prefill: positions 0..L−1 from no state (the first step resets; also
  without the positions operand, where t = 0 resets);
- continuing: positions L.. from the state the prefill left, with HF's
  recurrent_states set to it (several steps, then one: HF's decode path);
- a reset inside the call (positions restart at 0 for a second document in
  one row), which drops the state there.

y and the final state must be within 1e-4 of HF's scale (fp32 summation
order only). Usage: hf_compare_rglru.py HYBRID_RUN WORKDIR
"""

import os
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import RecurrentGemmaConfig
from transformers.models.recurrent_gemma.modeling_recurrent_gemma import RecurrentGemmaRglru

TOLERANCE = 1e-4  # relative to max |HF output|: fp32 summation-order noise
BATCH, WIDTH, HEADS = 2, 48, 3
BLOCK = WIDTH // HEADS
NAMES = ["input_gate_weight", "input_gate_bias", "recurrent_gate_weight",
         "recurrent_gate_bias", "recurrent_param"]


def source(seq, init, positions):
    """One hybrid.rg_lru over HF's parameter names."""
    x = f"tensor<{BATCH}x{seq}x{WIDTH}xf32>"
    w = f"tensor<{HEADS}x{BLOCK}x{BLOCK}xf32>"
    b = f"tensor<{HEADS}x{BLOCK}xf32>"
    lam = f"tensor<{WIDTH}xf32>"
    h = f"tensor<{BATCH}x{WIDTH}xf32>"
    pos = f"tensor<{BATCH}x{seq}xi64>"
    args = [f"%x: {x}"]
    types = [x]
    for name, t in zip(NAMES, [w, b, w, b, lam]):
        args.append(f'%{name}: {t} {{hybrid.weight = "{name}"}}')
        types.append(t)
    extra = ""
    if init:
        args.append(f"%h0: {h}")
        types.append(h)
        extra += " init(%h0)"
    if positions:
        args.append(f"%pos: {pos}")
        types.append(pos)
        extra += " positions(%pos)"
    return (f"func.func @f({', '.join(args)}) -> ({x}, {h}) {{\n"
            f"  %y, %h = hybrid.rg_lru %x, " + ", ".join("%" + n for n in NAMES) + extra +
            f"\n      : ({', '.join(types)}) -> ({x}, {h})\n"
            f"  return %y, %h : {x}, {h}\n}}\n")


def run_ours(hybrid_run, workdir, label, x, positions, h0, weights, with_positions=True):
    seq = x.shape[1]
    path = os.path.join(workdir, label)
    with open(path + ".mlir", "w") as f:
        f.write(source(seq, h0 is not None, with_positions))
    inputs = [("x", x)]
    if h0 is not None:
        inputs.append(("h0", h0))
    if with_positions:
        inputs.append(("pos", positions.astype(np.int64)))
    args = []
    for name, value in inputs:
        np.save(f"{path}.{name}.npy", value)
        args.append(f"--input=@{path}.{name}.npy")
    results = {}
    for target in ("reference", "cpu"):
        y_path, h_path = f"{path}.{target}.y.npy", f"{path}.{target}.h.npy"
        subprocess.run([hybrid_run, path + ".mlir", "--function=f", "--weights=" + weights,
                        *args, "--target=" + target, "--output=@" + y_path,
                        "--output=@" + h_path],
                       check=True, stdout=subprocess.DEVNULL)
        results[target] = (np.load(y_path), np.load(h_path))
    return results


def check(label, ours, y, h):
    ok = True
    scale = max(float(np.abs(y).max()), float(np.abs(h).max()))
    for target, (oy, oh) in ours.items():
        err = max(float(np.abs(oy - y).max()), float(np.abs(oh - h).max()))
        passed = err <= TOLERANCE * scale
        ok &= passed
        print(f"rg_lru {label} {target}: max |ours - HF| = {err:.3g} (scale {scale:.3g}, "
              f"relative {err / scale:.2e}) {'OK' if passed else 'MISMATCH'}")
    return ok


def main():
    hybrid_run, workdir = sys.argv[1:3]
    os.makedirs(workdir, exist_ok=True)
    torch.manual_seed(0)
    config = RecurrentGemmaConfig(lru_width=WIDTH, num_attention_heads=HEADS,
                                  hidden_size=WIDTH)
    lru = RecurrentGemmaRglru(config).eval()
    with torch.no_grad():
        for name in NAMES:
            p = getattr(lru, name)
            # Gates of either sign and width, Λ spanning slow and fast decay.
            p.copy_(torch.randn(p.shape) * (0.3 if "weight" in name else 1.0))
        lru.recurrent_param.copy_(torch.linspace(-4.0, 3.0, WIDTH))
    weights = os.path.join(workdir, "rglru.safetensors")
    save_file({n: getattr(lru, n).detach().contiguous() for n in NAMES}, weights)

    def hf(x, positions, state):
        lru.recurrent_states = None if state is None else torch.from_numpy(state)
        with torch.no_grad():
            y = lru(torch.from_numpy(x), torch.from_numpy(positions))
        return y.numpy(), lru.recurrent_states.numpy()

    g = np.random.default_rng(1)
    ok = True
    seq = 13
    x = g.standard_normal((BATCH, seq, WIDTH)).astype(np.float32)
    positions = np.tile(np.arange(seq), (BATCH, 1))
    y, h = hf(x, positions, None)
    ok &= check("prefill", run_ours(hybrid_run, workdir, "prefill", x, positions, None,
                                    weights), y, h)
    ok &= check("prefill-no-positions",
                run_ours(hybrid_run, workdir, "prefill-np", x, positions, None, weights,
                         with_positions=False), y, h)
    for label, steps in (("continue", 5), ("decode", 1)):
        xc = g.standard_normal((BATCH, steps, WIDTH)).astype(np.float32)
        pc = np.tile(np.arange(seq, seq + steps), (BATCH, 1))
        yc, hc = hf(xc, pc, h)
        ok &= check(label, run_ours(hybrid_run, workdir, label, xc, pc, h, weights), yc, hc)
    # Row 1 starts a second document at step 4; row 0 continues throughout.
    xr = g.standard_normal((BATCH, 7, WIDTH)).astype(np.float32)
    pr = np.array([[20, 21, 22, 23, 24, 25, 26], [30, 31, 32, 33, 0, 1, 2]])
    yr, hr = hf(xr, pr, h)
    ok &= check("reset-inside", run_ours(hybrid_run, workdir, "reset", xr, pr, h, weights),
                yr, hr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
