#!/usr/bin/env python3
"""Compare hybrid-run with Hugging Face transformers 5's own PyTorch models.

The files transformers 5 writes differ from 4.x's: RoPE as
`rope_parameters` (scaling types included), new config defaults, keys that
HF's eager attention ignores. Each case builds a tiny random model with
transformers 5's classes, writes it with `save_pretrained`, optionally edits
config.json as a user would, reads it back with `from_pretrained` (HF's
reference, fp32), and runs `hybrid-run DIR/config.json --weights=...` on the
same ids on both targets: max |ours - HF| must be <= 1e-4 * max |HF|.

Usage: hf5_compare.py HYBRID_RUN WORKDIR [case ... | --group=core|ssm|moe|recurrent|delta]
"""

import json
import os
import subprocess
import sys

import numpy as np
import torch
import transformers as tf

TOLERANCE = 1e-4  # relative to max |HF logits|: fp32 summation-order noise


def gemma2(**extra):
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=64,
               num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
               head_dim=8, sliding_window=4, query_pre_attn_scalar=16,
               attn_logit_softcapping=5.0, final_logit_softcapping=3.0)
    cfg.update(extra)
    return tf.Gemma2ForCausalLM(tf.Gemma2Config(**cfg))


def recurrent_gemma(**extra):
    # hidden 48 over 4 heads (head_dim 12, RoPE on 6), one KV head, an LRU
    # wider than hidden (64: blocks of 16), a conv of width 3, a window of 6
    # (shorter than the 11-token input and the generated sequences) and the
    # softcap at 5, so that every part moves the logits.
    cfg = dict(vocab_size=96, hidden_size=48, intermediate_size=80, num_hidden_layers=4,
               num_attention_heads=4, num_key_value_heads=1, lru_width=64,
               attention_window_size=6, conv1d_width=3, logits_soft_cap=5.0)
    cfg.update(extra)
    return tf.RecurrentGemmaForCausalLM(tf.RecurrentGemmaConfig(**cfg))


def qwen3_next(**extra):
    # hidden 48; gated attention with 4 heads of 16 (RoPE on 4 dims) over 2
    # KV heads; Gated DeltaNet with 2 key heads of 8 and 4 value heads of 12
    # (two per key head), a conv of width 3; layer 0 dense (mlp_only_layers),
    # the rest 4 experts, top 2, and a shared expert.
    cfg = dict(vocab_size=96, hidden_size=48, intermediate_size=40, num_hidden_layers=4,
               num_attention_heads=4, num_key_value_heads=2, head_dim=16,
               linear_num_key_heads=2, linear_num_value_heads=4, linear_key_head_dim=8,
               linear_value_head_dim=12, linear_conv_kernel_dim=3,
               layer_types=["linear_attention", "full_attention", "linear_attention",
                            "linear_attention"],
               num_experts=4, num_experts_per_tok=2, moe_intermediate_size=24,
               shared_expert_intermediate_size=32, mlp_only_layers=[0],
               tie_word_embeddings=False)
    cfg.update(extra)
    return tf.Qwen3NextForCausalLM(tf.Qwen3NextConfig(**cfg))


def qwen3_5(moe=False, **extra):
    # Qwen3.5's flat DeltaNet projections (in_proj_qkv, _z, _b, _a); 3 value
    # heads over 1 key head; dense MLPs, or a mixture on every layer.
    cfg = dict(vocab_size=96, hidden_size=48, num_hidden_layers=3, num_attention_heads=2,
               num_key_value_heads=1, head_dim=16, linear_num_key_heads=1,
               linear_num_value_heads=3, linear_key_head_dim=16, linear_value_head_dim=8,
               linear_conv_kernel_dim=4,
               layer_types=["linear_attention", "full_attention", "linear_attention"],
               tie_word_embeddings=False)
    if moe:
        cfg.update(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=24,
                   shared_expert_intermediate_size=32)
    else:
        cfg.update(intermediate_size=40)
    cfg.update(extra)
    if moe:
        return tf.Qwen3_5MoeForCausalLM(tf.Qwen3_5MoeTextConfig(**cfg))
    return tf.Qwen3_5ForCausalLM(tf.Qwen3_5TextConfig(**cfg))


def qwen3_5_vision_language(moe=False):
    # The vision-language class Qwen3.5 ships as (text_config inside, the
    # language model under model.language_model., a tiny vision tower that
    # text input never reaches); the top-level flag ties the head.
    text = dict(vocab_size=96, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
                num_key_value_heads=1, head_dim=16, linear_num_key_heads=1,
                linear_num_value_heads=2, linear_key_head_dim=16, linear_value_head_dim=8,
                layer_types=["linear_attention", "full_attention"])
    if moe:
        text.update(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=24,
                    shared_expert_intermediate_size=32)
    else:
        text.update(intermediate_size=40)
    vision = dict(depth=1, hidden_size=32, num_heads=2, intermediate_size=64, out_hidden_size=48,
                  patch_size=4, num_position_embeddings=16)
    if moe:
        return tf.Qwen3_5MoeForConditionalGeneration(tf.Qwen3_5MoeConfig(
            text_config=text, vision_config=vision, tie_word_embeddings=True))
    return tf.Qwen3_5ForConditionalGeneration(tf.Qwen3_5Config(
        text_config=text, vision_config=vision, tie_word_embeddings=True))


def jamba(**extra):
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=48,
               num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
               num_experts=4, num_experts_per_tok=2, expert_layer_period=2,
               expert_layer_offset=1, attn_layer_period=2, attn_layer_offset=1,
               mamba_d_state=8, mamba_d_conv=4, mamba_expand=2,
               use_mamba_kernels=False, tie_word_embeddings=False)
    cfg.update(extra)
    return tf.JambaForCausalLM(tf.JambaConfig(**cfg))


def mamba():
    return tf.MambaForCausalLM(tf.MambaConfig(
        vocab_size=96, hidden_size=32, state_size=8, num_hidden_layers=2,
        expand=2, conv_kernel=4, use_mambapy=False))


def mamba2(**extra):
    # n_groups 2 of 8 heads (the grouped gated norm), chunk_size 4 not
    # dividing the 11-token input.
    cfg = dict(vocab_size=96, hidden_size=32, num_heads=8, head_dim=8,
               state_size=8, n_groups=2, num_hidden_layers=2, conv_kernel=4,
               chunk_size=4)
    cfg.update(extra)
    return tf.Mamba2ForCausalLM(tf.Mamba2Config(**cfg))


def bamba(**extra):
    # Mamba-2 layers around one attention layer (partial RoPE, GQA 4:2).
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=64,
               num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
               attn_layer_indices=[1], mamba_n_heads=8, mamba_d_state=8,
               mamba_n_groups=2, mamba_chunk_size=4, tie_word_embeddings=False)
    cfg.update(extra)
    return tf.BambaForCausalLM(tf.BambaConfig(**cfg))


def lfm2(**extra):
    # Short-conv layers 0, 2, 3 and attention at 1 (QK-norm, GQA 4:2); the
    # MLP width from block_auto_adjust_ff_dim: int(2·96/3) = 64, × 1.5 = 96,
    # rounded up to a multiple of 32 = 96.
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=96,
               num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
               layer_types=["conv", "full_attention", "conv", "conv"],
               conv_L_cache=3, block_multiple_of=32, block_ffn_dim_multiplier=1.5,
               tie_word_embeddings=True)
    cfg.update(extra)
    return tf.Lfm2ForCausalLM(tf.Lfm2Config(**cfg))


def granite(**extra):
    # Mamba-2, attention (RoPE, GQA 4:2), Mamba-2; a top-2 MoE of 4 experts
    # plus the shared MLP after each; every multiplier away from 1.
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=16,
               shared_intermediate_size=24, num_hidden_layers=3,
               num_attention_heads=4, num_key_value_heads=2,
               layer_types=["mamba", "attention", "mamba"], mamba_n_heads=8,
               mamba_d_state=8, mamba_n_groups=2, mamba_chunk_size=4,
               num_local_experts=4, num_experts_per_tok=2,
               position_embedding_type="rope", embedding_multiplier=2.0,
               residual_multiplier=0.5, attention_multiplier=0.3,
               logits_scaling=4.0)
    cfg.update(extra)
    return tf.GraniteMoeHybridForCausalLM(tf.GraniteMoeHybridConfig(**cfg))


def falcon_h1(**extra):
    # Attention ∥ Mamba-2 in every layer, every muP multiplier away from 1,
    # the Mamba width from mamba_d_ssm, the gated norm before the gate.
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=48,
               num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
               mamba_d_ssm=48, mamba_n_heads=6, mamba_d_state=8, mamba_n_groups=2,
               mamba_chunk_size=4, mamba_rms_norm=True, mamba_norm_before_gate=True,
               embedding_multiplier=2.0, lm_head_multiplier=0.5, key_multiplier=0.7,
               attention_in_multiplier=1.3, attention_out_multiplier=0.8,
               ssm_in_multiplier=1.2, ssm_out_multiplier=0.6,
               mlp_multipliers=[1.5, 0.4], ssm_multipliers=[0.9, 1.1, 0.8, 1.2, 0.7])
    cfg.update(extra)
    return tf.FalconH1ForCausalLM(tf.FalconH1Config(**cfg))


def nemotron_h(**extra):
    # Dense Nemotron-H: Mamba-2, relu² MLP, attention (no positions), MLP.
    cfg = dict(vocab_size=96, hidden_size=32,
               layers_block_type=["linear_attention", "mlp", "full_attention", "mlp"],
               num_attention_heads=4, num_key_value_heads=2, head_dim=8,
               intermediate_size=48, ssm_state_size=8, mamba_num_heads=8,
               mamba_head_dim=8, n_groups=2, chunk_size=4)
    cfg.update(extra)
    return tf.NemotronHForCausalLM(tf.NemotronHConfig(**cfg))


def nemotron_h_moe(bias=(0.2, -0.3, 0.0, 0.1), **extra):
    # Mamba-2, MoE, attention, MoE: top-2 of 4 relu² experts by sigmoid
    # score + correction bias (set below, HF starts it at zeros), scaled,
    # plus the shared expert.
    cfg = dict(n_routed_experts=4, num_experts_per_tok=2)
    cfg.update(extra)
    model = nemotron_h(layers_block_type=["linear_attention", "moe", "full_attention",
                                          "moe"],
                       moe_intermediate_size=16, moe_shared_expert_intermediate_size=24,
                       routed_scaling_factor=1.6, **cfg)
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith("e_score_correction_bias"):
                buffer.copy_(torch.tensor(bias))
    return model


def nemotron_pattern(config):
    """The pattern string NVIDIA's own (4.x, remote-code) configs carry."""
    chars = {"linear_attention": "M", "full_attention": "*", "mlp": "-", "moe": "E"}
    config["hybrid_override_pattern"] = "".join(
        chars[t] for t in config.pop("layers_block_type"))


def zamba2(**extra):
    # Mamba-2 layers and three uses of two shared attention blocks (block 0
    # twice), each use with its own LoRA adapters.
    cfg = dict(vocab_size=96, hidden_size=32, num_hidden_layers=5,
               layers_block_type=["mamba", "hybrid", "mamba", "hybrid", "hybrid"],
               mamba_d_state=8, n_mamba_heads=4, mamba_ngroups=2, chunk_size=4,
               num_attention_heads=4, num_key_value_heads=4, intermediate_size=48,
               num_mem_blocks=2, use_shared_attention_adapter=True, adapter_rank=4)
    cfg.update(extra)
    return tf.Zamba2ForCausalLM(tf.Zamba2Config(**cfg))


def lfm2_moe(**extra):
    # One dense layer, then a top-2 of 4 sigmoid-routed MoE with an expert
    # bias (set below, since HF starts it at zeros) and routed scaling.
    cfg = dict(vocab_size=96, hidden_size=32, intermediate_size=64,
               moe_intermediate_size=16, num_hidden_layers=3,
               num_attention_heads=4, num_key_value_heads=2,
               layer_types=["conv", "full_attention", "conv"], num_dense_layers=1,
               num_experts=4, num_experts_per_tok=2, routed_scaling_factor=1.7)
    cfg.update(extra)
    model = tf.Lfm2MoeForCausalLM(tf.Lfm2MoeConfig(**cfg))
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith("expert_bias"):
                buffer.copy_(torch.tensor([0.3, -0.2, 0.1, 0.0]))
    return model


def falcon_mamba():
    return tf.FalconMambaForCausalLM(tf.FalconMambaConfig(
        vocab_size=96, hidden_size=32, state_size=8, num_hidden_layers=2,
        expand=2, conv_kernel=4, use_mambapy=False, mixer_rms_eps=1e-5))


def longformer_mlm_untied():
    return tf.LongformerForMaskedLM(tf.LongformerConfig(
        vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, attention_window=[4, 6], max_position_embeddings=48,
        tie_word_embeddings=False))


def drop_key(key):
    def edit(config):
        del config[key]
    return edit


def as_written_by_4x(config):
    """What transformers 4.x writes: its version, torch_dtype, and Python's
    bare Infinity (not JSON) for an infinite float."""
    config["transformers_version"] = "4.46.3"
    config["torch_dtype"] = config.pop("dtype")
    config["time_step_limit"] = [0.0, float("inf")]  # json.dump: Infinity


def granite_4x_layer_names(config):
    """Granite 4.0's own files name layer types "mamba" and "attention"."""
    config["layer_types"] = ["mamba" if t == "linear_attention" else "attention"
                             for t in config["layer_types"]]


FUSED = {"save": {"save_original_format": False}}
# The directory alone (hybrid-run DIR): config.json and the shards of
# model.safetensors.index.json, written in bf16.
SHARDED_BF16_DIR = {"save": {"max_shard_size": "40KB"}, "dtype": torch.bfloat16,
                    "dir": True}
# hybrid-run --weight-type=bf16 on the fused layout (whose file names are
# HF's parameter names): the reference is HF's f32 model on the weights the
# run used (--save-weights), which must round every expert tensor and no
# router (bfloat16_weights).
FUSED_BF16_WEIGHTS = {**FUSED, "weight_type": "bf16"}

# name -> (builder, config.json edit or None[, options: save_pretrained
# arguments, the dtype written, whether hybrid-run gets the directory])
CASES = {
    "mamba": (mamba, None),
    "gemma2": (gemma2, None),
    "jamba": (jamba, None),
    "recurrent-gemma": (recurrent_gemma, None),
    # Attention first and last, an untied head, q/k/v biases, θ 500.
    "recurrent-gemma-attention-first": (lambda: recurrent_gemma(
        block_types=["attention", "recurrent"], num_hidden_layers=3, tie_word_embeddings=False,
        attention_bias=True, num_key_value_heads=2,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0,
                         "partial_rotary_factor": 0.5}), None),
    "qwen3-next": (qwen3_next, None),
    "qwen3-next-fused-experts": (qwen3_next, None, FUSED),
    # 150 tokens: the rule's chunked form (two chunks of 64 and a tail of 22).
    "qwen3-next-long": (qwen3_next, None, {"seq": 150, "batch": 1}),
    # No renormalisation, a mixture every second layer, biases on attention,
    # a tied head, layer types from full_attention_interval, θ 500 on half
    # of each head.
    "qwen3-next-plain": (lambda: qwen3_next(
        norm_topk_prob=False, decoder_sparse_step=2, mlp_only_layers=[], attention_bias=True,
        tie_word_embeddings=True, layer_types=None, full_attention_interval=2,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0,
                         "partial_rotary_factor": 0.5}), None),
    "qwen3-5-text": (qwen3_5, None),
    "qwen3-5-moe-text": (lambda: qwen3_5(moe=True), None, FUSED),
    "qwen3-5-vision-language": (qwen3_5_vision_language, None),
    "qwen3-5-moe-vision-language": (lambda: qwen3_5_vision_language(moe=True), None),
    # transformers 5's own layout: experts.gate_up_proj [E, 2I, H] and
    # experts.down_proj [E, H, I] instead of one tensor per expert.
    "jamba-fused-experts": (jamba, None, FUSED),
    "jamba-fused-experts-bf16-weights": (jamba, None, FUSED_BF16_WEIGHTS),
    "jamba-sharded-bf16-dir": (jamba, None, SHARDED_BF16_DIR),
    "gemma2-sharded-bf16-dir": (gemma2, None, SHARDED_BF16_DIR),
    # An untied MLM head: 5.x's decoder reads lm_head.decoder.bias.
    "longformer-mlm-untied": (longformer_mlm_untied, None),
    # θ only inside rope_parameters.
    "gemma2-rope-theta": (lambda: gemma2(rope_parameters={
        "rope_type": "default", "rope_theta": 100.0}), None),
    "gemma2-rope-linear": (lambda: gemma2(rope_parameters={
        "rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}), None),
    # A context of 16 puts frequencies in all three llama3 bands at D = 8.
    "gemma2-rope-llama3": (lambda: gemma2(rope_parameters={
        "rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 16}), None),
    "gemma2-rope-yarn": (lambda: gemma2(rope_parameters={
        "rope_type": "yarn", "rope_theta": 500.0, "factor": 4.0,
        "original_max_position_embeddings": 16}), None),
    # The two scalings that depend on the call's length, with contexts the
    # 11-token input and generation (6 + 12 tokens) pass: dynamic NTK past
    # max_position_embeddings 8, LongRoPE's long factors past 8 (and its
    # attention factor from 32 / 8).
    "gemma2-rope-dynamic": (lambda: gemma2(max_position_embeddings=8, rope_parameters={
        "rope_type": "dynamic", "rope_theta": 10000.0, "factor": 3.0}), None),
    "gemma2-rope-longrope": (lambda: gemma2(max_position_embeddings=32, rope_parameters={
        "rope_type": "longrope", "rope_theta": 10000.0,
        "short_factor": [1.0, 1.5, 2.0, 3.0], "long_factor": [2.0, 4.0, 8.0, 16.0],
        "original_max_position_embeddings": 8}), None),
    # transformers 5's default query_pre_attn_scalar is 256 (4.46's: 224).
    "gemma2-default-scalar": (gemma2, drop_key("query_pre_attn_scalar")),
    # HF's eager attention does not window Jamba.
    "jamba-sliding-window": (lambda: jamba(sliding_window=4), None),
    "mamba2": (mamba2, None),
    "mamba2-sharded-bf16-dir": (mamba2, None, SHARDED_BF16_DIR),
    # Δ clamped where HF's chunked path clamps it (and not on its cached
    # one-token steps): a limit that binds.
    "mamba2-step-limit": (lambda: mamba2(time_step_limit=(0.05, 0.4)), None),
    "falcon-mamba": (falcon_mamba, None),
    "bamba": (bamba, None),
    # Biases everywhere, attention first, θ 500 on the whole head.
    "bamba-biases-full-rope": (lambda: bamba(
        attention_bias=True, mlp_bias=True, mamba_proj_bias=True,
        attn_layer_indices=[0, 2], rope_parameters={
            "rope_type": "default", "rope_theta": 500.0,
            "partial_rotary_factor": 1.0}), None),
    "bamba-sharded-bf16-dir": (bamba, None, SHARDED_BF16_DIR),
    "lfm2": (lfm2, None),
    # Conv biases, an untied head, θ 500, attention first and last, the MLP
    # width taken as written.
    "lfm2-biases-untied": (lambda: lfm2(
        conv_bias=True, tie_word_embeddings=False, block_auto_adjust_ff_dim=False,
        intermediate_size=40, layer_types=["full_attention", "conv", "conv",
                                           "full_attention"],
        rope_parameters={"rope_type": "default", "rope_theta": 500.0}), None),
    "granitemoehybrid": (granite, None),
    "granitemoehybrid-fused-experts": (granite, None, FUSED),
    "granitemoehybrid-4x-layer-names": (granite, granite_4x_layer_names),
    # No experts (the shared MLP alone), no positions, attention first.
    "granitemoehybrid-dense-nope": (lambda: granite(
        num_local_experts=0, position_embedding_type=None,
        layer_types=["attention", "mamba", "mamba"]), None),
    "falcon-h1": (falcon_h1, None),
    # The norm after the gate, biases, a tied head.
    "falcon-h1-norm-after-gate": (lambda: falcon_h1(
        mamba_norm_before_gate=False, projectors_bias=True, attention_bias=True,
        mlp_bias=True, tie_word_embeddings=True), None),
    # HF's defaults: no gated norm, no multipliers, the width from mamba_expand.
    "falcon-h1-plain": (lambda: falcon_h1(
        mamba_rms_norm=False, mamba_d_ssm=None, mamba_n_heads=8,
        embedding_multiplier=1.0, lm_head_multiplier=1.0, key_multiplier=1.0,
        attention_in_multiplier=1.0, attention_out_multiplier=1.0,
        ssm_in_multiplier=1.0, ssm_out_multiplier=1.0, mlp_multipliers=None,
        ssm_multipliers=None), None),
    "nemotron-h": (nemotron_h, None),
    "nemotron-h-pattern-biases": (lambda: nemotron_h(
        use_bias=True, mlp_bias=True, tie_word_embeddings=True, time_step_min=0.3),
        nemotron_pattern),
    "zamba2": (zamba2, None),
    # One shared block, no q/k/v adapters, GQA 4:2, biases, RoPE (with
    # use_long_context, which changes nothing default RoPE reads), untied.
    "zamba2-one-block-rope": (lambda: zamba2(
        num_mem_blocks=1, use_shared_attention_adapter=False, add_bias_linear=True,
        num_key_value_heads=2, use_mem_rope=True, use_long_context=True,
        tie_word_embeddings=False), None),
    "lfm2-moe": (lfm2_moe, None),
    "lfm2-moe-fused-experts": (lfm2_moe, None, FUSED),
    # Without the expert bias and the renormalisation.
    "lfm2-moe-plain": (lambda: lfm2_moe(use_expert_bias=False, norm_topk_prob=False,
                                        routed_scaling_factor=1.0), None),
    "nemotron-h-moe": (nemotron_h_moe, None),
    "nemotron-h-moe-fused": (lambda: nemotron_h_moe(norm_topk_prob=False), None, FUSED),
    # Ungated relu² experts (gate = up) and a shared expert in bf16.
    "nemotron-h-moe-fused-bf16-weights": (nemotron_h_moe, None, FUSED_BF16_WEIGHTS),
    # Latent experts (on fc1_latent_proj of the hidden state, 16 wide, back
    # through fc2_latent_proj, both with biases), routed by the hidden state;
    # group-limited choice: 8 experts in 4 groups, the best 2 groups compete
    # for the top 3.
    "nemotron-h-moe-latent-groups": (lambda: nemotron_h_moe(
        bias=(0.2, -0.3, 0.0, 0.1, 0.05, -0.1, 0.3, -0.2), n_routed_experts=8,
        num_experts_per_tok=3, n_group=4, topk_group=2, moe_latent_size=16,
        mlp_bias=True), None),
    # Every new type also as bf16 files (HF upcasts them to f32, as we do;
    # f16 for one), sharded where the type has fused experts.
    "falcon-mamba-bf16": (falcon_mamba, None, {"dtype": torch.bfloat16}),
    "lfm2-f16": (lfm2, None, {"dtype": torch.float16}),
    "lfm2-moe-sharded-bf16-dir": (lfm2_moe, None, SHARDED_BF16_DIR),
    "granitemoehybrid-sharded-bf16-dir": (granite, None, SHARDED_BF16_DIR),
    "falcon-h1-bf16": (falcon_h1, None, {"dtype": torch.bfloat16}),
    "nemotron-h-moe-sharded-bf16-dir": (nemotron_h_moe, None, SHARDED_BF16_DIR),
    "zamba2-bf16": (zamba2, None, {"dtype": torch.bfloat16}),
    # A 4.x file gets the same (5.x, mamba_ssm) semantics: docs/models.md.
    "mamba2-4x-file": (mamba2, as_written_by_4x),
}


def perturb(model, seed):
    """Random norms and biases, so that every weight matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log") or name.endswith(".D"):
                continue
            p.add_(0.2 * torch.randn(p.shape, generator=g))


def bfloat16_weights(hybrid_run, model, out, name):
    """The weights `hybrid-run --weight-type=bf16` used, loaded into `model`:
    each must be the checkpoint's or exactly torch's bf16 rounding of it;
    every expert tensor must be rounded and no router."""
    from safetensors.torch import load_file
    rounded_path = os.path.join(out, "rounded.safetensors")
    subprocess.run([hybrid_run, os.path.join(out, "config.json"),
                    "--weights=" + os.path.join(out, "model.safetensors"),
                    "--weight-type=bf16", "--input=@" + os.path.join(out, "ids.npy"),
                    "--save-weights=" + rounded_path],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rounded = load_file(rounded_path)
    params = model.state_dict()
    ok, changed = True, set()
    for key, used in rounded.items():
        given = params.get(key)
        if given is None:
            print(f"{name} rounding: {key} is not in HF's state dict MISMATCH")
            return False
        if not torch.equal(used, given.detach()):
            changed.add(key)
            if not torch.equal(used, given.detach().to(torch.bfloat16).float()):
                print(f"{name} rounding: {key} is not torch's bf16 rounding MISMATCH")
                ok = False
    experts = {k for k in rounded if ".experts." in k}
    routers = {k for k in rounded if k.endswith(("router.weight", "mixer.gate.weight"))}
    if not experts or not experts <= changed or routers & changed:
        print(f"{name} rounding: experts {sorted(experts - changed)} not rounded, "
              f"routers {sorted(routers & changed)} rounded MISMATCH")
        ok = False
    model.load_state_dict(rounded, strict=False)
    print(f"{name} rounding: {len(changed)} of {len(rounded)} tensors rounded to bf16 as "
          f"torch rounds, {len(experts)} expert tensors among them "
          f"{'OK' if ok else 'MISMATCH'}")
    return ok


def compare(hybrid_run, workdir, name):
    torch.manual_seed(0)
    build, edit, *options = CASES[name]
    options = options[0] if options else {}
    seq, batch = options.get("seq", 11), options.get("batch", 2)
    model = build().eval()
    perturb(model, 1)
    out = os.path.join(workdir, name)
    model.to(options.get("dtype", torch.float32)).save_pretrained(
        out, **options.get("save", {}))
    config_path = os.path.join(out, "config.json")
    if edit:
        with open(config_path) as f:
            config = json.load(f)
        edit(config)
        with open(config_path, "w") as f:
            json.dump(config, f, indent=1)
    model = type(model).from_pretrained(out, dtype=torch.float32).eval()
    ids = torch.randint(0, model.config.get_text_config().vocab_size, (batch, seq),
                        generator=torch.Generator().manual_seed(2))
    np.save(os.path.join(out, "ids.npy"), ids.numpy().astype(np.int64))
    weight_args = []
    if options.get("weight_type"):
        weight_args = ["--weight-type=" + options["weight_type"]]
        if not bfloat16_weights(hybrid_run, model, out, name):
            return False
    with torch.no_grad():
        ref = model(ids).logits.float().numpy()
    model_args = ([out] if options.get("dir") else
                  [config_path, "--weights=" + os.path.join(out, "model.safetensors")])
    return compare_logits(hybrid_run, name, out, ref,
                          [*model_args, "--input=@" + os.path.join(out, "ids.npy"),
                           *weight_args])


def compare_logits(hybrid_run, name, out, ref, args):
    """hybrid-run ARGS on both targets: its logits within TOLERANCE of the
    largest |HF logit|; a line per target, MISMATCH where not."""
    scale = float(np.abs(ref).max())
    ok = True
    for target in ("reference", "cpu"):
        got_path = os.path.join(out, f"logits-{target}.npy")
        run = subprocess.run(
            [hybrid_run, *args, "--output=@" + got_path, "--target=" + target],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            print(f"{name} {target}: hybrid-run failed: {run.stderr.strip()} MISMATCH")
            ok = False
            continue
        got = np.load(got_path)
        if got.shape != ref.shape:
            print(f"{name} {target}: shape {got.shape} != HF {ref.shape} MISMATCH")
            ok = False
            continue
        err = float(np.abs(got - ref).max())
        passed = err <= TOLERANCE * scale
        ok &= passed
        print(f"{name} {target}: max |ours - HF| = {err:.3g} (logit scale "
              f"{scale:.3g}, relative {err / scale:.2e}) "
              f"{'OK' if passed else 'MISMATCH'}")
    return ok


def same_tokens(hybrid_run, model_args, out, prompt, hf, new_tokens, label, what):
    """hybrid-run --generate on both targets against HF's tokens `hf`,
    printing '<label> <target>: <what> x B sequences OK|MISMATCH'."""
    np.save(os.path.join(out, "prompt.npy"), prompt.numpy().astype(np.int64))
    ok = True
    for target in ("reference", "cpu"):
        ids_path = os.path.join(out, f"generated-{target}.npy")
        subprocess.run([hybrid_run, *model_args,
                        "--input=@" + os.path.join(out, "prompt.npy"),
                        f"--generate={new_tokens}", "--output=@" + ids_path,
                        "--target=" + target],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ours = np.load(ids_path)
        same = ours.shape == hf.shape and (ours == hf).all()
        ok &= bool(same)
        print(f"{label} {target}: {what} x {prompt.shape[0]} sequences "
              f"{'OK' if same else 'MISMATCH'}"
              + ("" if same else f" ours {ours.tolist()} HF {hf.tolist()}"))
    return ok


# HF's cached one-token step does not clamp Δ to time_step_limit while its
# forward does (docs/models.md); these cases are checked against HF's
# generate without a cache, which runs the forward at every step.
WITHOUT_CACHE = {"mamba2-step-limit"}


def generate(hybrid_run, workdir, name, new_tokens=12):
    """HF's greedy generate against hybrid-run --generate, token for token, on
    the checkpoint compare() wrote: decoding carries positions past the
    prompt, so scaled RoPE is checked on the cache path too."""
    out = os.path.join(workdir, name)
    with open(os.path.join(out, "config.json")) as f:
        nested = "text_config" in json.load(f)
    # A vision-language checkpoint through AutoModelForCausalLM loses its
    # tied head (HF initialises lm_head at random): load its own class.
    loader = type(CASES[name][0]()) if nested else tf.AutoModelForCausalLM
    model = loader.from_pretrained(out, dtype=torch.float32).eval()
    options = CASES[name][2] if len(CASES[name]) > 2 else {}
    weight_args = []
    if options.get("weight_type"):
        # The weights compare() checked: what the run will round them to.
        from safetensors.torch import load_file
        model.load_state_dict(load_file(os.path.join(out, "rounded.safetensors")),
                              strict=False)
        weight_args = ["--weight-type=" + options["weight_type"]]
    prompt = torch.tensor([[5, 17, 3, 42, 11, 2], [9, 9, 1, 30, 4, 4]])
    model.generation_config.eos_token_id = None  # exactly new_tokens steps
    with torch.no_grad():
        hf = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                            max_new_tokens=new_tokens, do_sample=False,
                            use_cache=name not in WITHOUT_CACHE,
                            )[:, prompt.shape[1]:].numpy()
    model_args = [os.path.join(out, "config.json"),
                  "--weights=" + os.path.join(out, "model.safetensors"), *weight_args]
    return same_tokens(hybrid_run, model_args, out, prompt, hf, new_tokens,
                       f"{name}-generate", f"{new_tokens} greedy tokens")


def generate_eos(hybrid_run, workdir, name="gemma2-eos-dir", new_tokens=12):
    """Generation from the directory alone, stopping where
    generation_config.json says: the eos id is a token HF emits early for the
    first sequence (the third, or sooner if it comes sooner), so that
    sequence finishes early and gets the padding id after it, as HF's
    generate pads it."""
    torch.manual_seed(0)
    model = gemma2().eval()
    perturb(model, 1)
    prompt = torch.tensor([[5, 17, 3, 42, 11, 2], [9, 9, 1, 30, 4, 4]])
    model.generation_config.eos_token_id = None
    with torch.no_grad():
        free = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                              max_new_tokens=new_tokens, do_sample=False)
    eos = int(free[0, prompt.shape[1] + 2])
    model.generation_config.eos_token_id = eos
    model.generation_config.pad_token_id = 0
    out = os.path.join(workdir, name)
    model.save_pretrained(out)
    ok = True
    # Both sequences (the second runs on, the first is padded after its eos),
    # and the first alone (generation stops at its eos).
    for rows in (prompt, prompt[:1]):
        with torch.no_grad():
            hf = model.generate(rows, attention_mask=torch.ones_like(rows),
                                max_new_tokens=new_tokens,
                                do_sample=False)[:, rows.shape[1]:].numpy()
        ok &= same_tokens(hybrid_run, [out], out, rows, hf, new_tokens, name,
                          f"eos {eos}, {hf.shape[1]} tokens")
    return ok


GENERATE = ["gemma2-rope-linear", "gemma2-rope-yarn", "gemma2-rope-dynamic",
            "gemma2-rope-longrope", "jamba-sliding-window",
            "jamba-fused-experts", "jamba-fused-experts-bf16-weights", "mamba2",
            "recurrent-gemma", "recurrent-gemma-attention-first", "qwen3-next",
            "qwen3-next-plain", "qwen3-5-text", "qwen3-5-moe-text", "qwen3-5-vision-language",
            "mamba2-step-limit", "falcon-mamba",
            "bamba", "bamba-biases-full-rope", "lfm2", "lfm2-biases-untied",
            "granitemoehybrid", "granitemoehybrid-fused-experts",
            "granitemoehybrid-dense-nope", "falcon-h1", "falcon-h1-norm-after-gate",
            "falcon-h1-plain", "nemotron-h", "nemotron-h-pattern-biases", "zamba2",
            "zamba2-one-block-rope", "lfm2-moe", "lfm2-moe-fused-experts",
            "lfm2-moe-plain", "nemotron-h-moe", "nemotron-h-moe-fused",
            "nemotron-h-moe-fused-bf16-weights",
            "nemotron-h-moe-latent-groups"]


# Groups of cases, each run by its own lit test so that they run side by side.
CORE = ["mamba", "gemma2", "jamba", "jamba-fused-experts", "jamba-fused-experts-bf16-weights",
        "jamba-sharded-bf16-dir",
        "gemma2-sharded-bf16-dir", "longformer-mlm-untied", "gemma2-rope-theta",
        "gemma2-rope-linear", "gemma2-rope-llama3", "gemma2-rope-yarn",
        "gemma2-rope-dynamic", "gemma2-rope-longrope", "gemma2-default-scalar",
        "jamba-sliding-window"]


def group_of(name):
    """core, moe (types with experts or LFM2), recurrent (RecurrentGemma), delta
    (Qwen3-Next and Qwen3.5's Gated DeltaNet) or ssm (the other Mamba-2 hybrids)."""
    if name in CORE:
        return "core"
    if name.startswith("recurrent-gemma"):
        return "recurrent"
    if name.startswith("qwen3"):
        return "delta"
    if name.startswith(("lfm2", "granitemoehybrid", "nemotron-h")):
        return "moe"
    return "ssm"


def main():
    hybrid_run, workdir, *names = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    print(f"transformers {tf.__version__}, torch {torch.__version__}")
    # --group=NAME runs one group; names run those cases; nothing runs all.
    groups = [n[len("--group="):] for n in names if n.startswith("--group=")]
    names = [n for n in names if not n.startswith("--group=")]
    names += [n for n in CASES if group_of(n) in groups]
    names = names or list(CASES)
    ok = True
    for name in names:
        ok &= compare(hybrid_run, workdir, name)
    for name in GENERATE:
        if name in names:
            ok &= generate(hybrid_run, workdir, name)
    if "gemma2" in names:
        ok &= generate_eos(hybrid_run, workdir)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
