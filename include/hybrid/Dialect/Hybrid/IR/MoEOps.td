//===- MoEOps.td - Mixture-of-experts ops ------------------*- tablegen -*-===//

#ifndef HYBRID_MOE_OPS_TD
#define HYBRID_MOE_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_MoEOp : Hybrid_Op<"moe"> {
  let summary = "Top-k routed mixture of gated-MLP experts";
  let description = [{
    A sparse mixture of E gated-MLP experts on `input [..., D]`, with
    `router [E, D]`, `gate [E, I, D]`, `up [E, I, D]` and `down [E, D, I]`:

    ```
    p        = softmax(x · routerᵀ)                   over all E experts, in f32
    (w, idx) = topk(p, top_k)                         ties: the lower index first
    w        = w / Σ w                                only if normalize_top_k
    out      = Σ_k w_k · down_e(act(gate_e x) ⊙ up_e x),  e = idx_k
    ```

    Jamba uses no renormalisation; Mixtral's softmax-over-the-top-k equals
    `normalize_top_k`. `activation` is `silu` (default) or `gelu_tanh`.

    ```mlir
    %y = hybrid.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
       : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>,
          tensor<4x128x64xf32>, tensor<4x64x128xf32>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$router,
    Hybrid_FloatTensor:$gate,
    Hybrid_FloatTensor:$up,
    Hybrid_FloatTensor:$down,
    Hybrid_I64Attr:$top_k,
    UnitAttr:$normalize_top_k,
    DefaultValuedAttr<Hybrid_ActivationAttr, "::mlir::hybrid::Activation::silu">:$activation
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $router `,` $gate `,` $up `,` $down attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_MOE_OPS_TD
