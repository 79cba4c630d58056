// Products for --weight-type=bf16-matmul, shaped to reach every path of
// hybrid-packed-gemm's vdpbf16ps kernel: an odd K (the last pair padded
// with a zero) with row and column tails (one-row kernels, a partial
// panel), a K of whole 32-element steps (only the vector packing), and an
// odd K of several k blocks (2301: three blocks of at most 1024, the last
// one odd). Each function
// rounds its A to bf16 itself (truncf + extf), so the kernel's own rounding
// of A changes nothing and the compiled code must equal the f32 reference
// on the rounded weights up to the order of summation.
func.func @odd_k(%x: tensor<1x23x101xf32>, %w: tensor<200x101xf32> {hybrid.weight = "w"}) -> tensor<1x23x200xf32> {
  %xb = arith.truncf %x : tensor<1x23x101xf32> to tensor<1x23x101xbf16>
  %xr = arith.extf %xb : tensor<1x23x101xbf16> to tensor<1x23x101xf32>
  %y = hybrid.linear %xr, %w : (tensor<1x23x101xf32>, tensor<200x101xf32>) -> tensor<1x23x200xf32>
  return %y : tensor<1x23x200xf32>
}
func.func @whole_steps(%x: tensor<2x24x96xf32>, %w: tensor<128x96xf32> {hybrid.weight = "w"}) -> tensor<2x24x128xf32> {
  %xb = arith.truncf %x : tensor<2x24x96xf32> to tensor<2x24x96xbf16>
  %xr = arith.extf %xb : tensor<2x24x96xbf16> to tensor<2x24x96xf32>
  %y = hybrid.linear %xr, %w : (tensor<2x24x96xf32>, tensor<128x96xf32>) -> tensor<2x24x128xf32>
  return %y : tensor<2x24x128xf32>
}
func.func @long_k(%x: tensor<1x30x2301xf32>, %w: tensor<72x2301xf32> {hybrid.weight = "w"}) -> tensor<1x30x72xf32> {
  %xb = arith.truncf %x : tensor<1x30x2301xf32> to tensor<1x30x2301xbf16>
  %xr = arith.extf %xb : tensor<1x30x2301xbf16> to tensor<1x30x2301xf32>
  %y = hybrid.linear %xr, %w : (tensor<1x30x2301xf32>, tensor<72x2301xf32>) -> tensor<1x30x72xf32>
  return %y : tensor<1x30x72xf32>
}
