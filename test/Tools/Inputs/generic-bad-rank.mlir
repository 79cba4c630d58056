func.func @f(%x: tensor<4xf32>) {
  %y = "hybrid.attention"(%x, %x, %x) {mask = #hybrid.mask<none>} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
