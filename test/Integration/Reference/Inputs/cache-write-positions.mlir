func.func @w(%c: tensor<1x1x4x2xf32>, %n: tensor<1x1x2x2xf32>, %p: tensor<1x2xi64>) -> tensor<1x1x4x2xf32> {
  %r = hybrid.cache_write %c, %n, %p : tensor<1x1x4x2xf32>, tensor<1x1x2x2xf32>, tensor<1x2xi64>
  return %r : tensor<1x1x4x2xf32>
}
func.func @ring(%c: tensor<1x1x4x2xf32>, %n: tensor<1x1x2x2xf32>, %p: tensor<1x2xi64>) -> tensor<1x1x4x2xf32> {
  %r = hybrid.cache_write %c, %n, %p {ring} : tensor<1x1x4x2xf32>, tensor<1x1x2x2xf32>, tensor<1x2xi64>
  return %r : tensor<1x1x4x2xf32>
}
