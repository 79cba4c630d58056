// Linear layers whose shapes exercise every edge of hybrid-packed-gemm:
// row tails (M % 6), a column tail (N % NR left to the generic), K split
// into several panels, a bias, and decode rows (the matrix-vector path).
func.func @tails(%x: tensor<1x19x200xf32>, %w: tensor<72x200xf32>) -> tensor<1x19x72xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x19x200xf32>, tensor<72x200xf32>) -> tensor<1x19x72xf32>
  return %y : tensor<1x19x72xf32>
}
func.func @bias(%x: tensor<2x24x700xf32>, %w: tensor<128x700xf32>, %b: tensor<128xf32>) -> tensor<2x24x128xf32> {
  %y = hybrid.linear %x, %w bias(%b) : (tensor<2x24x700xf32>, tensor<128x700xf32>, tensor<128xf32>) -> tensor<2x24x128xf32>
  return %y : tensor<2x24x128xf32>
}
// Decode (the matrix-vector path): a k tail (100 = 6·16 + 4) and rows of W
// left over by the group (70 = 8·8 + 6), for one row and for 8.
func.func @decode(%x: tensor<1x1x100xf32>, %w: tensor<70x100xf32>, %b: tensor<70xf32>) -> tensor<1x1x70xf32> {
  %y = hybrid.linear %x, %w bias(%b) : (tensor<1x1x100xf32>, tensor<70x100xf32>, tensor<70xf32>) -> tensor<1x1x70xf32>
  return %y : tensor<1x1x70xf32>
}
func.func @decode8(%x: tensor<2x4x100xf32>, %w: tensor<70x100xf32>) -> tensor<2x4x70xf32> {
  %y = hybrid.linear %x, %w : (tensor<2x4x100xf32>, tensor<70x100xf32>) -> tensor<2x4x70xf32>
  return %y : tensor<2x4x70xf32>
}
