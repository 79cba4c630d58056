//===- ConvOps.td - Convolution ops ------------------------*- tablegen -*-===//

#ifndef HYBRID_CONV_OPS_TD
#define HYBRID_CONV_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_CausalConv1DOp : Hybrid_Op<"causal_conv1d", [AttrSizedOperandSegments]> {
  let summary = "Depthwise causal 1-D convolution with carried state";
  let description = [{
    The depthwise causal convolution of Mamba (`causal_conv1d_ref`) over
    `x [B, L, C]` with `weight [C, K]` (PyTorch's `[C, 1, K]` without the unit
    dimension), optional `bias [C]`, and optional `state [B, C, K−1]`: the
    K−1 inputs that preceded `x` (zeros when absent):

    ```
    x'         = concat(state, xᵀ) along time        [B, C, K−1+L]
    y[t, c]    = bias[c] + Σ_{k=0}^{K−1} weight[c, k] · x'[c, t + k]
    y[t, c]    = act(y[t, c])                         identity or silu
    ```

    so `weight[c, K−1]` multiplies the current token. Results: `y [B, L, C]`
    and `final_state [B, C, K−1]`, the last K−1 columns of `x'`, to carry
    into the next call.

    ```mlir
    %y, %s = hybrid.causal_conv1d %x, %w bias(%b) {activation = #hybrid.act<silu>}
           : (tensor<1x64x32xf32>, tensor<32x4xf32>, tensor<32xf32>)
           -> (tensor<1x64x32xf32>, tensor<1x32x3xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$weight,
    Optional<Hybrid_FloatTensor>:$bias,
    Optional<Hybrid_FloatTensor>:$state,
    DefaultValuedAttr<Hybrid_ActivationAttr, "::mlir::hybrid::Activation::identity">:$activation
  );
  let results = (outs Hybrid_FloatTensor:$result, Hybrid_FloatTensor:$final_state);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? (`state` `(` $state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_Conv2DOp : Hybrid_Op<"conv2d"> {
  let summary = "2-D convolution, NCHW, grouped";
  let description = [{
    `torch.nn.functional.conv2d` on `input [N, Cin, H, W]` with
    `weight [Cout, Cin/groups, Kh, Kw]` and optional `bias [Cout]`:

    ```
    out[n, o, y, x] = bias[o] + Σ_{c, a, b} weight[o, c, a, b] ·
        in[n, g·Cin/groups + c, y·sh − ph + a·dh, x·sw − pw + b·dw]
    Ho = ⌊(H + 2ph − dh(Kh − 1) − 1) / sh⌋ + 1   (likewise Wo)
    ```

    where `g = o / (Cout/groups)` and out-of-range inputs are zero. Used for
    CvT's convolutional token embedding (`groups = 1`) and its depthwise
    q/k/v projections (`groups = C`; inference BatchNorm folds into weight
    and bias).

    ```mlir
    %y = hybrid.conv2d %img, %w bias(%b) {strides = array<i64: 4, 4>,
                                          padding = array<i64: 2, 2>}
       : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>)
       -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$input,
    Hybrid_FloatTensor:$weight,
    Optional<Hybrid_FloatTensor>:$bias,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<Hybrid_I64Attr, "1">:$groups
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_CONV_OPS_TD
