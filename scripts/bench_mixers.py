#!/usr/bin/env python3
"""New mixers against Hugging Face's own torch implementations, side by side.

For each mixer with a HF module, in this run on this machine: hybrid-bench
times the compiled op (1 thread and every core, --json), and the HF module
runs on the same shapes in fp32 (torch with 1 thread and with every core).
Prints milliseconds, GFLOP/s of the op's matmul work, and HF / ours (above
1: ours faster). Nothing is asserted; docs/performance.md keeps the results.

  rg_lru   RecurrentGemma-2B's RG-LRU (lru_width 2560 in 10 heads, 2048
           tokens) against RecurrentGemmaRglru.forward (block-diagonal gates
           by baddbmm, then its Python loop over time)

  gated_delta_rule
           Qwen3-Next-80B's gated delta rule (16 key heads, 32 value heads,
           dk = dv = 128, 2048 tokens) against HF's torch_chunk_gated_delta_rule
           (the chunked form over chunks of 64, q and k repeated to the value
           heads first as its module does); needs transformers 5 (.venv-hf5)

  ssd_scan Mamba-2's SSD scan (a 130M layer: 24 heads of 64, N = 128, one
           group, 2048 tokens) against the chunked SSD in torch einsums over
           chunks of 256 (the Mamba-2 paper's minimal form, B and C per
           group): HF's Mamba2Mixer.torch_forward does the same math by
           broadcast products ([b, c, l, s, h, n], 1.6 GB at this shape), a
           weaker baseline than this one

  .venv-hf5/bin/python scripts/bench_mixers.py [--build build] [--runs 3] [--json-out mixers.json]
"""

import argparse
import json
import os
import subprocess
import time

import torch
from transformers import RecurrentGemmaConfig
from transformers.models.recurrent_gemma.modeling_recurrent_gemma import RecurrentGemmaRglru

from plot_bench import write_sweep

try:
    from transformers.models.qwen3_next.modeling_qwen3_next import torch_chunk_gated_delta_rule
except ImportError:  # transformers 4.x: no Qwen3-Next
    torch_chunk_gated_delta_rule = None


def ours(build, name_filter, threads, runs):
    out = subprocess.run([os.path.join(build, "bin", "hybrid-bench"), "--json", f"--runs={runs}",
                          f"--filter={name_filter}", f"--threads={threads}"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def median_seconds(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def hf_rg_lru(fields, threads, runs):
    width, heads, seq = int(fields["width"]), int(fields["heads"]), int(fields["L"])
    torch.set_num_threads(threads)
    lru = RecurrentGemmaRglru(RecurrentGemmaConfig(lru_width=width, hidden_size=width,
                                                   num_attention_heads=heads)).eval()
    with torch.no_grad():
        for p in lru.parameters():
            p.uniform_(-1.0, 1.0)
    x = torch.rand(1, seq, width) * 2 - 1
    positions = torch.arange(seq)[None]

    def step():
        lru.recurrent_states = None
        with torch.no_grad():
            lru(x, positions)
    return median_seconds(step, runs)


def hf_gated_delta_rule(fields, threads, runs):
    hk, hv, d, seq = (int(fields[k]) for k in ("Hk", "Hv", "d", "L"))
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)

    def rand(*shape):
        return torch.rand(*shape, generator=gen) * 2 - 1
    q, k, v = rand(1, seq, hk, d), rand(1, seq, hk, d), rand(1, seq, hv, d)
    g, beta = -rand(1, seq, hv).exp(), rand(1, seq, hv).sigmoid()

    def step():
        with torch.no_grad():
            torch_chunk_gated_delta_rule(q.repeat_interleave(hv // hk, dim=2),
                                         k.repeat_interleave(hv // hk, dim=2), v, g, beta,
                                         use_qk_l2norm_in_kernel=True)
    return median_seconds(step, runs)


def torch_ssd_scan(fields, threads, runs):
    heads, head_dim, state, seq = (int(fields[k]) for k in ("H", "P", "N", "L"))
    chunk, groups = 256, 1
    assert seq % chunk == 0, "the einsum form wants whole chunks"
    chunks, per_group = seq // chunk, heads // groups
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)

    def rand(*shape):
        return torch.rand(*shape, generator=gen) * 2 - 1
    x, dt, D = rand(1, seq, heads, head_dim), rand(1, seq, heads), rand(heads)
    A = -rand(heads).exp()
    B, C = rand(1, seq, groups, state), rand(1, seq, groups, state)
    causal = torch.ones(chunk, chunk, dtype=torch.bool).tril()

    def step():
        with torch.no_grad():
            delta = torch.nn.functional.softplus(dt)
            X = (x * delta[..., None]).view(1, chunks, chunk, heads, head_dim)
            cum = (delta * A).view(1, chunks, chunk, heads).permute(0, 3, 1, 2).cumsum(-1)
            Bc = B.view(1, chunks, chunk, groups, state)
            Cc = C.view(1, chunks, chunk, groups, state)
            # Within each chunk: (C·Bᵀ ⊙ e^(G_i − G_j), j ≤ i)·X.
            decay = (cum[..., :, None] - cum[..., None, :]).masked_fill(~causal, -torch.inf).exp()
            scores = torch.einsum("bcign,bcjgn->bgcij", Cc, Bc).repeat_interleave(per_group, 1)
            y = torch.einsum("bhcij,bcjhp->bcihp", scores * decay, X)
            # Each chunk's own end state, then the states passed along.
            Bh = Bc.repeat_interleave(per_group, 3)
            local = torch.einsum("bcjhn,bhcj,bcjhp->bchpn", Bh, (cum[..., -1:] - cum).exp(), X)
            carried, before = torch.zeros(1, heads, head_dim, state), []
            for c in range(chunks):
                before.append(carried)
                carried = cum[:, :, c, -1].exp()[..., None, None] * carried + local[:, c]
            Ch = Cc.repeat_interleave(per_group, 3)
            y = y + torch.einsum("bcihn,bchpn,bhci->bcihp", Ch, torch.stack(before, 1), cum.exp())
            return y.reshape(1, seq, heads, head_dim) + D[:, None] * x
    return median_seconds(step, runs)


BASELINES = {"rg_lru": hf_rg_lru, "gated_delta_rule": hf_gated_delta_rule,
             "ssd_scan": torch_ssd_scan}


def compare(args, mixer, baseline, cores, rows):
    ours1 = ours(args.build, mixer, 1, args.runs)
    oursn = {c["name"]: c for c in ours(args.build, mixer, cores, args.runs)}
    for case in ours1:
        fields = dict(part.split("=") for part in case["name"].split()[1:])
        h1 = baseline(fields, 1, args.runs)
        hn = baseline(fields, cores, args.runs)
        o1, on = case["seconds"], oursn[case["name"]]["seconds"]

        def cell(seconds):
            return f"{1e3 * seconds:7.1f} ({case['work'] / seconds / 1e9:4.0f})"
        print(f"{case['name']:36} {cell(o1):>14} {cell(h1):>14} {h1 / o1:6.2f} | "
              f"{cell(on):>14} {cell(hn):>14} {hn / on:6.2f}")
        for n, ours_s, hf_s in ((1, o1, h1), (cores, on, hn)):
            rows.append(dict(case=case["name"], threads=n, ours_s=ours_s, baseline_s=hf_s))



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json-out", help="the rows as JSON, for scripts/plot_bench.py")
    args = parser.parse_args()
    rows = []
    cores = os.cpu_count() or 1
    print(f"torch {torch.__version__}, {cores} cores; ms (GFLOP/s of the matmul work); "
          f"ratio = HF / ours (ssd_scan: torch einsums / ours)")
    print(f"{'case':36} {'ours 1':>14} {'HF 1':>14} {'x':>6} | {'ours ' + str(cores):>14} "
          f"{'HF ' + str(cores):>14} {'x':>6}")
    for mixer, baseline in BASELINES.items():
        if mixer == "gated_delta_rule" and torch_chunk_gated_delta_rule is None:
            print(f"{mixer}: skipped (needs transformers 5: .venv-hf5)")
            continue
        compare(args, mixer, baseline, cores, rows)
    if args.json_out:
        write_sweep(args.json_out, "mixers", rows, baseline="HF/torch")


if __name__ == "__main__":
    main()
