#!/usr/bin/env python3
"""Compiled attention against PyTorch's SDPA and the machine's FMA peak, side by side.

For each shape, writes a one-op `hybrid.attention` .mlir, times it with
`hybrid-run FILE --target=cpu --random-inputs=1 --benchmark=RUNS` (the
minimum and median of the timed runs) with one thread and with every core,
and times torch.nn.functional.scaled_dot_product_attention on the same
shapes and threads in this process (min and median of as many runs); SDPA
has no softcap, so the softcap row's baseline is HF's eager form instead
(matmul, tanh, mask, softmax, matmul). With --flex (the default;
--no-flex skips it) it also times FlexAttention (torch.compile of
flex_attention: inductor's CPU kernel, its compile not counted) with the
mask as a block mask (so the window's and the causal mask's empty blocks
are skipped), the softcap as a score_mod, and K/V heads shared by
enable_gqa: the closest thing torch has to what we compile.
Prints ms, GFLOP/s in band FLOPs (4·d per visible query-key pair: q·kᵀ and
p·v), % of the measured fp32 FMA peak (bench_kernels.py's loop, one copy
and one per core), and SDPA's time over ours (above 1: ours is faster).
Nothing is asserted; docs/performance.md keeps the results. --json-out
writes the rows for scripts/plot_bench.py.

  .venv-hf/bin/python scripts/bench_attention.py [--build build] [--runs 10]
      [--filter causal] [--json-out results.json]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_kernels import PEAK_C, run_c  # noqa: E402
from plot_bench import write_sweep  # noqa: E402

# name, batch, query heads, kv heads, query length, key length, d, mask[, softcap]
SHAPES = [
    ("causal S=512 H=16 d=64", 1, 16, 16, 512, 512, 64, "causal"),
    ("causal S=1024 H=16 d=64", 1, 16, 16, 1024, 1024, 64, "causal"),
    ("causal S=2048 H=16 d=64", 1, 16, 16, 2048, 2048, 64, "causal"),
    ("causal S=4096 H=8 d=64", 1, 8, 8, 4096, 4096, 64, "causal"),
    ("causal S=8192 H=4 d=64", 1, 4, 4, 8192, 8192, 64, "causal"),
    ("causal GQA 4:1 S=1024 H=16 d=64", 1, 16, 4, 1024, 1024, 64, "causal"),
    ("window 1024 S=4096 H=8 d=64", 1, 8, 8, 4096, 4096, 64, "causal, window = 1024"),
    ("softcap 50 causal S=1024 H=16 d=64", 1, 16, 16, 1024, 1024, 64, "causal", 50.0),
    ("none CvT-13 stage 1 3136x785 d=64", 1, 1, 1, 3136, 785, 64, "none"),
]


def visible_pairs(sq, sk, mask):
    if mask == "none":
        return sq * sk
    window = int(mask.split("=")[1]) if "window" in mask else sk
    return sum(min(i + 1, window) for i in range(sq))


def mlir_source(b, h, hk, sq, sk, d, mask, softcap=None):
    def t(heads, s):
        return f"tensor<{b}x{heads}x{s}x{d}xf32>"

    cap = f", softcap = {softcap} : f32" if softcap else ""
    return (f"func.func @forward(%q: {t(h, sq)}, %k: {t(hk, sk)}, %v: {t(hk, sk)}) -> {t(h, sq)} {{\n"
            f"  %o = hybrid.attention %q, %k, %v {{mask = #hybrid.mask<{mask}>{cap}}}\n"
            f"      : ({t(h, sq)}, {t(hk, sk)}, {t(hk, sk)}) -> {t(h, sq)}\n"
            f"  return %o : {t(h, sq)}\n}}\n")


def ours(build, path, threads, runs):
    out = subprocess.run(
        [os.path.join(build, "bin", "hybrid-run"), path, "--target=cpu", "--random-inputs=1",
         f"--benchmark={runs}", f"--threads={threads}"],
        check=True, capture_output=True, text=True).stdout
    found = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
    return float(found.group(1)) / 1e3, float(found.group(2)) / 1e3


def eager_softcap(q, k, v, mask, softcap):
    """Gemma 2's attention as HF's eager path computes it: SDPA has no softcap."""
    scores = (q @ k.transpose(-1, -2)) / q.shape[-1] ** 0.5
    scores = torch.tanh(scores / softcap) * softcap
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def min_and_median(call, runs):
    """One warm-up call, then `runs` timed ones: min and median seconds."""
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2]


def baseline(b, h, hk, sq, sk, d, mask, softcap, threads, runs):
    """SDPA, or with a softcap the eager form; min and median seconds."""
    torch.set_num_threads(threads)
    q, k, v = torch.randn(b, h, sq, d), torch.randn(b, hk, sk, d), torch.randn(b, hk, sk, d)
    if hk != h:
        k, v = k.repeat_interleave(h // hk, 1), v.repeat_interleave(h // hk, 1)
    visible = None  # a boolean [Sq, Sk] mask only where SDPA's is_causal cannot say it
    if mask != "none" and (softcap or "window" in mask):
        i, j = torch.arange(sq)[:, None], torch.arange(sk)[None, :]
        window = int(mask.split("=")[1]) if "window" in mask else None
        visible = (j <= i) & (j > i - window) if window else j <= i
    if softcap:
        call = lambda: eager_softcap(q, k, v, visible, softcap)  # noqa: E731
    elif mask == "causal":
        call = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    else:
        call = lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=visible)  # noqa: E731
    return min_and_median(call, runs)


def flex_baseline(b, h, hk, sq, sk, d, mask, softcap, threads, runs):
    """FlexAttention compiled by inductor; min and median seconds."""
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    # A fresh compile per shape: past dynamo's recompile limit (8) flex
    # falls back to its eager form, 10-40x slower, without failing.
    torch._dynamo.reset()
    flex = torch.compile(flex_attention)
    torch.set_num_threads(threads)
    q, k, v = torch.randn(b, h, sq, d), torch.randn(b, hk, sk, d), torch.randn(b, hk, sk, d)
    block_mask = None
    if mask != "none":
        window = int(mask.split("=")[1]) if "window" in mask else None

        def mask_mod(batch, head, i, j):
            visible = j <= i
            return visible & (i - j < window) if window else visible

        block_mask = create_block_mask(mask_mod, None, None, sq, sk, device="cpu")
    score_mod = None
    if softcap:
        def score_mod(score, batch, head, i, j):
            return torch.tanh(score / softcap) * softcap
    call = lambda: flex(q, k, v, score_mod=score_mod, block_mask=block_mask,  # noqa: E731
                         enable_gqa=hk != h)
    return min_and_median(call, runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--filter", default="")
    parser.add_argument("--flex", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json-out")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    peak = float(run_c(PEAK_C, ["-march=native"])[0][0])
    peak_all = sum(float(r[0]) for r in run_c(PEAK_C, ["-march=native"], cores))
    print(f"machine: fp32 FMA peak {peak:.1f} GFLOP/s one core, {peak_all:.1f} on {cores}; "
          f"torch {torch.__version__}; times are min (median) of {args.runs} runs")
    print(f"{'case':36} {'threads':>7} {'ours ms':>16} {'GFLOP/s':>8} {'%peak':>6} "
          f"{'SDPA ms':>16} {'SDPA/ours':>9}" + (f" {'Flex ms':>16} {'Flex/ours':>9}" if args.flex else ""))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, b, h, hk, sq, sk, d, mask, *rest in SHAPES:
            if args.filter not in name:
                continue
            softcap = rest[0] if rest else None
            path = os.path.join(tmp, "attention.mlir")
            with open(path, "w") as f:
                f.write(mlir_source(b, h, hk, sq, sk, d, mask, softcap))
            flops = 4.0 * b * h * d * visible_pairs(sq, sk, mask)
            for threads, machine_peak in ((1, peak), (cores, peak_all)):
                o_min, o_med = ours(args.build, path, threads, args.runs)
                t_min, t_med = baseline(b, h, hk, sq, sk, d, mask, softcap, threads, args.runs)
                rate = flops / o_min / 1e9
                row = dict(case=name, threads=threads, ours_min_s=o_min, ours_median_s=o_med,
                           sdpa_min_s=t_min, sdpa_median_s=t_med, gflops=rate,
                           percent_peak=100 * rate / machine_peak)
                flex = ""
                if args.flex:
                    f_min, f_med = flex_baseline(b, h, hk, sq, sk, d, mask, softcap, threads,
                                                 args.runs)
                    row.update(flex_min_s=f_min, flex_median_s=f_med)
                    flex = f" {1e3 * f_min:7.2f} ({1e3 * f_med:6.2f}) {f_min / o_min:9.2f}"
                rows.append(row)
                print(f"{name:36} {threads:7d} {1e3 * o_min:7.2f} ({1e3 * o_med:6.2f}) "
                      f"{rate:8.1f} {100 * rate / machine_peak:5.0f}% "
                      f"{1e3 * t_min:7.2f} ({1e3 * t_med:6.2f}) {t_min / o_min:9.2f}{flex}",
                      flush=True)
    print("GFLOP/s and %peak from ours' minimum; SDPA/ours compares minima. SDPA gets K and V "
          "repeated to the query heads for GQA and a boolean mask for the window; the softcap "
          "row's baseline is HF's eager form (matmul, tanh, mask, softmax, matmul): SDPA has "
          "no softcap.")
    if args.json_out:
        write_sweep(args.json_out, "attention", rows, peak_gflops=peak,
                    peak_all_gflops=peak_all, cores=cores)


if __name__ == "__main__":
    main()
