func.func @f(%x: tensor<1x1x4x8xf32>) {
  %y = "hybrid.attention"(%x, %x, %x) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return
}
