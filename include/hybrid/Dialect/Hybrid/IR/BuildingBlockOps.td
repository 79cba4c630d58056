//===- BuildingBlockOps.td - Layers around the mixers ------*- tablegen -*-===//
//
// Projections, embeddings, norms, positional rotation, MLPs and activations:
// enough that every supported model is expressed in the dialect alone.
// Residual additions use `arith.addf` on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_BUILDING_BLOCK_OPS_TD
#define HYBRID_BUILDING_BLOCK_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_LinearOp : Hybrid_Op<"linear"> {
  let summary = "Affine projection y = x Wᵀ + b";
  let description = [{
    `input [..., In]`, `weight [Out, In]` (PyTorch layout), optional
    `bias [Out]`; the result is `[..., Out]` with `y = x Wᵀ + b`.

    ```mlir
    %y = hybrid.linear %x, %w bias(%b)
       : (tensor<2x16x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<2x16x128xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$weight,
    Optional<Hybrid_FloatTensor>:$bias
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_EmbeddingOp : Hybrid_Op<"embedding"> {
  let summary = "Token embedding lookup, optionally scaled";
  let description = [{
    `out[..., :] = table[ids[...], :] · scale` for integer `ids [...]` and
    `table [V, D]`; the result is `[..., D]`. Gemma scales by `√D` (the
    normaliser rounded to the table's element type). An id outside `[0, V)`
    is a runtime error in the reference evaluator and the runtime.

    ```mlir
    %h = hybrid.embedding %ids, %table {scale = 4.800000e+01 : f32}
       : (tensor<1x16xi64>, tensor<256x2304xf32>) -> tensor<1x16x2304xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_IndexTensor:$ids,
    Hybrid_FloatTensor:$table,
    OptionalAttr<F32Attr>:$scale
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Hybrid_RMSNormOp : Hybrid_Op<"rms_norm", [AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalisation, plain (w·x̂) or Gemma ((1+w)·x̂) form";
  let description = [{
    Over the last dimension D of `input [..., D]` with `weight [D]`:

    ```
    x̂ = x · rsqrt(mean(x², −1) + eps)          computed in f32
    y = w · x̂          (Mamba, Jamba, Falcon-H1: cast to the input type, then scaled)
    y = (1 + w) · x̂    with unit_offset (Gemma: scaled in f32, then cast)
    ```

    With `group_size = g` (a divisor of D), the mean is taken over each
    group of g consecutive elements of the last dimension instead of all D,
    and `w [D]` still scales every element: the gated norm of Mamba-2 and
    its hybrids (`MambaRMSNormGated` with `n_groups` groups).

    ```mlir
    %y = hybrid.rms_norm %x, %w {eps = 9.99999997E-7 : f32, unit_offset}
       : tensor<1x16x64xf32>, tensor<64xf32>
    %g = hybrid.rms_norm %x, %w {group_size = 16 : i64}
       : tensor<1x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$weight,
    DefaultValuedAttr<F32Attr, "1.0e-6">:$eps,
    UnitAttr:$unit_offset,
    OptionalAttr<Hybrid_I64Attr>:$group_size
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Hybrid_LayerNormOp : Hybrid_Op<"layer_norm", [AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    `y = (x − μ) / sqrt(var + eps) · weight + bias` over the last dimension D
    of `input [..., D]`, with the biased variance; `weight [D]` and
    `bias [D]` are optional (1 and 0 when absent).

    ```mlir
    %y = hybrid.layer_norm %x weight(%g) bias(%b) {eps = 9.99999974E-6 : f32}
       : (tensor<1x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Optional<Hybrid_FloatTensor>:$weight,
    Optional<Hybrid_FloatTensor>:$bias,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$eps
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `)`)? (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_RopeOp : Hybrid_Op<"rope", [AllTypesMatch<["input", "result"]>,
                                      AttrSizedOperandSegments]> {
  let summary = "Rotary position embedding";
  let description = [{
    Rotates `input [B, H, S, D]` (D even) by position. The position of row
    `s` is `positions[b, s]` when the optional integer `positions [B, S]` is
    given, else `position_offset + s`. With `f_k = theta^(−2k/D)` — or
    `f_k = inv_freq[k]` when the optional `inv_freq` (D/2 frequencies) is
    given, which is how scaled RoPE (linear, llama3, YaRN, LongRoPE) is expressed —
    `c = a·cos(pos·f_k)` and `s = a·sin(pos·f_k)` with
    `a = attention_scaling` (default 1; YaRN's mscale), computed in f32, for
    `k < D/2`:

    ```
    half-split (HF, default):  y[k]      = x[k]·c − x[k + D/2]·s
                               y[k + D/2] = x[k + D/2]·c + x[k]·s
    interleaved:               y[2k]     = x[2k]·c − x[2k+1]·s
                               y[2k+1]   = x[2k+1]·c + x[2k]·s
    ```

    Two scalings pick their frequencies per call from `L`, the longest
    position this call rotates plus one (`max(positions) + 1` over the whole
    batch, else `position_offset + S`), or the optional `extent [1]` when
    the call is a chunk of a longer request (so that chunked prefill equals
    one call); `original_context` (C) is the pretraining context:

    - LongRoPE: `long_inv_freq` (D/2 values) replaces `inv_freq` when L > C.
    - Dynamic NTK, `ntk_factor = f`: θ becomes
      `θ · (f·max(L, C)/C − (f − 1))^(D/(D−2))`, so calls within the
      context use θ itself.

    ```mlir
    %q2 = hybrid.rope %q {theta = 1.000000e+04 : f32} : tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
    // Linear scaling by 4 of θ = 10000 at D = 4:
    %k2 = hybrid.rope %k {inv_freq = array<f32: 0.25, 0.0025>} : tensor<1x2x16x4xf32> -> tensor<1x2x16x4xf32>
    // Dynamic NTK by 2 past a context of 8:
    %k3 = hybrid.rope %k positions(%pos : tensor<1x16xi64>) {ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x2x16x4xf32> -> tensor<1x2x16x4xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Optional<Hybrid_IndexTensor>:$positions,
    Optional<Hybrid_IndexTensor>:$extent,
    DefaultValuedAttr<F32Attr, "10000.0">:$theta,
    DefaultValuedAttr<Hybrid_I64Attr, "0">:$position_offset,
    UnitAttr:$interleaved,
    OptionalAttr<DenseF32ArrayAttr>:$inv_freq,
    DefaultValuedAttr<F32Attr, "1.0">:$attention_scaling,
    OptionalAttr<DenseF32ArrayAttr>:$long_inv_freq,
    OptionalAttr<F32Attr>:$ntk_factor,
    DefaultValuedAttr<Hybrid_I64Attr, "0">:$original_context
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`positions` `(` $positions^ `:` type($positions) `)`)?
    (`extent` `(` $extent^ `:` type($extent) `)`)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Hybrid_SplitHeadsOp : Hybrid_Op<"split_heads"> {
  let summary = "[B, S, H·D] → [B, H, S, D]";
  let description = [{
    Splits the last dimension of `input [B, S, H·D]` into `heads` heads of
    size D and moves the head dimension in front of the sequence:
    `out[b, h, s, d] = in[b, s, h·D + d]`. This is PyTorch's
    `x.view(B, S, H, D).transpose(1, 2)`, the layout attention ops take.

    ```mlir
    %q = hybrid.split_heads %x {heads = 4 : i64} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_I64Attr:$heads);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Hybrid_MergeHeadsOp : Hybrid_Op<"merge_heads"> {
  let summary = "[B, H, S, D] → [B, S, H·D]";
  let description = [{
    The inverse of `hybrid.split_heads`: `out[b, s, h·D + d] = in[b, h, s, d]`
    (PyTorch's `x.transpose(1, 2).reshape(B, S, H·D)`), applied to attention
    outputs before the output projection.

    ```mlir
    %y = hybrid.merge_heads %o : tensor<1x4x16x16xf32> -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Hybrid_GatedMLPOp : Hybrid_Op<"gated_mlp"> {
  let summary = "Gated MLP: down(act(gate x) ⊙ up x)";
  let description = [{
    `input [..., D]`, `gate [I, D]`, `up [I, D]`, `down [D, I]`, no biases:
    `y = (act(x gateᵀ) ⊙ (x upᵀ)) downᵀ`, with `activation` `silu` (SwiGLU;
    Llama, Jamba, Mamba-2 hybrids), `gelu_tanh` (GeGLU; Gemma 2), `gelu` or
    `relu` (ReGLU).

    ```mlir
    %y = hybrid.gated_mlp %x, %g, %u, %d {activation = #hybrid.act<gelu_tanh>}
       : (tensor<1x16x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>,
          tensor<64x256xf32>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$gate,
    Hybrid_FloatTensor:$up,
    Hybrid_FloatTensor:$down,
    DefaultValuedAttr<Hybrid_ActivationAttr, "::mlir::hybrid::Activation::silu">:$activation
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate `,` $up `,` $down attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_ActivationOp : Hybrid_Op<"activation", [
    AllTypesMatch<["input", "result"]>]> {
  let summary = "An elementwise activation function";
  let description = [{
    Applies `kind` (see `#hybrid.act`) to every element of `input`.

    ```mlir
    %y = hybrid.activation %x {kind = #hybrid.act<gelu_tanh>} : tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, Hybrid_ActivationAttr:$kind);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Hybrid_SoftcapOp : Hybrid_Op<"softcap", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Soft capping: cap · tanh(x / cap)";
  let description = [{
    `y = cap · tanh(x / cap)` elementwise, `cap > 0` (Gemma 2's final logits
    use 30).

    ```mlir
    %z = hybrid.softcap %logits {cap = 3.000000e+01 : f32} : tensor<1x16x256xf32>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$input, F32Attr:$cap);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Hybrid_SelectTokensOp : Hybrid_Op<"select_tokens",
    [AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let summary = "Per-token choice between two [B, S, E] tensors";
  let description = [{
    `result[b, s, :] = flags[b, s] ≠ 0 ? on_true[b, s, :] : on_false[b, s, :]`.
    Longformer overwrites the attention output of its global tokens with that
    of the separate global projections this way.

    ```mlir
    %o = hybrid.select_tokens %global_attention_mask, %global, %local
       : tensor<1x16xi64>, tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Hybrid_IndexTensor:$flags, Hybrid_FloatTensor:$on_true,
                       Hybrid_FloatTensor:$on_false);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $flags `,` $on_true `,` $on_false attr-dict `:` type($flags) `,` type($result)
  }];
  let hasVerifier = 1;
}

def Hybrid_PositionIdsOp : Hybrid_Op<"position_ids", [AllTypesMatch<["ids", "result"]>]> {
  let summary = "Position ids that skip padding tokens (RoBERTa, Longformer)";
  let description = [{
    HF's `create_position_ids_from_input_ids`: positions count only the
    tokens that are not `padding_idx`, starting from `padding_idx + 1`, and
    padding tokens get `padding_idx`:

    ```
    n[b, s]      = #{k ≤ s : ids[b, k] ≠ padding_idx}
    result[b, s] = ids[b, s] ≠ padding_idx ? padding_idx + n[b, s] : padding_idx
    ```

    ```mlir
    %pos = hybrid.position_ids %ids {padding_idx = 1} : tensor<1x16xi64>
    ```
  }];
  let arguments = (ins Hybrid_IndexTensor:$ids, Hybrid_I64Attr:$padding_idx);
  let results = (outs Hybrid_IndexTensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids)";
  let hasVerifier = 1;
}

#endif // HYBRID_BUILDING_BLOCK_OPS_TD
