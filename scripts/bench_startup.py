#!/usr/bin/env python3
"""Compile time and start-up of hybrid-mlir against HF's PyTorch, side by side.

For HF-layout checkpoints (save_pretrained of a randomly initialised model)
of mamba, jamba and gemma2 at hidden 512 and 8, 16 and 32 layers, prints:
  cold    hybrid-run --generate=1 with an empty compile cache: load, compile
          every function a session calls, prefill 64 tokens (wall time)
  cached  the same command again (compile cache hit)
  ttft P  a fresh process from the cache, prompt of P tokens: wall time to
          the first generated token (64, 300, 1000)
  HF      from_pretrained + the first token (a forward over the prompt) in
          this process, for the same prompts, torch eager, all threads.
Nothing is asserted; docs/performance.md keeps the results.

  .venv-hf/bin/python scripts/bench_startup.py [--build build] [--layers 8,32]
      [--models mamba,jamba,gemma2] [--prompts 64,300,1000]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import torch
import transformers


def config_for(model, layers, vocab=4096, hidden=512):
    if model == "mamba":
        return transformers.MambaConfig(vocab_size=vocab, hidden_size=hidden,
                                        num_hidden_layers=layers, state_size=16,
                                        expand=2, conv_kernel=4)
    if model == "gemma2":
        return transformers.Gemma2Config(vocab_size=vocab, hidden_size=hidden,
                                         intermediate_size=2 * hidden,
                                         num_hidden_layers=layers, num_attention_heads=8,
                                         num_key_value_heads=4, head_dim=64,
                                         sliding_window=128, attn_implementation="eager")
    if model == "jamba":
        return transformers.JambaConfig(vocab_size=vocab, hidden_size=hidden,
                                        intermediate_size=2 * hidden,
                                        num_hidden_layers=layers, num_attention_heads=8,
                                        num_key_value_heads=4, num_experts=4,
                                        num_experts_per_tok=2, expert_layer_period=2,
                                        expert_layer_offset=1, attn_layer_period=4,
                                        attn_layer_offset=2, mamba_d_state=16,
                                        mamba_expand=2, use_mamba_kernels=False)
    if model == "mamba2":
        # 16 heads of 64 (expand 2), N = 128, one group; HF's chunk of 256.
        return transformers.Mamba2Config(vocab_size=vocab, hidden_size=hidden,
                                         num_hidden_layers=layers, num_heads=2 * hidden // 64,
                                         head_dim=64, state_size=128, n_groups=1, expand=2,
                                         conv_kernel=4, chunk_size=256)
    raise ValueError(model)


def hf_class(model):
    return {"mamba": transformers.MambaForCausalLM,
            "gemma2": transformers.Gemma2ForCausalLM,
            "jamba": transformers.JambaForCausalLM,
            "mamba2": transformers.Mamba2ForCausalLM}[model]


def run_hybrid(build, directory, prompt, cache):
    ids = ",".join(str((i * 37 + 11) % 4000) for i in range(prompt))
    cmd = [os.path.join(build, "bin", "hybrid-run"), directory, "--target=cpu",
           "--generate=1", "--ignore-eos", "--max-tokens=2048", "--cache-dir=" + cache,
           "--input=1x%dxi64=%s" % (prompt, ids)]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit("hybrid-run failed: " + out.stderr)
    ready = re.search(r"ready in ([0-9.]+) ms", out.stderr)
    return wall, float(ready.group(1)) / 1e3 if ready else float("nan")


def run_hf(model, directory, prompt):
    ids = torch.tensor([[(i * 37 + 11) % 4000 for i in range(prompt)]])
    start = time.perf_counter()
    m = hf_class(model).from_pretrained(directory)
    m.eval()
    loaded = time.perf_counter()
    with torch.no_grad():
        logits = m(ids).logits
    int(logits[0, -1].argmax())
    end = time.perf_counter()
    return loaded - start, end - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--models", default="mamba,jamba,gemma2")
    parser.add_argument("--layers", default="8,16,32")
    parser.add_argument("--prompts", default="64,300,1000")
    args = parser.parse_args()
    prompts = [int(p) for p in args.prompts.split(",")]
    torch.manual_seed(0)
    print("torch %s, %d threads; transformers %s" %
          (torch.__version__, torch.get_num_threads(), transformers.__version__))
    header = "| model | layers | hybrid cold | hybrid cached | " + " | ".join(
        "hybrid ttft %d | HF load+ttft %d | ratio" % (p, p) for p in prompts) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            for layers in [int(n) for n in args.layers.split(",")]:
                directory = os.path.join(tmp, "%s-%d" % (model, layers))
                hf_class(model)(config_for(model, layers)).save_pretrained(directory)
                cache = os.path.join(tmp, "cache-%s-%d" % (model, layers))
                cold, _ = run_hybrid(args.build, directory, prompts[0], cache)
                cached, _ = run_hybrid(args.build, directory, prompts[0], cache)
                row = "| %s | %d | %.1f s | %.2f s |" % (model, layers, cold, cached)
                for p in prompts:
                    ours, _ = run_hybrid(args.build, directory, p, cache)
                    _, theirs = run_hf(model, directory, p)
                    row += " %.2f s | %.2f s | %.2f× |" % (ours, theirs, theirs / ours)
                print(row, flush=True)
                shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
