// @main calls @helper, which is public too: both targets run it.
func.func @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  %b = arith.addf %a, %a : tensor<2xf32>
  return %b : tensor<2xf32>
}
func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
  %b = func.call @helper(%a) : (tensor<2xf32>) -> tensor<2xf32>
  %c = arith.mulf %b, %a : tensor<2xf32>
  return %c : tensor<2xf32>
}
