func.func @f(%x: tensor<4xf32>) {
  %y = "hybrid.attention"(%x, %x, %x) {mask = #hybrid.mask<none>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
