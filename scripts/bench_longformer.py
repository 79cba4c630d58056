#!/usr/bin/env python3
"""Longformer with global tokens: hybrid-mlir against HF eager, side by side.

A randomly initialised LongformerModel (hidden 768, 12 heads of 64,
attention_window 256, i.e. 128 keys each side; --layers 2) written with
save_pretrained, run over S tokens with 2 global tokens (positions 0 and
S/2, a CLS and a question token) by
  ours   hybrid-run DIR --target=cpu --benchmark=N (compiled code; the
         compile is not counted), one thread and every core
  HF     the same checkpoint's forward in this process, torch eager (HF's
         sliding-chunks attention, O(S·w)), one thread and every core
and prints ms per forward and the ratio, and the largest difference of the
hidden states (scaled by their largest magnitude). Nothing is asserted.

  .venv-hf/bin/python scripts/bench_longformer.py [--build build]
      [--seq 4096,16384] [--layers 2] [--runs 3] [--json-out longformer.json]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_bench import write_sweep  # noqa: E402

def run_hybrid(build, directory, ids_path, globals_path, runs, threads, out_path):
    cmd = [os.path.join(build, "bin", "hybrid-run"), directory, "--target=cpu",
           "--input=@" + ids_path, "--input=@" + globals_path,
           "--benchmark=%d" % runs, "--threads=%d" % threads, "--output=@" + out_path]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("hybrid-run failed: " + out.stderr)
    return float(re.search(r"min ([0-9.]+) ms", out.stdout).group(1)) / 1e3


def run_hf(model, ids, mask, threads, runs):
    torch.set_num_threads(threads)
    with torch.no_grad():
        model(ids, global_attention_mask=mask)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(ids, global_attention_mask=mask)
            times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--seq", default="4096,16384")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json-out")
    args = parser.parse_args()
    torch.manual_seed(0)
    cores = os.cpu_count() or 1
    rows = []
    print("torch %s; LongformerModel hidden 768, 12 heads, window 256, %d layers, "
          "2 global tokens; min ms per forward (ratio = HF / ours)"
          % (torch.__version__, args.layers))
    print("| S | ours 1 | HF 1 | × HF | ours %d | HF %d | × HF | max diff |" % (cores, cores))
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for seq in (int(s) for s in args.seq.split(",")):
            config = transformers.LongformerConfig(
                vocab_size=4096, hidden_size=768, num_hidden_layers=args.layers,
                num_attention_heads=12, intermediate_size=3072, attention_window=256,
                max_position_embeddings=seq + 2)
            model = transformers.LongformerModel(config).eval()
            directory = os.path.join(work, "longformer-%d" % seq)
            model.save_pretrained(directory, safe_serialization=True)
            ids = torch.randint(2, 4096, (1, seq), generator=torch.Generator().manual_seed(1))
            mask = torch.zeros((1, seq), dtype=torch.long)
            mask[0, [0, seq // 2]] = 1
            ids_path = os.path.join(directory, "ids.npy")
            globals_path = os.path.join(directory, "globals.npy")
            out_path = os.path.join(directory, "out.npy")
            np.save(ids_path, ids.numpy())
            np.save(globals_path, mask.numpy())
            times = {}
            for threads in (1, cores):
                ours = run_hybrid(args.build, directory, ids_path, globals_path, args.runs,
                                  threads, out_path)
                hf = run_hf(model, ids, mask, threads, args.runs)
                times[threads] = (ours, hf)
                rows.append(dict(case="longformer S=%d" % seq, threads=threads, ours_s=ours,
                                 baseline_s=hf))
            with torch.no_grad():
                ref = model(ids, global_attention_mask=mask).last_hidden_state.numpy()
            got = np.load(out_path)
            max_diff = float(np.abs(got - ref).max() / np.abs(ref).max())
            (o1, h1), (on, hn) = times[1], times[cores]
            print("| %d | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f | %.1e |" % (
                seq, 1e3 * o1, 1e3 * h1, h1 / o1, 1e3 * on, 1e3 * hn, hn / on, max_diff),
                flush=True)
    if args.json_out:
        write_sweep(args.json_out, "longformer", rows, baseline="HF eager")


if __name__ == "__main__":
    main()
