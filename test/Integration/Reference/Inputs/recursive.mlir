// A function that calls itself: refused by hybrid-run and hybrid-compile (errors.test).
func.func private @g(%x: tensor<1x2x4xf32>, %w: tensor<4xf32>) -> tensor<1x2x4xf32> {
  %n = hybrid.rms_norm %x, %w : tensor<1x2x4xf32>, tensor<4xf32>
  return %n : tensor<1x2x4xf32>
}
func.func @f(%x: tensor<1x2x4xf32>, %w: tensor<4xf32>) -> tensor<1x2x4xf32> {
  %a = call @g(%x, %w) : (tensor<1x2x4xf32>, tensor<4xf32>) -> tensor<1x2x4xf32>
  %b = call @f(%a, %w) : (tensor<1x2x4xf32>, tensor<4xf32>) -> tensor<1x2x4xf32>
  return %b : tensor<1x2x4xf32>
}
