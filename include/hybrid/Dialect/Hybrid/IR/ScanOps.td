//===- ScanOps.td - Scans and the gated delta rule ---------*- tablegen -*-===//

#ifndef HYBRID_SCAN_OPS_TD
#define HYBRID_SCAN_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_SelectiveScanOp : Hybrid_Op<"selective_scan", [AttrSizedOperandSegments]> {
  let summary = "Mamba-1 selective scan";
  let description = [{
    The selective state-space scan of Mamba-1 (`selective_scan_ref`), on
    `x [B, L, E]`, `delta [B, L, E]`, `A [E, N]` (already `−exp(A_log)`),
    `B [B, L, N]` and `C [B, L, N]` (shared by all E channels), with optional
    skip `D [E]`, gate `z [B, L, E]`, `delta_bias [E]` and
    `initial_state [B, E, N]` (zeros when absent):

    ```
    Δ[t, e]   = delta[t, e] + delta_bias[e]       then softplus if delta_softplus
    h[t, e, n] = exp(Δ[t, e] · A[e, n]) · h[t−1, e, n] + Δ[t, e] · B[t, n] · x[t, e]
    y[t, e]   = Σ_n h[t, e, n] · C[t, n] + D[e] · x[t, e]
    y[t, e]   = y[t, e] · silu(z[t, e])           if z is given
    ```

    The discretisation is ZOH for A and Euler for B (no `(exp(ΔA) − 1)/A`
    factor), as in the reference. Results: `y [B, L, E]` and the state after
    the last step, `final_state [B, E, N]`, for decoding. The recurrence runs
    in f32.

    ```mlir
    %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z)
               delta_bias(%db) {delta_softplus}
           : (tensor<1x64x32xf32>, tensor<1x64x32xf32>, tensor<32x16xf32>,
              tensor<1x64x16xf32>, tensor<1x64x16xf32>, tensor<32xf32>,
              tensor<1x64x32xf32>, tensor<32xf32>)
           -> (tensor<1x64x32xf32>, tensor<1x32x16xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$x,
    Hybrid_FloatTensor:$delta,
    Hybrid_FloatTensor:$A,
    Hybrid_FloatTensor:$B,
    Hybrid_FloatTensor:$C,
    Optional<Hybrid_FloatTensor>:$D,
    Optional<Hybrid_FloatTensor>:$z,
    Optional<Hybrid_FloatTensor>:$delta_bias,
    Optional<Hybrid_FloatTensor>:$initial_state,
    UnitAttr:$delta_softplus
  );
  let results = (outs Hybrid_FloatTensor:$y, Hybrid_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $delta `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`delta_bias` `(` $delta_bias^ `)`)? (`init` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_SSDScanOp : Hybrid_Op<"ssd_scan", [AttrSizedOperandSegments]> {
  let summary = "Mamba-2 state-space-dual (SSD) scan";
  let description = [{
    The Mamba-2 scan (`ssd_minimal`, `mamba_chunk_scan_combined`) over H heads
    of P channels: `x [B, L, H, P]`, `dt [B, L, H]`, scalar-per-head
    `A [H]` (already `−exp(A_log)`), grouped `B [B, L, G, N]` and
    `C [B, L, G, N]` (head h uses group `h / (H / G)`), optional `D [H]`,
    gate `z [B, L, H, P]`, `dt_bias [H]` and `initial_state [B, H, P, N]`:

    ```
    Δ[t, h]      = dt[t, h] + dt_bias[h], then softplus if dt_softplus,
                   then clamped to [dt_min, dt_max] when those are set
    s[t, h, p, n] = exp(Δ[t, h] · A[h]) · s[t−1, h, p, n] + Δ[t, h] · x[t, h, p] · B[t, g(h), n]
    y[t, h, p]   = Σ_n s[t, h, p, n] · C[t, g(h), n] + D[h] · x[t, h, p]
    y[t, h, p]   = y[t, h, p] · silu(z[t, h, p])    if z is given
    ```

    `chunk_size` (default 256) is the block length of the chunked
    (quadratic-within, linear-across) evaluation; it does not change the
    result. Results: `y [B, L, H, P]` and `final_state [B, H, P, N]`.

    ```mlir
    %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) dt_bias(%db)
               {dt_softplus, chunk_size = 64 : i64}
           : (tensor<1x128x8x16xf32>, tensor<1x128x8xf32>, tensor<8xf32>,
              tensor<1x128x2x32xf32>, tensor<1x128x2x32xf32>, tensor<8xf32>,
              tensor<8xf32>) -> (tensor<1x128x8x16xf32>, tensor<1x8x16x32xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$x,
    Hybrid_FloatTensor:$dt,
    Hybrid_FloatTensor:$A,
    Hybrid_FloatTensor:$B,
    Hybrid_FloatTensor:$C,
    Optional<Hybrid_FloatTensor>:$D,
    Optional<Hybrid_FloatTensor>:$z,
    Optional<Hybrid_FloatTensor>:$dt_bias,
    Optional<Hybrid_FloatTensor>:$initial_state,
    UnitAttr:$dt_softplus,
    DefaultValuedAttr<Hybrid_I64Attr, "256">:$chunk_size,
    OptionalAttr<F32Attr>:$dt_min,
    OptionalAttr<F32Attr>:$dt_max
  );
  let results = (outs Hybrid_FloatTensor:$y, Hybrid_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $dt `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`dt_bias` `(` $dt_bias^ `)`)? (`init` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_RGLRUOp : Hybrid_Op<"rg_lru", [AttrSizedOperandSegments]> {
  let summary = "Real-gated linear recurrent unit (Griffin, RecurrentGemma)";
  let description = [{
    The RG-LRU of Griffin (HF `RecurrentGemmaRglru`) on `x [B, L, W]`,
    with H heads of `bw = W / H` channels: block-diagonal gate weights
    `input_gate [H, bw, bw]` and `recurrent_gate [H, bw, bw]` (applied as
    `x_h · W_h`, HF's `baddbmm`), their biases `[H, bw]`, the recurrence
    parameter `recurrent_param [W]` (Λ), an optional `initial_state [B, W]`
    and optional `positions [B, L]` (the tokens' positions in their
    sequences):

    ```
    i[t]    = σ(x_h[t] · input_gate_h + input_gate_bias_h)      per head h
    r[t]    = σ(x_h[t] · recurrent_gate_h + recurrent_gate_bias_h)
    log a[t] = −c · r[t] · softplus(Λ)                          c = 8 by default
    reset[t] = positions[t] == 0       (without positions: t == 0 when there
                                        is no initial_state, else never)
    m[t]    = 1 if reset[t], else √(1 − exp(2 · log a[t]))
    h[t]    = (reset[t] ? 0 : exp(log a[t])) · h[t−1] + m[t] · i[t] · x[t]
    y[t]    = h[t]
    ```

    A reset starts a new sequence: the state is dropped and the input is
    not normalised (HF's first-position rule). Results: `y [B, L, W]` and
    `final_state [B, W]`, the state after the last step, for decoding. Every
    channel's recurrence is independent of the others; it runs in f32.

    ```mlir
    %y, %h = hybrid.rg_lru %x, %wi, %bi, %wa, %ba, %lambda init(%h0) positions(%pos)
           : (tensor<1x16x64xf32>, tensor<4x16x16xf32>, tensor<4x16xf32>,
              tensor<4x16x16xf32>, tensor<4x16xf32>, tensor<64xf32>,
              tensor<1x64xf32>, tensor<1x16xi64>)
           -> (tensor<1x16x64xf32>, tensor<1x64xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$x,
    Hybrid_FloatTensor:$input_gate,
    Hybrid_FloatTensor:$input_gate_bias,
    Hybrid_FloatTensor:$recurrent_gate,
    Hybrid_FloatTensor:$recurrent_gate_bias,
    Hybrid_FloatTensor:$recurrent_param,
    Optional<Hybrid_FloatTensor>:$initial_state,
    Optional<Hybrid_IndexTensor>:$positions,
    DefaultValuedAttr<F32Attr, "8.0">:$c
  );
  let results = (outs Hybrid_FloatTensor:$y, Hybrid_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $input_gate `,` $input_gate_bias `,` $recurrent_gate `,`
    $recurrent_gate_bias `,` $recurrent_param (`init` `(` $initial_state^ `)`)?
    (`positions` `(` $positions^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_GatedDeltaRuleOp : Hybrid_Op<"gated_delta_rule"> {
  let summary = "Gated delta rule (Gated DeltaNet: Qwen3-Next, Qwen3.5)";
  let description = [{
    The gated delta rule of Gated DeltaNet (HF's `torch_recurrent_gated_delta_rule`
    in `qwen3_next`) on `query, key [B, L, Hk, dk]`, `value [B, L, Hv, dv]`,
    the log decay `g [B, L, Hv]` and the write strength `beta [B, L, Hv]`,
    with an optional `initial_state [B, Hv, dk, dv]`. Value head `h` reads
    key head `h / (Hv / Hk)` (HF's `repeat_interleave`). With `qk_l2norm`,
    q and k are first divided by `√(Σ x² + 1e-6)` over dk; q is then scaled
    by `scale` (default `dk^-½`). Per head and step, on the state
    `S [dk, dv]`:

    ```
    S    = exp(g[t]) · S
    δ    = beta[t] · (v[t] − Sᵀ k[t])
    S    = S + k[t] ⊗ δ
    o[t] = Sᵀ q[t]
    ```

    Results: `o [B, L, Hv, dv]` and `final_state [B, Hv, dk, dv]`, the state
    after the last step, for decoding. A call of at least `chunk_size` steps
    (default 64) is lowered in chunks of that many (the WY form: products
    within a chunk, the recurrence only between chunks); shorter calls, and
    `chunk_size = 1`, run the plain recurrence. Both compute the same rule.

    ```mlir
    %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %beta init(%s0) {qk_l2norm}
           : (tensor<1x128x2x16xf32>, tensor<1x128x2x16xf32>, tensor<1x128x4x32xf32>,
              tensor<1x128x4xf32>, tensor<1x128x4xf32>, tensor<1x4x16x32xf32>)
           -> (tensor<1x128x4x32xf32>, tensor<1x4x16x32xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$query,
    Hybrid_FloatTensor:$key,
    Hybrid_FloatTensor:$value,
    Hybrid_FloatTensor:$g,
    Hybrid_FloatTensor:$beta,
    Optional<Hybrid_FloatTensor>:$initial_state,
    UnitAttr:$qk_l2norm,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<I64Attr, "64">:$chunk_size
  );
  let results = (outs Hybrid_FloatTensor:$result, Hybrid_FloatTensor:$final_state);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $g `,` $beta (`init` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_SCAN_OPS_TD
