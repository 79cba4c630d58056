// Projections whose weights --weight-type=bf16 keeps in bfloat16, shaped to
// reach every path of hybrid-packed-gemm with a bf16 W: row and column
// tails with K in several panels (packed, W widened as it is packed), a bias
// (stays f32), decode rows (the matrix-vector path, W widened as it is
// read, with a k tail), whole 32×32 tiles with a row tail (the AMX kernel
// where the host has AMX: 37 rows are three 16-row blocks, padded to four),
// a small model: an embedding whose table is
// also the output projection, an RMSNorm (its scale stays f32) and a gated
// MLP; and mixtures of experts in the importers' layouts: per-expert
// tensors stacked (expand_shape + concat), a fused gate_up tensor sliced
// with a stacked down tensor read directly, and ungated experts (gate = up);
// the router stays f32.
func.func @tails(%x: tensor<1x19x200xf32>, %w: tensor<72x200xf32> {hybrid.weight = "w"}) -> tensor<1x19x72xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x19x200xf32>, tensor<72x200xf32>) -> tensor<1x19x72xf32>
  return %y : tensor<1x19x72xf32>
}
func.func @bias(%x: tensor<2x24x700xf32>, %w: tensor<128x700xf32> {hybrid.weight = "w"},
                %b: tensor<128xf32> {hybrid.weight = "b"}) -> tensor<2x24x128xf32> {
  %y = hybrid.linear %x, %w bias(%b) : (tensor<2x24x700xf32>, tensor<128x700xf32>, tensor<128xf32>) -> tensor<2x24x128xf32>
  return %y : tensor<2x24x128xf32>
}
func.func @decode(%x: tensor<2x4x100xf32>, %w: tensor<70x100xf32> {hybrid.weight = "w"}) -> tensor<2x4x70xf32> {
  %y = hybrid.linear %x, %w : (tensor<2x4x100xf32>, tensor<70x100xf32>) -> tensor<2x4x70xf32>
  return %y : tensor<2x4x70xf32>
}
func.func @tiles(%x: tensor<1x37x96xf32>, %w: tensor<64x96xf32> {hybrid.weight = "w"}) -> tensor<1x37x64xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x37x96xf32>, tensor<64x96xf32>) -> tensor<1x37x64xf32>
  return %y : tensor<1x37x64xf32>
}
func.func @tiny_model(%ids: tensor<2x20xi64>, %table: tensor<160x64xf32> {hybrid.weight = "embed"},
                      %n: tensor<64xf32> {hybrid.weight = "norm"},
                      %g: tensor<96x64xf32> {hybrid.weight = "gate"},
                      %u: tensor<96x64xf32> {hybrid.weight = "up"},
                      %d: tensor<64x96xf32> {hybrid.weight = "down"}) -> tensor<2x20x160xf32> {
  %h = hybrid.embedding %ids, %table : (tensor<2x20xi64>, tensor<160x64xf32>) -> tensor<2x20x64xf32>
  %r = hybrid.rms_norm %h, %n {eps = 1.0e-6 : f32} : tensor<2x20x64xf32>, tensor<64xf32>
  %m = hybrid.gated_mlp %r, %g, %u, %d {activation = #hybrid.act<silu>} : (tensor<2x20x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<2x20x64xf32>
  %s = arith.addf %h, %m : tensor<2x20x64xf32>
  %y = hybrid.linear %s, %table : (tensor<2x20x64xf32>, tensor<160x64xf32>) -> tensor<2x20x160xf32>
  return %y : tensor<2x20x160xf32>
}
func.func @experts(%x: tensor<2x24x64xf32>,
                   %r: tensor<4x64xf32> {hybrid.weight = "router"},
                   %g0: tensor<96x64xf32> {hybrid.weight = "experts.0.gate"},
                   %g1: tensor<96x64xf32> {hybrid.weight = "experts.1.gate"},
                   %g2: tensor<96x64xf32> {hybrid.weight = "experts.2.gate"},
                   %g3: tensor<96x64xf32> {hybrid.weight = "experts.3.gate"},
                   %u0: tensor<96x64xf32> {hybrid.weight = "experts.0.up"},
                   %u1: tensor<96x64xf32> {hybrid.weight = "experts.1.up"},
                   %u2: tensor<96x64xf32> {hybrid.weight = "experts.2.up"},
                   %u3: tensor<96x64xf32> {hybrid.weight = "experts.3.up"},
                   %dn0: tensor<64x96xf32> {hybrid.weight = "experts.0.down"},
                   %dn1: tensor<64x96xf32> {hybrid.weight = "experts.1.down"},
                   %dn2: tensor<64x96xf32> {hybrid.weight = "experts.2.down"},
                   %dn3: tensor<64x96xf32> {hybrid.weight = "experts.3.down"},
                   %gu: tensor<4x192x64xf32> {hybrid.weight = "fused.gate_up"},
                   %d: tensor<4x64x96xf32> {hybrid.weight = "fused.down"},
                   %s: tensor<4x96x64xf32> {hybrid.weight = "ungated.up"}) -> tensor<2x24x64xf32> {
  %ge0 = tensor.expand_shape %g0 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ge1 = tensor.expand_shape %g1 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ge2 = tensor.expand_shape %g2 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ge3 = tensor.expand_shape %g3 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %gate = tensor.concat dim(0) %ge0, %ge1, %ge2, %ge3 : (tensor<1x96x64xf32>, tensor<1x96x64xf32>, tensor<1x96x64xf32>, tensor<1x96x64xf32>) -> tensor<4x96x64xf32>
  %ue0 = tensor.expand_shape %u0 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ue1 = tensor.expand_shape %u1 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ue2 = tensor.expand_shape %u2 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %ue3 = tensor.expand_shape %u3 [[0, 1], [2]] output_shape [1, 96, 64] : tensor<96x64xf32> into tensor<1x96x64xf32>
  %up = tensor.concat dim(0) %ue0, %ue1, %ue2, %ue3 : (tensor<1x96x64xf32>, tensor<1x96x64xf32>, tensor<1x96x64xf32>, tensor<1x96x64xf32>) -> tensor<4x96x64xf32>
  %dne0 = tensor.expand_shape %dn0 [[0, 1], [2]] output_shape [1, 64, 96] : tensor<64x96xf32> into tensor<1x64x96xf32>
  %dne1 = tensor.expand_shape %dn1 [[0, 1], [2]] output_shape [1, 64, 96] : tensor<64x96xf32> into tensor<1x64x96xf32>
  %dne2 = tensor.expand_shape %dn2 [[0, 1], [2]] output_shape [1, 64, 96] : tensor<64x96xf32> into tensor<1x64x96xf32>
  %dne3 = tensor.expand_shape %dn3 [[0, 1], [2]] output_shape [1, 64, 96] : tensor<64x96xf32> into tensor<1x64x96xf32>
  %down = tensor.concat dim(0) %dne0, %dne1, %dne2, %dne3 : (tensor<1x64x96xf32>, tensor<1x64x96xf32>, tensor<1x64x96xf32>, tensor<1x64x96xf32>) -> tensor<4x64x96xf32>
  %fgate = tensor.extract_slice %gu[0, 0, 0] [4, 96, 64] [1, 1, 1] : tensor<4x192x64xf32> to tensor<4x96x64xf32>
  %fup = tensor.extract_slice %gu[0, 96, 0] [4, 96, 64] [1, 1, 1] : tensor<4x192x64xf32> to tensor<4x96x64xf32>
  %a = hybrid.moe %x, %r, %gate, %up, %down {top_k = 2 : i64}
     : (tensor<2x24x64xf32>, tensor<4x64xf32>, tensor<4x96x64xf32>, tensor<4x96x64xf32>, tensor<4x64x96xf32>) -> tensor<2x24x64xf32>
  %b = hybrid.moe %x, %r, %fgate, %fup, %d {top_k = 2 : i64, normalize_top_k}
     : (tensor<2x24x64xf32>, tensor<4x64xf32>, tensor<4x96x64xf32>, tensor<4x96x64xf32>, tensor<4x64x96xf32>) -> tensor<2x24x64xf32>
  %c = hybrid.moe %x, %r, %s, %s, %d {top_k = 2 : i64, activation = #hybrid.act<relu>}
     : (tensor<2x24x64xf32>, tensor<4x64xf32>, tensor<4x96x64xf32>, tensor<4x96x64xf32>, tensor<4x64x96xf32>) -> tensor<2x24x64xf32>
  %ab = arith.addf %a, %b : tensor<2x24x64xf32>
  %abc = arith.addf %ab, %c : tensor<2x24x64xf32>
  return %abc : tensor<2x24x64xf32>
}
