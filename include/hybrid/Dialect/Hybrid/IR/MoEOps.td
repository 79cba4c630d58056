//===- MoEOps.td - Mixture-of-experts ops ------------------*- tablegen -*-===//

#ifndef HYBRID_MOE_OPS_TD
#define HYBRID_MOE_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_MoEOp : Hybrid_Op<"moe", [AttrSizedOperandSegments]> {
  let summary = "Top-k routed mixture of gated-MLP experts";
  let description = [{
    A sparse mixture of E gated-MLP experts on `input [..., D]`, with
    `router [E, D]`, `gate [E, I, D]`, `up [E, I, D]` and `down [E, D, I]`:

    ```
    r        = router_input, else x
    p        = softmax(r · routerᵀ)                   over all E experts, in f32
             = sigmoid(r · routerᵀ)                   with sigmoid_router
    s        = p + selection_bias                     (p when absent)
    s        = −inf outside the top_groups groups     with expert_groups G > 1:
               (E/G consecutive experts each) of the highest sum of their
               two best s
    idx      = topk(s, top_k)                         ties: the lower index first
    w_k      = p[idx_k]                               the bias only selects
    w        = w / (Σ w + normalize_epsilon)          only if normalize_top_k
    w        = w · routed_scaling
    out      = Σ_k w_k · down_e(act(gate_e x) ⊙ up_e x),  e = idx_k
    ```

    Jamba uses no renormalisation; Mixtral's softmax-over-the-top-k equals
    `normalize_top_k`. LFM2-MoE routes by sigmoid with an expert bias
    (`selection_bias [E]`), renormalises with ε = 1e-6 and scales by
    `routed_scaling`. `activation` is `silu` (default), `gelu`, `gelu_tanh`
    or `relu`; Nemotron-H's ungated relu² experts are `gate = up` with `relu`,
    as relu(u)·u = relu(u)².

    `router_input [..., Dr]` (the tokens' rows in the same order, router
    `[E, Dr]`) routes by other features than the experts read: Nemotron-H's
    latent experts run on a projection of the hidden state and are routed
    by the hidden state itself. `expert_groups` / `top_groups` are
    DeepSeek-V3's group-limited choice (Nemotron-H's n_group / topk_group).

    ```mlir
    %y = hybrid.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
       : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>,
          tensor<4x128x64xf32>, tensor<4x64x128xf32>) -> tensor<1x16x64xf32>
    %z = hybrid.moe %x, %router, %gate, %up, %down selection_bias(%bias)
           {top_k = 2 : i64, sigmoid_router, normalize_top_k,
            normalize_epsilon = 1.0e-6 : f32, routed_scaling = 2.5 : f32}
       : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>,
          tensor<4x128x64xf32>, tensor<4x64x128xf32>, tensor<4xf32>)
       -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$router,
    Hybrid_FloatTensor:$gate,
    Hybrid_FloatTensor:$up,
    Hybrid_FloatTensor:$down,
    Optional<Hybrid_FloatTensor>:$selection_bias,
    Optional<Hybrid_FloatTensor>:$router_input,
    Hybrid_I64Attr:$top_k,
    UnitAttr:$normalize_top_k,
    DefaultValuedAttr<Hybrid_ActivationAttr, "::mlir::hybrid::Activation::silu">:$activation,
    UnitAttr:$sigmoid_router,
    DefaultValuedAttr<F32Attr, "1.0">:$routed_scaling,
    DefaultValuedAttr<F32Attr, "0.0">:$normalize_epsilon,
    DefaultValuedAttr<Hybrid_I64Attr, "1">:$expert_groups,
    DefaultValuedAttr<Hybrid_I64Attr, "1">:$top_groups
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $router `,` $gate `,` $up `,` $down
    (`selection_bias` `(` $selection_bias^ `)`)?
    (`router_input` `(` $router_input^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_MOE_OPS_TD
