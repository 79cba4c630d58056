#!/usr/bin/env python3
"""Whole-model prefill of hybrid-mlir against HF eager, side by side.

For HF-layout checkpoints (save_pretrained of a randomly initialised model,
hidden 512, 8 layers; the configs of scripts/bench_startup.py) of mamba,
jamba and gemma2 (and mamba2 when asked: --models mamba2; HF runs its
torch_forward on the CPU, the SSD by broadcast products), times a forward
over P tokens:
  ours 1 / N   hybrid-run DIR --target=cpu --benchmark=N (compiled code;
               the compile is not counted) with --threads=1 and with every
               core
  plain loops  one thread with --packed-gemm=false (linear layers as LLVM
               vectorises the plain loops: the baseline of issue 11)
  HF 1 / HF N  the HF model's forward in this process, torch eager, with one
               thread and with all threads
and prints tokens per second and the ratios, one thread against one and
all against all. With --decode N (default 64) it then prints decode, after
the same prompt, in ms per token:
  ours 1 / N   hybrid-run DIR --generate=N+1 (the session's decode function,
               compiled once through a fresh compile cache)
  HF 1 / HF N  HF's generate() of N+1 tokens, the time from its first
               token to its last divided by N (greedy, with its cache:
               past_key_values / cache_params), so the prefill's own
               variation stays out
  compiled     for the models in --torch-compile (default gemma2,jamba; ""
               skips it): torch.compile of the same HF model (inductor's
               C++ CPU code; its compile, 40-130 s a model, not counted),
               called with use_cache=False (Mamba's cache set-up does not
               trace), one thread and all threads; prefill only. Not mamba
               by default: its CPU path is a Python loop over the tokens,
               which dynamo unrolls (more than 10 minutes and 6 GB at 512
               tokens and 8 layers, never finished here)
--weight-type bf16 runs ours with the projections' weights kept in bfloat16
(hybrid-run --weight-type=bf16), bf16-matmul also rounds prefill's
products' activations to bf16 (vdpbf16ps where the CPU has AVX512-BF16); --hf-dtype bf16 runs HF's model cast to
bfloat16 (torch's own bf16 path: oneDNN, AMX where the CPU has it). The
plain-loop column is f32 either way. Nothing is asserted.

  .venv-hf/bin/python scripts/bench_models.py [--build build] [--tokens 512]
      [--models mamba,jamba,gemma2] [--layers 8] [--runs 3] [--decode 64]
      [--weight-type f32|bf16|bf16-matmul] [--hf-dtype f32|bf16] [--json-out models.json]
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
from bench_startup import config_for, hf_class  # noqa: E402
from plot_bench import write_sweep  # noqa: E402


def run_hybrid(build, directory, ids_path, runs, packed, threads, weight_type="f32"):
    cmd = [os.path.join(build, "bin", "hybrid-run"), directory, "--target=cpu",
           "--input=@" + ids_path, "--benchmark=%d" % runs, "--threads=%d" % threads,
           "--packed-gemm=" + ("true" if packed else "false"),
           "--weight-type=" + weight_type,
           "--output=@" + ids_path + ".logits.npy"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("hybrid-run failed: " + out.stderr)
    return float(re.search(r"([0-9.]+) ms per run", out.stdout).group(1)) / 1e3


def run_hybrid_decode(build, directory, ids_path, tokens, threads, cache, weight_type):
    cmd = [os.path.join(build, "bin", "hybrid-run"), directory, "--target=cpu",
           "--input=@" + ids_path, "--generate=%d" % (tokens + 1), "--ignore-eos",
           "--threads=%d" % threads, "--cache-dir=" + cache,
           "--weight-type=" + weight_type]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("hybrid-run failed: " + out.stderr)
    return float(re.search(r"([0-9.]+) ms/token", out.stdout + out.stderr).group(1)) / 1e3


class StepTimes(transformers.StoppingCriteria):
    """Never stops generation; records when each generated token is done."""

    def __init__(self):
        self.times = []

    def __call__(self, input_ids, scores, **kwargs):
        self.times.append(time.perf_counter())
        return torch.zeros(input_ids.shape[0], dtype=torch.bool)


def run_hf_decode(model, ids, threads, tokens):
    torch.set_num_threads(threads)

    def decode_seconds():
        steps = StepTimes()
        model.generate(ids, max_new_tokens=tokens + 1, min_new_tokens=tokens + 1,
                       do_sample=False, use_cache=True, pad_token_id=0,
                       stopping_criteria=transformers.StoppingCriteriaList([steps]))
        # The first token ends the prefill; the rest are decode steps.
        return (steps.times[-1] - steps.times[0]) / (len(steps.times) - 1)

    with torch.no_grad():
        decode_seconds()
        return min(decode_seconds() for _ in range(2))


def run_hf(model, ids, threads, runs, **kwargs):
    torch.set_num_threads(threads)
    with torch.no_grad():
        model(ids, **kwargs)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(ids, **kwargs)
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--models", default="mamba,jamba,gemma2")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--decode", type=int, default=64)
    parser.add_argument("--weight-type", choices=["f32", "bf16", "bf16-matmul"], default="f32")
    parser.add_argument("--hf-dtype", choices=["f32", "bf16"], default="f32")
    parser.add_argument("--torch-compile", default="gemma2,jamba",
                        help="models also timed under torch.compile (comma-separated)")
    parser.add_argument("--json-out", help="the rows as JSON, for scripts/plot_bench.py")
    args = parser.parse_args()
    rows = []
    torch.manual_seed(0)
    threads = os.cpu_count() or 1
    print("torch %s; %d tokens, hidden 512, %d layers; ours with %s weights, HF in %s; "
          "tok/s (ratio = ours / other)" %
          (torch.__version__, args.tokens, args.layers, args.weight_type, args.hf_dtype))
    compile_models = [m for m in args.torch_compile.split(",") if m]
    compiled_columns = (" compiled 1 thread | vs compiled 1 | compiled %d threads | vs compiled %d |"
                        % (threads, threads)) if compile_models else ""
    print("| model | plain loops | ours 1 thread | HF 1 thread | vs HF 1 | ours %d threads "
          "| HF %d threads | vs HF %d | %d threads vs plain |%s" %
          (threads, threads, threads, threads, compiled_columns))
    print("|---" * (9 + (4 if compile_models else 0)) + "|")
    decode_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            directory = os.path.join(tmp, name)
            model = hf_class(name)(config_for(name, args.layers))
            model.eval()
            model.save_pretrained(directory)
            if args.hf_dtype == "bf16":
                model = model.to(torch.bfloat16)
            ids = torch.tensor([[(i * 37 + 11) % 4000 for i in range(args.tokens)]])
            ids_path = os.path.join(tmp, name + "-ids.npy")
            np.save(ids_path, ids.numpy().astype(np.int64))
            plain = run_hybrid(args.build, directory, ids_path, args.runs, False, 1)
            ours1 = run_hybrid(args.build, directory, ids_path, args.runs, True, 1,
                               args.weight_type)
            oursn = run_hybrid(args.build, directory, ids_path, args.runs, True, threads,
                               args.weight_type)
            hf1 = run_hf(model, ids, 1, args.runs)
            hfn = run_hf(model, ids, threads, args.runs)
            tps = lambda t: args.tokens / t  # noqa: E731
            compiled = " - | - | - | - |" if compile_models else ""
            if name in compile_models:
                compiled_model = torch.compile(model)
                tc1 = run_hf(compiled_model, ids, 1, args.runs, use_cache=False)
                tcn = run_hf(compiled_model, ids, threads, args.runs, use_cache=False)
                compiled = " %.0f | %.2f× | %.0f | %.2f× |" % (tps(tc1), tc1 / ours1, tps(tcn),
                                                              tcn / oursn)
                for n, ours_s, tc_s in ((1, ours1, tc1), (threads, oursn, tcn)):
                    rows.append(dict(case=name + " prefill vs torch.compile", threads=n,
                                     ours_s=ours_s, baseline_s=tc_s, tokens=args.tokens))
            print("| %s | %.0f | %.0f | %.0f | %.2f× | %.0f | %.0f | %.2f× | %.2f× |%s" %
                  (name, tps(plain), tps(ours1), tps(hf1), hf1 / ours1, tps(oursn), tps(hfn),
                   hfn / oursn, plain / oursn, compiled), flush=True)
            for n, ours_s, hf_s in ((1, ours1, hf1), (threads, oursn, hfn)):
                rows.append(dict(case=name + " prefill", threads=n, ours_s=ours_s,
                                 baseline_s=hf_s, tokens=args.tokens))
            if args.decode > 0:
                cache = os.path.join(tmp, name + "-cache")
                d1 = run_hybrid_decode(args.build, directory, ids_path, args.decode, 1, cache,
                                       args.weight_type)
                dn = run_hybrid_decode(args.build, directory, ids_path, args.decode, threads,
                                       cache, args.weight_type)
                h1 = run_hf_decode(model, ids, 1, args.decode)
                hn = run_hf_decode(model, ids, threads, args.decode)
                decode_rows.append((name, d1, h1, dn, hn))
    if decode_rows:
        ms = lambda t: t * 1e3  # noqa: E731
        print("\ndecode after the %d-token prompt, %d tokens; ms/token (ratio = other / ours)"
              % (args.tokens, args.decode))
        print("| model | ours 1 thread | HF 1 thread | vs HF 1 | ours %d threads | HF %d threads "
              "| vs HF %d |" % (threads, threads, threads))
        print("|---|---|---|---|---|---|---|")
        for name, d1, h1, dn, hn in decode_rows:
            print("| %s | %.2f | %.2f | %.2f× | %.2f | %.2f | %.2f× |" %
                  (name, ms(d1), ms(h1), h1 / d1, ms(dn), ms(hn), hn / dn))
            for n, ours_s, hf_s in ((1, d1, h1), (threads, dn, hn)):
                rows.append(dict(case=name + " decode", threads=n, ours_s=ours_s,
                                 baseline_s=hf_s, tokens=1))
    if args.json_out:
        write_sweep(args.json_out, "models", rows, baseline="HF eager %s or torch.compile" % args.hf_dtype,
                    weight_type=args.weight_type, hf_dtype=args.hf_dtype)


if __name__ == "__main__":
    main()
