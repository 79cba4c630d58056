"""The Python package against HF's own PyTorch models and hybrid-run.

Usage: package.py HYBRID_RUN WORKDIR. Writes tiny HF checkpoints with
save_pretrained (sharded safetensors, a generation_config.json), then checks
through `hybrid_mlir` on both targets:
  - logits equal HF's forward (1e-4 of max |HF logit|: fp32 summation order);
  - greedy generate equals HF generate token for token, prompt included;
  - a session's prefill + decode rows equal the forward's; restore() of a
    snapshot replays the same logits;
  - seeded sampling draws the tokens hybrid-run --generate draws (one sampler
    in C++ behind both), and generation_config.json's defaults apply;
  - torch tensors in, numpy out without a copy, a streamer per step;
  - errors are hybrid_mlir.Error with messages naming the argument.
Prints one OK/MISMATCH line per check.
"""

import os
import subprocess
import sys
import json

import numpy as np
import torch
import transformers as tf

import hybrid_mlir as hm

TOLERANCE = 1e-4
ok = True


def check(name, good, detail=""):
    global ok
    ok &= bool(good)
    print(f"{name}: {'OK' if good else 'MISMATCH ' + detail}")


def perturb(model, seed):
    """Norms at 1 and biases at 0 would hide a dropped weight."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log") or name.endswith(".D"):
                continue
            p.add_(0.2 * torch.randn(p.shape, generator=g))


def checkpoints(workdir):
    torch.manual_seed(0)
    gemma = tf.Gemma2ForCausalLM(tf.Gemma2Config(
        vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, sliding_window=4,
        query_pre_attn_scalar=16, attn_logit_softcapping=5.0, final_logit_softcapping=3.0))
    mamba = tf.MambaForCausalLM(tf.MambaConfig(
        vocab_size=96, hidden_size=32, state_size=8, num_hidden_layers=2, expand=2,
        conv_kernel=4, use_mambapy=False))
    dirs = {}
    for name, model in (("gemma2", gemma), ("mamba", mamba)):
        perturb(model, 1)
        model.eval()
        out = os.path.join(workdir, name)
        # Shards, as checkpoints of real size come.
        model.save_pretrained(out, max_shard_size="40KB", safe_serialization=True)
        dirs[name] = (out, model)
    return dirs


def hybrid_run_tokens(hybrid_run, directory, prompt, steps, flags):
    np.save(os.path.join(directory, "prompt.npy"), prompt.astype(np.int64))
    out = subprocess.run([hybrid_run, directory, "--input=@" + os.path.join(directory, "prompt.npy"),
                          f"--generate={steps}", "--target=cpu"] + flags,
                         check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("generated:"))
    columns = [list(map(int, step.split(","))) for step in line.split()[1:]]
    return np.array(columns, dtype=np.int64).T  # [batch, steps]


def main():
    hybrid_run, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    dirs = checkpoints(workdir)
    prompt = np.array([[5, 17, 3, 42, 11, 2], [9, 9, 1, 30, 4, 4]], dtype=np.int64)

    for name, (directory, hf) in dirs.items():
        with torch.no_grad():
            expected = hf(torch.from_numpy(prompt)).logits.numpy()
        scale = np.abs(expected).max()
        for target in ("reference", "cpu"):
            model = hm.load(directory, target=target, threads=2, max_tokens=64, verbose=False)
            logits = model(prompt)
            error = np.abs(logits - expected).max() / scale
            check(f"{name} {target} logits (rel {error:.1e})",
                  logits.shape == expected.shape and error < TOLERANCE)
            # Ids from anything that offers DLPack (JAX, CuPy CPU arrays).
            dlpack = type("DLPackOnly", (), {
                "__dlpack__": lambda self, **kw: prompt.__dlpack__(**kw),
                "__dlpack_device__": lambda self: prompt.__dlpack_device__()})()
            check(f"{name} {target} DLPack ids", np.array_equal(model(dlpack), logits))

            # Greedy generation, HF's contract: prompt then new tokens.
            hf.generation_config.eos_token_id = None
            with torch.no_grad():
                hf_ids = hf.generate(torch.from_numpy(prompt),
                                     attention_mask=torch.ones_like(torch.from_numpy(prompt)),
                                     max_new_tokens=8, do_sample=False).numpy()
            ours = model.generate(torch.from_numpy(prompt), max_new_tokens=8)
            check(f"{name} {target} greedy generate", np.array_equal(ours, hf_ids),
                  f"ours {ours.tolist()} HF {hf_ids.tolist()}")

            # A session: prefill 4 tokens, decode 2, against the forward's rows;
            # restore replays the decode.
            session = model.session(batch=2)
            first = session.prefill(prompt[:, :4])
            snap = session.snapshot()
            step4 = session.decode(prompt[:, 4])
            step5 = session.decode(prompt[:, 5:6])
            rows = np.concatenate([first, step4, step5], axis=1)
            error = np.abs(rows - expected).max() / scale
            check(f"{name} {target} session prefill+decode (rel {error:.1e})",
                  error < TOLERANCE and session.tokens == 6)
            session.restore(snap)
            again = session.decode(prompt[:, 4])
            check(f"{name} {target} restore", np.array_equal(again, step4) and session.tokens == 5)

    # weight_type="bf16": HF's model with its projections' weights rounded
    # to bf16 (nn.Linear and nn.Embedding; activations stay f32) is the
    # reference, at the same tolerance.
    directory, hf = dirs["gemma2"]
    with torch.no_grad():
        for module in hf.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
                module.weight.copy_(module.weight.to(torch.bfloat16).float())
        expected = hf(torch.from_numpy(prompt)).logits.numpy()
    scale = np.abs(expected).max()
    for target in ("reference", "cpu"):
        model = hm.load(directory, target=target, max_tokens=64, verbose=False,
                        weight_type="bf16")
        error = np.abs(model(prompt) - expected).max() / scale
        check(f"gemma2 {target} bf16 weights (rel {error:.1e})", error < TOLERANCE)
    # weight_type="bf16-matmul": the same weights, and prefill's products
    # (a 20-token prompt: 40 rows) round their activations to bf16 too:
    # within 1e-2 of the scale (docs/compiling.md).
    long_prompt = (np.arange(40, dtype=np.int64).reshape(2, 20) * 7) % 96
    with torch.no_grad():
        expected = hf(torch.from_numpy(long_prompt)).logits.numpy()
    model = hm.load(directory, target="cpu", max_tokens=64, verbose=False,
                    weight_type="bf16-matmul")
    error = np.abs(model(long_prompt) - expected).max() / np.abs(expected).max()
    check(f"gemma2 cpu bf16-matmul (rel {error:.1e})", error < 1e-2)

    # Seeded sampling: the same tokens as hybrid-run's flags.
    directory, _ = dirs["mamba"]
    model = hm.load(directory, target="cpu", max_tokens=64, verbose=False)
    flags = dict(do_sample=True, temperature=0.8, top_k=20, top_p=0.9, repetition_penalty=1.3,
                 seed=11)
    ours = model.generate(prompt, max_new_tokens=10, **flags)[:, prompt.shape[1]:]
    cli = hybrid_run_tokens(hybrid_run, directory, prompt, 10,
                            ["--do-sample", "--temperature=0.8", "--top-k=20", "--top-p=0.9",
                             "--repetition-penalty=1.3", "--seed=11"])
    check("sampling equals hybrid-run's", np.array_equal(ours, cli),
          f"ours {ours.tolist()} CLI {cli.tolist()}")
    other = model.generate(prompt, max_new_tokens=10, **dict(flags, seed=12))[:, prompt.shape[1]:]
    check("another seed draws other tokens", not np.array_equal(ours, other))

    # generation_config.json's defaults, in both.
    with open(os.path.join(directory, "generation_config.json"), "w") as f:
        json.dump({"do_sample": True, "temperature": 1.5, "top_k": 0, "eos_token_id": None}, f)
    model = hm.load(directory, target="cpu", max_tokens=64, verbose=False)
    ours = model.generate(prompt, max_new_tokens=10, seed=3)[:, prompt.shape[1]:]
    cli = hybrid_run_tokens(hybrid_run, directory, prompt, 10, ["--seed=3"])
    check("generation_config.json defaults", np.array_equal(ours, cli) and
          model.generation_defaults.get("do_sample") is True,
          f"ours {ours.tolist()} CLI {cli.tolist()}")

    # eos: a sequence that produces it is padded, and all finished stops.
    greedy = model.generate(prompt, max_new_tokens=6, do_sample=False)
    eos = int(greedy[0, prompt.shape[1]])
    stopped = model.generate(prompt, max_new_tokens=6, do_sample=False, eos_token_id=eos,
                             pad_token_id=0)
    row = stopped[0, prompt.shape[1]:]
    check("eos pads the finished sequence", row[0] == eos and (row[1:] == 0).all(),
          f"greedy {greedy.tolist()} with eos {eos}: {stopped.tolist()}")

    # Streaming and zero-copy logits.
    seen = []
    model.generate(prompt[:1], max_new_tokens=4, do_sample=False,
                   streamer=lambda step, tokens: seen.append((step, tokens.tolist())))
    check("streamer per step", [s for s, _ in seen] == [0, 1, 2, 3])
    logits = model(prompt)
    check("logits are not copied", not logits.flags["OWNDATA"] and logits.base is not None)
    as_torch = model(torch.from_numpy(prompt))
    check("torch in, torch out", isinstance(as_torch, torch.Tensor) and
          torch.equal(as_torch, torch.from_numpy(logits)))

    # Errors, as hybrid_mlir.Error naming the argument.
    def raises(name, call, text):
        try:
            call()
        except hm.Error as e:
            check(f"error: {name}", text in str(e), f"got {e}")
            return
        check(f"error: {name}", False, "no error")

    raises("out-of-vocabulary id", lambda: model(np.array([[1, 96]])), "outside the vocabulary [0, 96)")
    raises("float ids", lambda: model(np.ones((1, 3), dtype=np.float32)), "integer array")
    raises("top_p", lambda: model.generate(prompt, max_new_tokens=2, top_p=1.5), "top_p must be in (0, 1]")
    raises("context", lambda: model.generate(prompt, max_new_tokens=100), "the model holds 64 (max_tokens)")
    raises("batch", lambda: model.session(batch=0), "batch must be an integer in [1, 4096]")
    raises("missing path", lambda: hm.load(os.path.join(workdir, "nope")), "no such file or directory")
    raises("target", lambda: hm.load(directory, target="gpu")(prompt), 'target must be "cpu" or "reference"')
    raises("weight type", lambda: hm.load(directory, weight_type="f16"),
           'weight_type must be "f32", "bf16" or "bf16-matmul"')
    raises("bad config", lambda: hm.load(os.path.join(directory, "generation_config.json"),
                                         random_weights=1)(prompt), "generation_config.json")
    raises("decode of two tokens", lambda: model.session(batch=2).decode(np.array([[1, 2]])),
           "decode takes one token per sequence")
    raises("empty weights name", lambda: hm.load(os.path.join(directory, "config.json"), weights=""),
           "weights must name a .safetensors file")
    raises("float top_k", lambda: model.generate(prompt, max_new_tokens=2, do_sample=True, top_k=2.7),
           "top_k must be an integer")
    raises("string do_sample", lambda: model.generate(prompt, max_new_tokens=2, do_sample="no"),
           "do_sample must be True or False")
    raises("negative seed", lambda: model.generate(prompt, max_new_tokens=2, do_sample=True, seed=-1),
           "seed must be an integer in [0,")
    one = model.session(batch=1)
    one.prefill(prompt[:1, :2])
    raises("snapshot of another batch", lambda: model.session(batch=2).restore(one.snapshot()),
           "it holds 1 sequence(s), this session 2")
    check("generate: torch in, torch out",
          isinstance(model.generate(torch.from_numpy(prompt), max_new_tokens=2), torch.Tensor))

    # Threads share a session safely: calls are serialised, and the context
    # check holds (it raced: 100 threads decoded 107 tokens into a context of 8).
    import threading
    small = hm.load(directory, target="cpu", max_tokens=8, verbose=False)
    shared = small.session(batch=1)
    shared.prefill(prompt[:1, :6])
    failures = []

    def decode_twice():
        for _ in range(2):
            try:
                shared.decode([3])
            except hm.Error as e:
                failures.append(str(e))
    workers = [threading.Thread(target=decode_twice) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    check("threads on one session stop at the context",
          shared.tokens == 8 and len(failures) == 14 and "the context is full" in failures[0],
          f"tokens {shared.tokens}, {len(failures)} errors")

    other_session = hm.load(dirs["gemma2"][0], max_tokens=64, verbose=False).session(batch=2)
    other_session.prefill(prompt[:, :2])
    raises("foreign snapshot", lambda: model.session(batch=2).restore(other_session.snapshot()),
           "cannot restore this snapshot")

    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
