// y = x Wᵀ + b with W and b read from a checkpoint by name.
func.func @layer(%x: tensor<1x2xf32>,
                 %w: tensor<2x2xf32> {hybrid.weight = "layer.w"},
                 %b: tensor<2xf32> {hybrid.weight = "layer.b"}) -> tensor<1x2xf32> {
  %y = hybrid.linear %x, %w bias(%b) : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

func.func @wrong_shape(%w: tensor<3x2xf32> {hybrid.weight = "layer.w"}) -> tensor<3x2xf32> {
  return %w : tensor<3x2xf32>
}

func.func @missing(%w: tensor<2x2xf32> {hybrid.weight = "layer.v"}) -> tensor<2x2xf32> {
  return %w : tensor<2x2xf32>
}
