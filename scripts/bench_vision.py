#!/usr/bin/env python3
"""Image classifiers of hybrid-mlir against HF eager, side by side.

For HF's CvT-13 (CvtConfig's defaults: embed 64/192/384, depth 1/2/10) and
Swin-T (SwinConfig's defaults: patch 4, window 7, embed 96, depths
2/2/6/2), randomly initialised and saved with save_pretrained, times a
forward over a batch of 224×224 images:
  ours 1 / N   hybrid-run DIR --target=cpu --benchmark=R (compiled code; the
               compile is not counted) with --threads=1 and with every core
  HF 1 / HF N  CvtForImageClassification's forward in this process, torch
               eager, with one thread and with all threads
and prints images per second, the ratios (ours / HF, one thread against one
and all against all) and the max |ours − HF| of the logits relative to
their scale. Nothing is asserted.

  .venv-hf5/bin/python scripts/bench_vision.py [--build build] [--models cvt-13,swin-t]
      [--batch 1,8] [--runs 3] [--json-out vision.json]
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
import transformers as tf

from plot_bench import write_sweep


def run_hybrid(build, directory, pixels_path, runs, threads):
    logits_path = pixels_path + ".logits.npy"
    cmd = [os.path.join(build, "bin", "hybrid-run"), directory, "--target=cpu",
           "--input=@" + pixels_path, "--benchmark=%d" % runs, "--threads=%d" % threads,
           "--output=@" + logits_path]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("hybrid-run failed: " + out.stderr)
    seconds = float(re.search(r"([0-9.]+) ms per run", out.stdout).group(1)) / 1e3
    return seconds, np.load(logits_path)


def run_hf(model, pixels, threads, runs):
    torch.set_num_threads(threads)
    with torch.no_grad():
        logits = model(pixels).logits.numpy()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(pixels)
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2], logits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--models", default="cvt-13,swin-t")
    parser.add_argument("--batch", default="1,8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json-out", help="the rows as JSON, for scripts/plot_bench.py")
    args = parser.parse_args()
    rows = []
    torch.manual_seed(0)
    threads = os.cpu_count() or 1
    print("torch %s, transformers %s; random weights, 224x224 images; "
          "images/s (ratio = ours / HF)" % (torch.__version__, tf.__version__))
    print("| model | batch | ours 1 thread | HF 1 thread | vs HF 1 | ours %d threads "
          "| HF %d threads | vs HF %d | max error / scale |" % (threads, threads, threads))
    print("|---|---|---|---|---|---|---|---|---|")
    labels = {i: str(i) for i in range(1000)}
    builders = {
        "cvt-13": lambda: tf.CvtForImageClassification(tf.CvtConfig(id2label=labels)),
        "swin-t": lambda: tf.SwinForImageClassification(tf.SwinConfig(id2label=labels)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            directory = os.path.join(tmp, name)
            model = builders[name]().eval()
            model.save_pretrained(directory)
            for batch in (int(b) for b in args.batch.split(",")):
                pixels = torch.randn(batch, 3, 224, 224,
                                     generator=torch.Generator().manual_seed(1))
                pixels_path = os.path.join(tmp, "pixels-%s-%d.npy" % (name, batch))
                np.save(pixels_path, pixels.numpy())
                ours1, logits = run_hybrid(args.build, directory, pixels_path, args.runs, 1)
                oursn, _ = run_hybrid(args.build, directory, pixels_path, args.runs, threads)
                hf1, ref = run_hf(model, pixels, 1, args.runs)
                hfn, _ = run_hf(model, pixels, threads, args.runs)
                error = float(np.abs(logits - ref).max() / np.abs(ref).max())
                ips = lambda t: batch / t  # noqa: E731
                print("| %s | %d | %.1f | %.1f | %.2f× | %.1f | %.1f | %.2f× | %.1e |" %
                      (name, batch, ips(ours1), ips(hf1), hf1 / ours1, ips(oursn), ips(hfn),
                       hfn / oursn, error), flush=True)
                for n, ours_s, hf_s in ((1, ours1, hf1), (threads, oursn, hfn)):
                    rows.append(dict(case="%s batch %d" % (name, batch), threads=n,
                                     ours_s=ours_s, baseline_s=hf_s, max_rel_error=error))
    if args.json_out:
        write_sweep(args.json_out, "vision", rows, baseline="HF eager")

if __name__ == "__main__":
    main()
