#!/usr/bin/env python3
"""Compare hybrid-run with Hugging Face's own PyTorch models.

For each model type: build a tiny random model with HF's classes, write it
with `save_pretrained` (config.json + model.safetensors, exactly what HF
writes), run HF's forward in fp32 on random token ids, run
`hybrid-run DIR/config.json --weights=DIR/model.safetensors` on the same ids
(both targets), and compare: max |ours - HF| must be <= 1e-4 * max |HF|.

Needs torch and transformers (`pip install torch transformers==4.46.3
safetensors numpy`); the lit test that calls it is skipped when they are
missing. Usage: hf_compare.py HYBRID_RUN WORKDIR [model_type ...]
"""

import os
import subprocess
import sys

import json
import re

import numpy as np
import torch
import transformers as tf
from safetensors.torch import load_file, save_file

TOLERANCE = 1e-4  # relative to max |HF logits|: fp32 summation-order noise


def mamba():
    cfg = tf.MambaConfig(vocab_size=96, hidden_size=32, state_size=8,
                         num_hidden_layers=2, expand=2, conv_kernel=4,
                         time_step_rank="auto", use_mambapy=False)
    return tf.MambaForCausalLM(cfg)


def gemma2():
    cfg = tf.Gemma2Config(vocab_size=96, hidden_size=32, intermediate_size=64,
                          num_hidden_layers=3, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=8, sliding_window=4,
                          query_pre_attn_scalar=16, attn_logit_softcapping=5.0,
                          final_logit_softcapping=3.0)
    return tf.Gemma2ForCausalLM(cfg)


def jamba():
    cfg = tf.JambaConfig(vocab_size=96, hidden_size=32, intermediate_size=48,
                         num_hidden_layers=4, num_attention_heads=4,
                         num_key_value_heads=2, num_experts=4,
                         num_experts_per_tok=2, expert_layer_period=2,
                         expert_layer_offset=1, attn_layer_period=2,
                         attn_layer_offset=1, mamba_d_state=8, mamba_d_conv=4,
                         mamba_expand=2, use_mamba_kernels=False,
                         tie_word_embeddings=False)
    return tf.JambaForCausalLM(cfg)


def mamba_bias():
    cfg = tf.MambaConfig(vocab_size=64, hidden_size=16, state_size=4,
                         num_hidden_layers=1, expand=3, conv_kernel=3,
                         time_step_rank=3, use_bias=True, use_conv_bias=True,
                         tie_word_embeddings=False, use_mambapy=False)
    return tf.MambaForCausalLM(cfg)


def jamba_dense():
    # Attention first, top-1 routing, MoE every layer, tied head.
    cfg = tf.JambaConfig(vocab_size=64, hidden_size=16, intermediate_size=24,
                         num_hidden_layers=3, num_attention_heads=2,
                         num_key_value_heads=1, num_experts=3,
                         num_experts_per_tok=1, expert_layer_period=1,
                         expert_layer_offset=0, attn_layer_period=3,
                         attn_layer_offset=0, mamba_d_state=4, mamba_d_conv=2,
                         mamba_expand=2, mamba_dt_rank=5,
                         use_mamba_kernels=False, tie_word_embeddings=True)
    return tf.JambaForCausalLM(cfg)


def longformer_config(**extra):
    return tf.LongformerConfig(vocab_size=64, hidden_size=16,
                               intermediate_size=32, num_hidden_layers=2,
                               num_attention_heads=2, attention_window=[4, 6],
                               max_position_embeddings=48, **extra)


def longformer():
    return tf.LongformerModel(longformer_config())


def longformer_long():
    cfg = longformer_config()
    cfg.max_position_embeddings = 256
    return tf.LongformerModel(cfg)


def longformer_mlm():
    return tf.LongformerForMaskedLM(longformer_config(hidden_act="gelu_new"))


def falcon_mamba():
    cfg = tf.FalconMambaConfig(vocab_size=96, hidden_size=32, state_size=8,
                               num_hidden_layers=2, expand=2, conv_kernel=4,
                               use_mambapy=False)
    return tf.FalconMambaForCausalLM(cfg)


# name -> (builder, dtype the checkpoint is written in, global token columns
# or None for a model without a global_attention_mask input)
MODELS = {
    "mamba": (mamba, torch.float32, None),
    "mamba-bias-bf16": (mamba_bias, torch.bfloat16, None),
    "gemma2": (gemma2, torch.float32, None),
    "gemma2-f16": (gemma2, torch.float16, None),
    "jamba": (jamba, torch.float32, None),
    "jamba-dense": (jamba_dense, torch.float32, None),
    "longformer": (longformer, torch.float32, []),
    "longformer-global": (longformer, torch.float32, [0, 7]),
    "longformer-mlm-global-bf16": (longformer_mlm, torch.bfloat16, [3]),
    # 200 tokens: the tiled attention, whose tiles outside the band the
    # global tokens open (first, last, and one far from both).
    "longformer-long-global": (longformer_long, torch.float32, [0, 7, 130, 199]),
    "falcon-mamba": (falcon_mamba, torch.float32, None),
}


# The same models in our own format (docs/model-format.md): the description,
# and how HF's tensor names map to ours. Running it on the renamed weights
# must give HF's logits too, which checks the JSON importer's semantics
# (norm placements, patterns, MoE, softcaps, RoPE) against HF's code.
def mamba_json(cfg):
    return {"format": "hybrid-model", "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.hidden_size, "norm": "rms",
            "norm_eps": cfg.layer_norm_epsilon,
            "num_layers": cfg.num_hidden_layers,
            "pattern": [{"mixer": {"type": "mamba", "state": cfg.state_size,
                                   "conv_kernel": cfg.conv_kernel,
                                   "expand": cfg.expand}}]}


MAMBA_NAMES = [(r"backbone\.embeddings\.", "embed."),
               (r"backbone\.norm_f\.", "final_norm."),
               (r"backbone\.layers\.(\d+)\.norm\.", r"layers.\1.mixer_norm."),
               (r"backbone\.layers\.", "layers.")]


def gemma2_json(cfg):
    def layer(window):
        mixer = {"type": "attention", "heads": cfg.num_attention_heads,
                 "kv_heads": cfg.num_key_value_heads, "head_dim": cfg.head_dim,
                 "mask": "causal", "softcap": cfg.attn_logit_softcapping,
                 "rope_theta": cfg.rope_theta,
                 "scale": cfg.query_pre_attn_scalar ** -0.5}
        if window:
            mixer["window"] = window
        return {"norm": "sandwich", "mixer": mixer,
                "ffn": {"type": "gated_mlp", "intermediate": cfg.intermediate_size,
                        "activation": "gelu_tanh"}}
    return {"format": "hybrid-model", "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.hidden_size, "embedding_scale": "sqrt_hidden",
            "norm": "rms_unit_offset", "norm_eps": cfg.rms_norm_eps,
            "num_layers": cfg.num_hidden_layers,
            "pattern": [layer(cfg.sliding_window), layer(None)],
            "final_softcap": cfg.final_logit_softcapping}


GEMMA2_NAMES = [(r"model\.embed_tokens\.", "embed."), (r"model\.norm\.", "final_norm."),
                (r"\.input_layernorm\.", ".mixer_norm."),
                (r"\.post_attention_layernorm\.", ".mixer_post_norm."),
                (r"\.pre_feedforward_layernorm\.", ".ffn_norm."),
                (r"\.post_feedforward_layernorm\.", ".ffn_post_norm."),
                (r"\.self_attn\.", ".mixer."), (r"\.mlp\.", ".ffn."),
                (r"model\.layers\.", "layers.")]


def jamba_json(cfg):
    pattern = []
    for i in range(cfg.attn_layer_period * cfg.expert_layer_period):
        if i % cfg.attn_layer_period == cfg.attn_layer_offset:
            mixer = {"type": "attention", "heads": cfg.num_attention_heads,
                     "kv_heads": cfg.num_key_value_heads, "mask": "causal"}
        else:
            mixer = {"type": "mamba", "state": cfg.mamba_d_state,
                     "conv_kernel": cfg.mamba_d_conv, "expand": cfg.mamba_expand,
                     "dt_rank": cfg.mamba_dt_rank, "bias": cfg.mamba_proj_bias,
                     "conv_bias": cfg.mamba_conv_bias, "inner_norms": True}
        if i % cfg.expert_layer_period == cfg.expert_layer_offset:
            ffn = {"type": "moe", "experts": cfg.num_experts,
                   "top_k": cfg.num_experts_per_tok,
                   "intermediate": cfg.intermediate_size}
        else:
            ffn = {"type": "gated_mlp", "intermediate": cfg.intermediate_size}
        pattern.append({"mixer": mixer, "ffn": ffn})
    return {"format": "hybrid-model", "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.hidden_size, "norm": "rms",
            "norm_eps": cfg.rms_norm_eps, "num_layers": cfg.num_hidden_layers,
            "pattern": pattern, "tie_embeddings": cfg.tie_word_embeddings}


JAMBA_NAMES = [(r"model\.embed_tokens\.", "embed."),
               (r"model\.final_layernorm\.", "final_norm."),
               (r"\.input_layernorm\.", ".mixer_norm."),
               (r"\.pre_ff_layernorm\.", ".ffn_norm."),
               (r"\.self_attn\.", ".mixer."), (r"\.mamba\.", ".mixer."),
               (r"\.feed_forward\.", ".ffn."), (r"model\.layers\.", "layers.")]


def stack_experts(tensors):
    """HF's experts.E.gate_proj.weight → our stacked experts.gate_proj."""
    out, stacks = {}, {}
    for name, t in tensors.items():
        m = re.match(r"(.*)\.experts\.(\d+)\.(\w+)\.weight$", name)
        if m:
            stacks.setdefault(f"{m[1]}.experts.{m[3]}", {})[int(m[2])] = t
        else:
            out[name] = t
    for name, parts in stacks.items():
        out[name] = torch.stack([parts[e] for e in sorted(parts)])
    return out


AS_JSON = {"mamba": (mamba_json, MAMBA_NAMES), "gemma2": (gemma2_json, GEMMA2_NAMES),
           "jamba": (jamba_json, JAMBA_NAMES)}


def write_as_json(model_type, cfg, out):
    """Writes model.json + weights.safetensors of our format beside HF's."""
    describe, names = AS_JSON[model_type]
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(describe(cfg), f, indent=1)
    renamed = {}
    for name, t in load_file(os.path.join(out, "model.safetensors")).items():
        for pattern, replacement in names:
            name = re.sub(pattern, replacement, name)
        renamed[name] = t.float().contiguous()
    save_file(stack_experts(renamed), os.path.join(out, "weights.safetensors"))


def perturb(model, seed):
    """HF initialises norms to 1 and biases to 0; random values make every
    weight matter, so a wrong offset or a dropped bias shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log") or name.endswith(".D"):
                continue  # keep the SSM stable: A = -exp(A_log) < 0
            p.add_(0.2 * torch.randn(p.shape, generator=g))


# Models compared over more than the default 11 tokens.
SEQ_LEN = {"longformer-long-global": 200}


def compare(hybrid_run, workdir, model_type, seq=None, batch=2):
    seq = seq or SEQ_LEN.get(model_type, 11)
    torch.manual_seed(0)
    build, dtype, global_columns = MODELS[model_type]
    model = build().eval()
    perturb(model, 1)
    out = os.path.join(workdir, model_type)
    model.to(dtype).save_pretrained(out, safe_serialization=True)
    # HF's reference: its own loader reading the checkpoint back in fp32.
    model = type(model).from_pretrained(out, torch_dtype=torch.float32).eval()
    ids = torch.randint(0, model.config.vocab_size, (batch, seq),
                        generator=torch.Generator().manual_seed(2))
    if global_columns is not None:
        ids[0, 2] = ids[1, 5] = model.config.pad_token_id  # positions skip these
    np.save(os.path.join(out, "ids.npy"), ids.numpy().astype(np.int64))
    inputs = ["--input=@" + os.path.join(out, "ids.npy")]
    kwargs = {}
    if global_columns:
        mask = torch.zeros((batch, seq), dtype=torch.long)
        mask[0, global_columns] = 1  # row 1 of the batch has none
        np.save(os.path.join(out, "global.npy"), mask.numpy())
        inputs.append("--input=@" + os.path.join(out, "global.npy"))
        kwargs["global_attention_mask"] = mask
    with torch.no_grad():
        result = model(ids, **kwargs)
    ref = (result.logits if hasattr(result, "logits")
           else result.last_hidden_state).float().numpy()
    scale = float(np.abs(ref).max())
    runs = [("", "config.json", "model.safetensors", t) for t in ("reference", "cpu")]
    if model_type in AS_JSON:
        write_as_json(model_type, model.config, out)
        runs += [("-as-json", "model.json", "weights.safetensors", t)
                 for t in ("reference", "cpu")]
    ok = True
    for variant, description, weights, target in runs:
        got_path = os.path.join(out, f"logits{variant}-{target}.npy")
        subprocess.run([hybrid_run, os.path.join(out, description),
                        "--weights=" + os.path.join(out, weights),
                        *inputs, "--output=@" + got_path, "--target=" + target],
                       check=True, stdout=subprocess.DEVNULL)
        got = np.load(got_path)
        if got.shape != ref.shape:
            print(f"{model_type}{variant} {target}: shape {got.shape} != HF {ref.shape}")
            ok = False
            continue
        err = float(np.abs(got - ref).max())
        passed = err <= TOLERANCE * scale
        ok &= passed
        print(f"{model_type}{variant} {target}: max |ours - HF| = {err:.3g} "
              f"(logit scale {scale:.3g}, relative {err / scale:.2e}) "
              f"{'OK' if passed else 'MISMATCH'}")
    return ok


def transfo_xl(hybrid_run, workdir, seq=6, batch=2):
    """HF's (deprecated) TransfoXLModel against our rel_attention format over
    two segments: HF starts from mem_len zero rows of memory (init_mems), so
    ours gets zero memory inputs, then each carries its own memory on."""
    # transformers 4.46's deprecated TXL calls arange(...).type_as(dtype=...),
    # which newer torch rejects; give type_as that meaning for this model.
    type_as = torch.Tensor.type_as
    torch.Tensor.type_as = lambda self, other=None, dtype=None: (
        self.to(dtype) if other is None else type_as(self, other))
    torch.manual_seed(0)
    cfg = tf.TransfoXLConfig(vocab_size=64, cutoffs=[], d_model=16, d_embed=16,
                             n_head=2, d_head=8, d_inner=32, n_layer=2,
                             mem_len=8, same_length=False, clamp_len=-1,
                             div_val=1, adaptive=False)
    model = tf.TransfoXLModel(cfg).eval()
    perturb(model, 1)
    out = os.path.join(workdir, "transfo-xl")
    os.makedirs(out, exist_ok=True)
    names = [(r"word_emb\.emb_layers\.0\.", "embed."),
             (r"\.dec_attn\.layer_norm\.", ".mixer_norm."),
             (r"\.dec_attn\.", ".mixer."), (r"\.pos_ff\.CoreNet\.0\.", ".ffn.fc1."),
             (r"\.pos_ff\.CoreNet\.3\.", ".ffn.fc2."),
             (r"\.pos_ff\.layer_norm\.", ".ffn_norm.")]
    weights = {}
    for name, t in model.state_dict().items():
        if name == "pos_emb.inv_freq":
            continue
        for pattern, replacement in names:
            name = re.sub(pattern, replacement, name)
        weights[name] = t.float().contiguous()
    save_file(weights, os.path.join(out, "weights.safetensors"))
    description = {"format": "hybrid-model", "vocab_size": 64, "hidden_size": 16,
                   "embedding_scale": "sqrt_hidden", "norm": "layer",
                   "norm_eps": cfg.layer_norm_epsilon, "memory_length": cfg.mem_len,
                   "num_layers": cfg.n_layer,
                   "pattern": [{"norm": "post",
                                "mixer": {"type": "rel_attention", "heads": 2, "head_dim": 8},
                                "ffn": {"type": "mlp", "intermediate": 32,
                                        "activation": "relu"}}],
                   "final_norm": False, "output": "hidden_states"}
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(description, f, indent=1)
    g = torch.Generator().manual_seed(2)
    mems_hf = None
    mems_ours = [np.zeros((batch, cfg.mem_len, 16), np.float32)] * cfg.n_layer
    ok = True
    for segment in range(2):
        ids = torch.randint(0, 64, (batch, seq), generator=g)
        with torch.no_grad():
            result = model(ids, mems=mems_hf)
        ref, mems_hf = result.last_hidden_state.numpy(), result.mems
        prefix = os.path.join(out, f"segment{segment}")
        np.save(prefix + "-ids.npy", ids.numpy().astype(np.int64))
        inputs = ["--input=@" + prefix + "-ids.npy"]
        for l, mem in enumerate(mems_ours):
            np.save(f"{prefix}-mem{l}.npy", mem)
            inputs.append(f"--input=@{prefix}-mem{l}.npy")
        outputs = [f"--output=@{prefix}-hidden.npy"] + [
            f"--output=@{prefix}-newmem{l}.npy" for l in range(cfg.n_layer)]
        subprocess.run([hybrid_run, os.path.join(out, "model.json"),
                        "--weights=" + os.path.join(out, "weights.safetensors"),
                        *inputs, *outputs, "--target=cpu"],
                       check=True, stdout=subprocess.DEVNULL)
        got = np.load(prefix + "-hidden.npy")
        mems_ours = [np.load(f"{prefix}-newmem{l}.npy") for l in range(cfg.n_layer)]
        # HF's memory is time-major (mem_len, batch, d).
        mem_err = max(float(np.abs(mems_ours[l] - mems_hf[l].numpy().transpose(1, 0, 2)).max())
                      for l in range(cfg.n_layer))
        scale = float(np.abs(ref).max())
        err = float(np.abs(got - ref).max())
        passed = err <= TOLERANCE * scale and mem_err <= TOLERANCE * scale
        ok &= passed
        print(f"transfo-xl-as-json segment {segment} cpu: max |ours - HF| = {err:.3g} "
              f"(scale {scale:.3g}, relative {err / scale:.2e}; memory {mem_err:.3g}) "
              f"{'OK' if passed else 'MISMATCH'}")
    return ok


def generate(hybrid_run, workdir, model_type="mamba", new_tokens=12):
    """HF's greedy generate against hybrid-run --generate, token for token,
    on the checkpoint compare() wrote (run it first)."""
    out = os.path.join(workdir, model_type)
    model = tf.AutoModelForCausalLM.from_pretrained(out, torch_dtype=torch.float32).eval()
    prompt = torch.tensor([[5, 17, 3, 42, 11, 2], [9, 9, 1, 30, 4, 4]])
    # Plain arg-max for exactly new_tokens steps: no end-of-sequence stop
    # (HF would pad after an EOS, or forbid it with min_new_tokens).
    model.generation_config.eos_token_id = None
    with torch.no_grad():
        hf = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                            max_new_tokens=new_tokens,
                            do_sample=False)[:, prompt.shape[1]:].numpy()
    np.save(os.path.join(out, "prompt.npy"), prompt.numpy().astype(np.int64))
    ok = True
    for target in ("reference", "cpu"):
        ids_path = os.path.join(out, f"generated-{target}.npy")
        subprocess.run([hybrid_run, os.path.join(out, "config.json"),
                        "--weights=" + os.path.join(out, "model.safetensors"),
                        "--input=@" + os.path.join(out, "prompt.npy"),
                        f"--generate={new_tokens}", "--output=@" + ids_path,
                        "--target=" + target],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ours = np.load(ids_path)
        same = ours.shape == hf.shape and (ours == hf).all()
        ok &= bool(same)
        print(f"{model_type}-generate {target}: {new_tokens} greedy tokens x "
              f"{prompt.shape[0]} sequences {'OK' if same else 'MISMATCH'}"
              + ("" if same else f" ours {ours.tolist()} HF {hf.tolist()}"))
    return ok


def main():
    hybrid_run, workdir = sys.argv[1], sys.argv[2]
    types = sys.argv[3:] or list(MODELS) + ["transfo-xl"]
    os.makedirs(workdir, exist_ok=True)
    results = [transfo_xl(hybrid_run, workdir) if t == "transfo-xl"
               else compare(hybrid_run, workdir, t) for t in types]
    for t in ("mamba", "mamba-bias-bf16", "gemma2", "jamba", "jamba-dense",
              "falcon-mamba"):
        if t in types:
            results.append(generate(hybrid_run, workdir, t))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
