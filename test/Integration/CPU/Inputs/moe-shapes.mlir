// Mixtures of experts whose routing exercises every path of the sparse
// lowering: experts with 16 or more tokens (the packed GEMM), with fewer
// (groups of four rows, then single rows), and with none (skipped).
// 48 tokens over 4 experts, top-2: about 24 each, some above 16, some below.
func.func @prefill(%x: tensor<2x24x64xf32>, %r: tensor<4x64xf32>, %g: tensor<4x80x64xf32>,
                   %u: tensor<4x80x64xf32>, %d: tensor<4x64x80xf32>) -> tensor<2x24x64xf32> {
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 2 : i64}
      : (tensor<2x24x64xf32>, tensor<4x64xf32>, tensor<4x80x64xf32>, tensor<4x80x64xf32>,
         tensor<4x64x80xf32>) -> tensor<2x24x64xf32>
  return %y : tensor<2x24x64xf32>
}
// 13 tokens, top-2 of 4, renormalised, GELU: 26 choices, fewer than 16 per
// expert (groups of four rows and single rows).
func.func @few(%x: tensor<1x13x64xf32>, %r: tensor<4x64xf32>, %g: tensor<4x80x64xf32>,
               %u: tensor<4x80x64xf32>, %d: tensor<4x64x80xf32>) -> tensor<1x13x64xf32> {
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 2 : i64, normalize_top_k, activation = #hybrid.act<gelu_tanh>}
      : (tensor<1x13x64xf32>, tensor<4x64xf32>, tensor<4x80x64xf32>, tensor<4x80x64xf32>,
         tensor<4x64x80xf32>) -> tensor<1x13x64xf32>
  return %y : tensor<1x13x64xf32>
}
// Decode: one token, top-2 of 8: six experts are never read.
func.func @decode(%x: tensor<1x1x64xf32>, %r: tensor<8x64xf32>, %g: tensor<8x80x64xf32>,
                  %u: tensor<8x80x64xf32>, %d: tensor<8x64x80xf32>) -> tensor<1x1x64xf32> {
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 2 : i64}
      : (tensor<1x1x64xf32>, tensor<8x64xf32>, tensor<8x80x64xf32>, tensor<8x80x64xf32>,
         tensor<8x64x80xf32>) -> tensor<1x1x64xf32>
  return %y : tensor<1x1x64xf32>
}
