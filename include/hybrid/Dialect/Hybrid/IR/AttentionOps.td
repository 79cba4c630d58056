//===- AttentionOps.td - Attention ops ---------------------*- tablegen -*-===//

#ifndef HYBRID_ATTENTION_OPS_TD
#define HYBRID_ATTENTION_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_AttentionOp : Hybrid_Op<"attention", [AttrSizedOperandSegments]> {
  let summary = "Scaled dot-product attention with a structured mask";
  let description = [{
    Multi-head attention over `query [B, H, Sq, D]`, `key [B, Hkv, Sk, D]` and
    `value [B, Hkv, Sk, Dv]`, giving `[B, H, Sq, Dv]`. Query head `h` uses
    key/value head `h / (H / Hkv)` (grouped-query attention; `H` must be a
    multiple of `Hkv`). For query row `r` (absolute position `i = q_offset +
    r`) and key `j`:

    ```
    s[r, j] = scale · (q[r] · k[j])                 scale defaults to 1/√D
    s[r, j] = softcap · tanh(s[r, j] / softcap)     if softcap is set (Gemma 2)
    s[r, j] = s[r, j] + bias[r, j]                  if bias is given
    s[r, j] = -inf                                  if mask hides j from i
    out[r]  = Σ_j softmax_j(s[r, :]) · v[j]         softmax in f32
    ```

    With `globals [B, Sk]` (integer flags, nonzero = global; Longformer's
    `global_attention_mask`), a global token sees every key and every key
    that is a global token is seen by every query, whatever the mask:

    ```
    visible(i, j) = mask shows j to i  or  globals[b, i] ≠ 0  or  globals[b, j] ≠ 0
    ```

    and with `global_rows_only` only the rows of global queries are computed
    (every key visible to them); the other rows give zeros. Query row `r`
    reads the flag at its absolute position `q_offset + r`. The flags come
    with the input, so the tiled lowering decides at run time which tiles
    hold a global token: a band mask with g global tokens costs O(S·(w +
    g)), not the O(S²) of a dense bias (with a bias as well, or untiled,
    the unfused O(S²) form).

    The softcap is applied before the mask and the bias, as in HF's Gemma 2.
    `bias` is an additive `[B|1, H|1, Sq|1, Sk|1]` tensor, broadcast to `[B,
    H, Sq, Sk]` (key padding masks, ALiBi). A row with no visible key gives
    zeros (the FlashAttention convention); a NaN among a row's visible scores
    makes the row NaN, as in PyTorch. `q_offset` is the absolute position
    of the first query, for keys that include a cache or memory.

    Example (Gemma 2 local layer, 8 query heads over 4 kv heads):

    ```mlir
    %o = hybrid.attention %q, %k, %v {
           mask = #hybrid.mask<causal, window = 4096>,
           scale = 6.250000e-02 : f32, softcap = 5.000000e+01 : f32}
         : (tensor<1x8x128x256xf32>, tensor<1x4x128x256xf32>,
            tensor<1x4x128x256xf32>) -> tensor<1x8x128x256xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$query,
    Hybrid_FloatTensor:$key,
    Hybrid_FloatTensor:$value,
    Optional<Hybrid_FloatTensor>:$bias,
    Optional<Hybrid_IndexTensor>:$globals,
    Hybrid_MaskAttr:$mask,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<F32Attr>:$softcap,
    DefaultValuedAttr<Hybrid_I64Attr, "0">:$q_offset,
    UnitAttr:$global_rows_only
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` `(` $bias^ `)`)?
    (`globals` `(` $globals^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let builders = [
    // Without global flags (every importer but Longformer's).
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$query,
                   "::mlir::Value":$key, "::mlir::Value":$value,
                   "::mlir::Value":$bias, "::mlir::hybrid::MaskAttr":$mask,
                   "::mlir::FloatAttr":$scale, "::mlir::FloatAttr":$softcap,
                   "::mlir::IntegerAttr":$q_offset), [{
      build($_builder, $_state, result, query, key, value, bias, ::mlir::Value(),
            mask, scale, softcap, q_offset, ::mlir::UnitAttr());
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The scale applied to q·k: the attribute, or 1/√head_dim by default.
    double getEffectiveScale();
  }];
}

def Hybrid_RelAttentionOp : Hybrid_Op<"rel_attention"> {
  let summary = "Transformer-XL relative-position attention over memory";
  let description = [{
    Transformer-XL attention (HF `RelPartialLearnableMultiHeadAttn`) of
    `query [B, H, Sq, D]` over `key [B, H, Sk, D]` and `value [B, H, Sk, Dv]`,
    where the keys are the segment memory (`M = Sk − Sq` rows) followed by the
    current segment, so query row `i` sits at absolute position `M + i`.
    `pos [H, Sk, D]` is the projected relative embedding `r_net(R)` split
    into heads, with row `m` encoding relative distance `Sk − 1 − m` (HF's
    `pos_seq = [klen−1, …, 0]`). `content_bias [H, D]` is `u` (`r_w_bias`) and
    `position_bias [H, D]` is `v` (`r_r_bias`).

    ```
    AC[i, j]  = (q[i] + u) · k[j]                         terms (a) + (c)
    BD[i, j]  = (q[i] + v) · pos[j + Sq − 1 − i]          terms (b) + (d), the
                                                          relative shift: distance M + i − j
    s[i, j]   = scale · (AC + BD)                         scale defaults to 1/√D
    out[i]    = Σ_j softmax_j(s[i, :] masked) · v[j]
    ```

    The mask must be causal (BD is only defined for `j ≤ M + i`) and is read
    with `q_offset = M`. HF's `same_length` is `window = mem_len`. An
    optional additive `bias` broadcast from `[B|1, H|1, Sq|1, Sk|1]` hides
    more keys (-inf): while generating, the memory rows not filled yet.

    ```mlir
    %o = hybrid.rel_attention %q, %k, %v, %r, %u, %w {mask = #hybrid.mask<causal>}
         : (tensor<1x4x8x16xf32>, tensor<1x4x24x16xf32>, tensor<1x4x24x16xf32>,
            tensor<4x24x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>)
         -> tensor<1x4x8x16xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$query,
    Hybrid_FloatTensor:$key,
    Hybrid_FloatTensor:$value,
    Hybrid_FloatTensor:$pos,
    Hybrid_FloatTensor:$content_bias,
    Hybrid_FloatTensor:$position_bias,
    Optional<Hybrid_FloatTensor>:$bias,
    Hybrid_MaskAttr:$mask,
    OptionalAttr<F32Attr>:$scale
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $pos `,` $content_bias `,` $position_bias
    (`bias` `(` $bias^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_LinearAttentionOp : Hybrid_Op<"linear_attention", [AttrSizedOperandSegments]> {
  let summary = "Kernelized (linear) attention with the elu+1 feature map";
  let description = [{
    Linear attention (Katharopoulos et al.) of `query [B, H, S, D]` over
    `key [B, Hkv, S, D]` and `value [B, Hkv, S, Dv]` (grouped as in
    `hybrid.attention`), with `φ(x) = elu(x) + 1`:

    ```
    out[i] = (φ(q_i)·S₀ + Σ_{j∈V(i)} (φ(q_i)·φ(k_j)) v_j)
           / (φ(q_i)·z₀ + Σ_{j∈V(i)} φ(q_i)·φ(k_j) + eps)
    ```

    where `V(i)` is `j ≤ i` for `#hybrid.mask<causal>` (a running state
    `S_i = Σ_{j≤i} φ(k_j) v_jᵀ`, `z_i = Σ_{j≤i} φ(k_j)`) and every j for
    `#hybrid.mask<none>`. No other mask is allowed. With a causal mask the
    optional `state(S₀ [B, Hkv, D, Dv], z₀ [B, Hkv, D])` are the running sums
    over the keys of earlier calls (zero when absent), so a sequence can be
    processed in chunks; `hybrid.linear_attention_state` moves them past this
    call's keys.

    ```mlir
    %o = hybrid.linear_attention %q, %k, %v {mask = #hybrid.mask<causal>}
         : (tensor<2x4x64x32xf32>, tensor<2x4x64x32xf32>, tensor<2x4x64x32xf32>)
         -> tensor<2x4x64x32xf32>
    %o1 = hybrid.linear_attention %q1, %k1, %v1 state(%s, %z) {mask = #hybrid.mask<causal>}
         : (tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>, tensor<1x4x1x8xf32>,
            tensor<1x4x8x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x1x8xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$query,
    Hybrid_FloatTensor:$key,
    Hybrid_FloatTensor:$value,
    Optional<Hybrid_FloatTensor>:$state,
    Optional<Hybrid_FloatTensor>:$normalizer,
    Hybrid_MaskAttr:$mask,
    DefaultValuedAttr<F32Attr, "1.0e-6">:$eps
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`state` `(` $state^ `,` $normalizer `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_LinearAttentionStateOp : Hybrid_Op<"linear_attention_state"> {
  let summary = "The running sums of causal linear attention after a chunk of keys";
  let description = [{
    Moves the state of causal `hybrid.linear_attention` past this call's
    `key [B, Hkv, S, D]` and `value [B, Hkv, S, Dv]`:

    ```
    final_state[b, h]      = state[b, h] + Σ_j φ(k_j) v_jᵀ         [D, Dv]
    final_normalizer[b, h] = normalizer[b, h] + Σ_j φ(k_j)          [D]
    ```

    with `φ(x) = elu(x) + 1`, so a sequence split into chunks carries exactly
    the sums a single pass would have reached.

    ```mlir
    %s1, %z1 = hybrid.linear_attention_state %k, %v, %s, %z
             : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x8x8xf32>,
                tensor<1x4x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$key,
    Hybrid_FloatTensor:$value,
    Hybrid_FloatTensor:$state,
    Hybrid_FloatTensor:$normalizer
  );
  let results = (outs Hybrid_FloatTensor:$final_state,
                      Hybrid_FloatTensor:$final_normalizer);
  let assemblyFormat = [{
    $key `,` $value `,` $state `,` $normalizer attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_MaskBiasOp : Hybrid_Op<"mask_bias"> {
  let summary = "A #hybrid.mask with per-token global flags as an additive bias";
  let description = [{
    Materialises `mask` together with a runtime `globals [B, S]` flag tensor
    (nonzero = global token) as the additive bias `hybrid.attention` takes:

    ```
    result[b, 0, i, j] = 0      if mask shows j to i, or globals[b, i] ≠ 0,
                                or globals[b, j] ≠ 0
                       = -inf   otherwise
    ```

    This is Longformer's `global_attention_mask`: a global token sees every
    token and every token sees it (the static form is `#hybrid.mask<local =
    w, global = [...]>`; this one lets the positions come with the input).
    The bias is dense, O(S²) in memory and in the attention that reads it;
    `hybrid.attention`'s `globals` operand expresses the same visibility in
    O(S·(w + g)) and is what the Longformer importer uses.

    ```mlir
    %bias = hybrid.mask_bias %global_attention_mask {mask = #hybrid.mask<local = 2>}
          : tensor<1x16xi64> -> tensor<1x1x16x16xf32>
    ```
  }];
  let arguments = (ins Hybrid_IndexTensor:$globals, Hybrid_MaskAttr:$mask);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$globals attr-dict `:` type($globals) `->` type($result)";
  let hasVerifier = 1;
}

def Hybrid_CacheWriteOp : Hybrid_Op<"cache_write",
    [AllTypesMatch<["cache", "result"]>]> {
  let summary = "Writes new keys or values into a KV cache (plain or ring buffer)";
  let description = [{
    `cache [B, H, C, D]` holds the keys (or values) of earlier tokens;
    `new [B, H, n, D]` are those of n new tokens at the contiguous absolute
    positions `positions[b, 0] + j` (`positions [B, n]`). Token at position
    p goes to slot `p` (plain cache; p < C) or `p mod C` (`ring`: a sliding
    window of exactly C slots, the latest token winning):

    ```
    result[b, h, s] = new[b, h, j]   for the last j whose slot is s
                    = cache[b, h, s] when no new token goes to s
    ```

    ```mlir
    %k2 = hybrid.cache_write %k_cache, %k_new, %positions {ring}
        : tensor<1x2x4x8xf32>, tensor<1x2x1x8xf32>, tensor<1x1xi64>
    ```
  }];
  let arguments = (ins Hybrid_FloatTensor:$cache, Hybrid_FloatTensor:$new_values,
                       Hybrid_IndexTensor:$positions, UnitAttr:$ring);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `,` $new_values `,` $positions attr-dict `:` type($cache) `,`
    type($new_values) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Hybrid_CacheBiasOp : Hybrid_Op<"cache_bias"> {
  let summary = "Which cached and new keys each new query sees, as an additive bias";
  let description = [{
    For attention over `concat(cache [C slots], new [n tokens])` along the
    key axis, before this call's `hybrid.cache_write`: `result [B, 1, n,
    C + n]` is 0 where query i (absolute position `q = p + i`, `p =
    positions[b, 0]`) sees the key and -inf elsewhere. Slot s of a plain
    cache holds position s if `s < p`; slot s of a `ring` holds
    `p − 1 − ((p − 1 − s) mod C)` if that is ≥ 0; slot s of a `shift`
    register (the last C positions in order, Transformer-XL's memory) holds
    `p − C + s` if that is ≥ 0; new key j is at `p + j`.
    A key at position a is seen when `a ≤ q` and, with `window = W > 0`,
    `q − a < W` (the causal window of `#hybrid.mask<causal, window = W>`).

    With `written`, the keys are instead the C slots *after* this call's
    `hybrid.cache_write` of the n new tokens (`result [B, 1, n, C]`: no new
    keys appended, so attention reads the written cache itself, with no
    concatenated copy): slot s of a plain cache holds position s if
    `s < p + n`; slot s of a `ring` holds `l − ((l − s) mod C)`, `l = p + n − 1`,
    if that is ≥ 0. A ring written with n > 1 tokens has lost keys that
    its earlier queries need, so the frontend uses `written` on a ring only
    for n = 1 (decode).

    ```mlir
    %bias = hybrid.cache_bias %positions {capacity = 4 : i64, window = 4 : i64, ring}
          : tensor<1x1xi64> -> tensor<1x1x1x5xf32>
    ```
  }];
  let arguments = (ins Hybrid_IndexTensor:$positions, Hybrid_I64Attr:$capacity,
                       DefaultValuedAttr<Hybrid_I64Attr, "0">:$window,
                       UnitAttr:$ring, UnitAttr:$shift, UnitAttr:$written);
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = "$positions attr-dict `:` type($positions) `->` type($result)";
  let hasVerifier = 1;
}

#endif // HYBRID_ATTENTION_OPS_TD
