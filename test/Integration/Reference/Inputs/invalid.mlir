func.func @bad(%q: tensor<1x8x4x8xf32>, %k: tensor<1x3x4x8xf32>) -> tensor<1x8x4x8xf32> {
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<causal>}
      : (tensor<1x8x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x8x4x8xf32>
  return %o : tensor<1x8x4x8xf32>
}
