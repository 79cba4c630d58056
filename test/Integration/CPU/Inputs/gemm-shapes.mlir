// Linear layers whose shapes exercise every edge of hybrid-packed-gemm:
// row tails (M % 6), a column tail (N % NR left to the generic), K split
// into several panels, a bias, and decode rows (the unpacked path).
func.func @tails(%x: tensor<1x19x200xf32>, %w: tensor<72x200xf32>) -> tensor<1x19x72xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x19x200xf32>, tensor<72x200xf32>) -> tensor<1x19x72xf32>
  return %y : tensor<1x19x72xf32>
}
func.func @bias(%x: tensor<2x24x700xf32>, %w: tensor<128x700xf32>, %b: tensor<128xf32>) -> tensor<2x24x128xf32> {
  %y = hybrid.linear %x, %w bias(%b) : (tensor<2x24x700xf32>, tensor<128x700xf32>, tensor<128xf32>) -> tensor<2x24x128xf32>
  return %y : tensor<2x24x128xf32>
}
func.func @decode(%x: tensor<1x1x96xf32>, %w: tensor<64x96xf32>) -> tensor<1x1x64xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x1x96xf32>, tensor<64x96xf32>) -> tensor<1x1x64xf32>
  return %y : tensor<1x1x64xf32>
}
