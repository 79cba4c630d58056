#!/usr/bin/env python3
"""--weight-type=bf16 against Hugging Face's own PyTorch models.

For each model type (hf_compare.py's tiny random models, written in f32):

1. `hybrid-run DIR --weight-type=bf16 --save-weights=rounded.safetensors`
   writes the weights it used. Every tensor must be either exactly the
   checkpoint's, or exactly torch's `.to(torch.bfloat16)` of it (round to
   nearest, ties to even), and the rounded ones must be the projections:
   every nn.Linear and nn.Embedding weight, a mixture's experts included,
   but its router (which stays f32, as do norms, convolutions and the
   SSM's tensors).
2. HF's model with those rounded weights, run in fp32, is the reference:
   the logits of `hybrid-run --weight-type=bf16` on the original checkpoint
   (reference evaluator; cpu through the cached session functions; cpu
   compiled for the length) must be within 1e-4 of its logit scale, the
   project's fp32 tolerance: only the weights are rounded, activations and
   sums stay f32, so nothing but summation order differs.
3. Greedy generation (`--generate`) must give HF's tokens with the rounded
   weights.

`--weight-type=bf16-matmul` (prefill's products also round their
activations to bf16) is checked against the same HF model on a 40-token
prompt: the median over tokens of the largest error within 1e-2 of the
logit scale, the largest no larger than HF's own bf16 model's.

It also prints how far bf16 weights move the logits from the f32 model's
(information, not a check). Usage: hf_compare_bf16.py HYBRID_RUN WORKDIR
[model_type ...]
"""

import copy
import os
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_compare import MODELS, perturb  # noqa: E402

TOLERANCE = 1e-4  # relative to max |HF logits|, as hf_compare.py
# --weight-type=bf16-matmul rounds prefill's activations to bf16 in every
# product too (2^-9 relative each, vdpbf16ps where the CPU has AVX512-BF16).
# On these tiny random models that moves the logits by ~5e-3 of their scale
# per token; a mixture's router may then pick another expert for a token,
# which moves that token further (as it moves HF's own bf16 model more). So
# the median over tokens of the largest error must be within 1e-2 (a lost
# or mispaired k moves every token), and the largest within HF's own bf16
# model's largest error on the same weights (torch's bf16 path).
MATMUL_TOLERANCE = 1e-2
KEPT_F32 = ("router",)  # a mixture's router stays f32; its experts do not


def expected_rounded(model):
    """Checkpoint names of the weights --weight-type=bf16 keeps in bf16."""
    names = set()
    for module_name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
            name = module_name + ".weight"
            if not any(k in name for k in KEPT_F32):
                names.add(name)
    return names


def run(hybrid_run, args):
    subprocess.run([hybrid_run, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def compare(hybrid_run, workdir, model_type, seq=11, batch=2, new_tokens=10):
    torch.manual_seed(0)
    build, _, _ = MODELS[model_type]
    model = build().eval()
    perturb(model, 1)
    out = os.path.join(workdir, model_type)
    model.save_pretrained(out, safe_serialization=True)
    original = load_file(os.path.join(out, "model.safetensors"))
    ids = torch.randint(0, model.config.vocab_size, (batch, seq),
                        generator=torch.Generator().manual_seed(2))
    ids_path = os.path.join(out, "ids.npy")
    np.save(ids_path, ids.numpy().astype(np.int64))
    rounded_path = os.path.join(out, "rounded.safetensors")
    ref_logits = os.path.join(out, "bf16-reference.npy")
    run(hybrid_run, [out, "--weight-type=bf16", "--input=@" + ids_path,
                     "--save-weights=" + rounded_path, "--output=@" + ref_logits])

    # 1. What was rounded, and how.
    ok = True
    rounded = load_file(rounded_path)
    changed = set()
    for name, used in rounded.items():
        given = original[name]
        if torch.equal(used, given):
            continue
        if torch.equal(used, given.to(torch.bfloat16).float()):
            changed.add(name)
        else:
            print(f"{model_type}: {name} is neither the checkpoint's nor its bf16 rounding")
            ok = False
    want = expected_rounded(model) & set(original)
    if changed != want:
        print(f"{model_type}: rounded {sorted(changed)}, expected {sorted(want)}")
        ok = False
    print(f"{model_type} rounding: {len(changed)} of {len(rounded)} tensors rounded to bf16 "
          f"as torch rounds {'OK' if ok else 'MISMATCH'}")

    # 2. Logits against HF with the rounded weights.
    hf = type(model).from_pretrained(out, torch_dtype=torch.float32).eval()
    hf.load_state_dict(rounded, strict=False)
    with torch.no_grad():
        ref = hf(ids).logits.float().numpy()
        f32 = model(ids).logits.float().numpy()
    scale = float(np.abs(ref).max())
    runs = [("reference", ref_logits)]
    for variant, extra in (("cpu", []), ("cpu-no-cache", ["--no-cache"])):
        path = os.path.join(out, f"bf16-{variant}.npy")
        run(hybrid_run, [out, "--weight-type=bf16", "--target=cpu", *extra,
                         "--input=@" + ids_path, "--output=@" + path])
        runs.append((variant, path))
    for variant, path in runs:
        got = np.load(path)
        err = float(np.abs(got - ref).max())
        passed = got.shape == ref.shape and err <= TOLERANCE * scale
        ok &= passed
        print(f"{model_type} bf16 {variant}: max |ours - HF(bf16 weights)| = {err:.3g} "
              f"(scale {scale:.3g}, relative {err / scale:.2e}) "
              f"{'OK' if passed else 'MISMATCH'}")
    # The same weights with prefill's products in bf16, on a prompt long
    # enough for the packed GEMM (16 rows and more; shorter calls take the
    # matrix-vector path, which keeps f32 activations).
    long_ids = torch.randint(0, model.config.vocab_size, (batch, 40),
                             generator=torch.Generator().manual_seed(3))
    long_path = os.path.join(out, "ids40.npy")
    np.save(long_path, long_ids.numpy().astype(np.int64))
    with torch.no_grad():
        long_ref = hf(long_ids).logits.float().numpy()
        hf_bf16 = copy.deepcopy(hf).to(torch.bfloat16)(long_ids).logits.float().numpy()
    long_scale = float(np.abs(long_ref).max())
    path = os.path.join(out, "bf16-matmul-cpu.npy")
    run(hybrid_run, [out, "--weight-type=bf16-matmul", "--target=cpu", "--input=@" + long_path,
                     "--output=@" + path])
    got = np.load(path)
    passed = got.shape == long_ref.shape
    median = worst = torch_worst = float("nan")
    if passed:
        per_token = np.abs(got - long_ref).max(axis=-1) / long_scale
        median, worst = float(np.median(per_token)), float(per_token.max())
        torch_worst = float(np.abs(hf_bf16 - long_ref).max()) / long_scale
        passed = median <= MATMUL_TOLERANCE and worst <= torch_worst
    ok &= passed
    print(f"{model_type} bf16-matmul cpu: |ours - HF(bf16 weights)| / scale per token: median "
          f"{median:.2e} (tolerance {MATMUL_TOLERANCE:g}), largest {worst:.2e} (HF's own bf16 "
          f"model: {torch_worst:.2e}) {'OK' if passed else 'MISMATCH'}")
    moved = float(np.abs(np.load(runs[1][1]) - f32).max()) / float(np.abs(f32).max())
    print(f"{model_type}: bf16 weights move the logits by {moved:.2e} of their scale "
          f"from the f32 model's (information)")

    # 3. Greedy generation.
    prompt = torch.tensor([[5, 17, 3, 42, 11, 2], [9, 9, 1, 30, 4, 4]])
    hf.generation_config.eos_token_id = None
    with torch.no_grad():
        want_ids = hf.generate(prompt, attention_mask=torch.ones_like(prompt),
                               max_new_tokens=new_tokens,
                               do_sample=False)[:, prompt.shape[1]:].numpy()
    prompt_path = os.path.join(out, "prompt.npy")
    np.save(prompt_path, prompt.numpy().astype(np.int64))
    for target in ("reference", "cpu"):
        got_path = os.path.join(out, f"generated-bf16-{target}.npy")
        # Exactly new_tokens arg-max steps, as HF without an end token.
        run(hybrid_run, [out, "--weight-type=bf16", "--target=" + target,
                         "--input=@" + prompt_path, f"--generate={new_tokens}",
                         "--ignore-eos", "--output=@" + got_path])
        got = np.load(got_path)
        same = got.shape == want_ids.shape and bool((got == want_ids).all())
        ok &= same
        print(f"{model_type} bf16 generate {target}: {new_tokens} greedy tokens "
              f"{'OK' if same else 'MISMATCH'}"
              + ("" if same else f" ours {got.tolist()} HF {want_ids.tolist()}"))
    return ok


def main():
    hybrid_run, workdir = sys.argv[1], sys.argv[2]
    types = sys.argv[3:] or ["mamba", "gemma2", "jamba"]
    os.makedirs(workdir, exist_ok=True)
    results = [compare(hybrid_run, workdir, t) for t in types]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
