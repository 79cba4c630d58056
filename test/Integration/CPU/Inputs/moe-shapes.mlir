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
// LFM2-MoE's routing: sigmoid scores, a selection bias that only selects,
// renormalised with ε = 1e-6, scaled by 2.5.
func.func @sigmoid(%x: tensor<1x13x64xf32>, %r: tensor<4x64xf32>, %g: tensor<4x80x64xf32>,
                   %u: tensor<4x80x64xf32>, %d: tensor<4x64x80xf32>, %b: tensor<4xf32>)
    -> tensor<1x13x64xf32> {
  %y = hybrid.moe %x, %r, %g, %u, %d selection_bias(%b)
      {top_k = 2 : i64, sigmoid_router, normalize_top_k, normalize_epsilon = 1.0e-6 : f32,
       routed_scaling = 2.5 : f32}
      : (tensor<1x13x64xf32>, tensor<4x64xf32>, tensor<4x80x64xf32>, tensor<4x80x64xf32>,
         tensor<4x64x80xf32>, tensor<4xf32>) -> tensor<1x13x64xf32>
  return %y : tensor<1x13x64xf32>
}
// Nemotron-H's relu² experts: gate = up with relu (relu(u)·u = relu(u)²),
// sigmoid routing with a correction bias, renormalised with ε = 1e-20.
func.func @relu2(%x: tensor<1x13x64xf32>, %r: tensor<4x64xf32>, %u: tensor<4x80x64xf32>,
                 %d: tensor<4x64x80xf32>, %b: tensor<4xf32>) -> tensor<1x13x64xf32> {
  %y = hybrid.moe %x, %r, %u, %u, %d selection_bias(%b)
      {top_k = 2 : i64, sigmoid_router, normalize_top_k, normalize_epsilon = 1.0e-20 : f32,
       activation = #hybrid.act<relu>}
      : (tensor<1x13x64xf32>, tensor<4x64xf32>, tensor<4x80x64xf32>, tensor<4x80x64xf32>,
         tensor<4x64x80xf32>, tensor<4xf32>) -> tensor<1x13x64xf32>
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
// Per-expert tensors stacked with tensor.concat, as the Jamba importer does
// for per-expert checkpoints: each expert reads its own tensors (unrolled).
func.func @stacked(%x: tensor<1x20x64xf32>, %r: tensor<2x64xf32>,
                   %g0: tensor<80x64xf32>, %g1: tensor<80x64xf32>,
                   %u0: tensor<80x64xf32>, %u1: tensor<80x64xf32>,
                   %d0: tensor<64x80xf32>, %d1: tensor<64x80xf32>) -> tensor<1x20x64xf32> {
  %eg0 = tensor.expand_shape %g0 [[0, 1], [2]] output_shape [1, 80, 64] : tensor<80x64xf32> into tensor<1x80x64xf32>
  %eg1 = tensor.expand_shape %g1 [[0, 1], [2]] output_shape [1, 80, 64] : tensor<80x64xf32> into tensor<1x80x64xf32>
  %eu0 = tensor.expand_shape %u0 [[0, 1], [2]] output_shape [1, 80, 64] : tensor<80x64xf32> into tensor<1x80x64xf32>
  %eu1 = tensor.expand_shape %u1 [[0, 1], [2]] output_shape [1, 80, 64] : tensor<80x64xf32> into tensor<1x80x64xf32>
  %ed0 = tensor.expand_shape %d0 [[0, 1], [2]] output_shape [1, 64, 80] : tensor<64x80xf32> into tensor<1x64x80xf32>
  %ed1 = tensor.expand_shape %d1 [[0, 1], [2]] output_shape [1, 64, 80] : tensor<64x80xf32> into tensor<1x64x80xf32>
  %g = tensor.concat dim(0) %eg0, %eg1 : (tensor<1x80x64xf32>, tensor<1x80x64xf32>) -> tensor<2x80x64xf32>
  %u = tensor.concat dim(0) %eu0, %eu1 : (tensor<1x80x64xf32>, tensor<1x80x64xf32>) -> tensor<2x80x64xf32>
  %d = tensor.concat dim(0) %ed0, %ed1 : (tensor<1x64x80xf32>, tensor<1x64x80xf32>) -> tensor<2x64x80xf32>
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 1 : i64}
      : (tensor<1x20x64xf32>, tensor<2x64xf32>, tensor<2x80x64xf32>, tensor<2x80x64xf32>,
         tensor<2x64x80xf32>) -> tensor<1x20x64xf32>
  return %y : tensor<1x20x64xf32>
}
// A NaN in a token's input: its routing is NaN and so is its output row.
func.func @nan(%x: tensor<1x2x2xf32>, %r: tensor<2x2xf32>, %g: tensor<2x3x2xf32>,
               %u: tensor<2x3x2xf32>, %d: tensor<2x2x3xf32>) -> tensor<1x2x2xf32> {
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 1 : i64}
      : (tensor<1x2x2xf32>, tensor<2x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>,
         tensor<2x2x3xf32>) -> tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}
