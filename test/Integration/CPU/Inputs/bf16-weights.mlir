// Projections whose weights --weight-type=bf16 keeps in bfloat16, shaped to
// reach every path of hybrid-packed-gemm with a bf16 W: row and column
// tails with K in several panels (packed, W widened as it is packed), a bias
// (stays f32), decode rows (the matrix-vector path, W widened as it is
// read, with a k tail), whole 32×32 tiles with a row tail (the AMX kernel
// where the host has AMX: 37 rows are three 16-row blocks, padded to four),
// and a small model: an embedding whose table is
// also the output projection, an RMSNorm (its scale stays f32) and a gated
// MLP.
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
