// Causal attention over 80 keys: the compiled form is tiled (FlashAttention,
// key tiles of 64 at 512-bit vectors), the reference is the plain formula.
func.func @attn(%q: tensor<1x1x80x1xf32>, %k: tensor<1x1x80x1xf32>, %v: tensor<1x1x80x1xf32>)
    -> tensor<1x1x80x1xf32> {
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>, scale = 1.0 : f32}
      : (tensor<1x1x80x1xf32>, tensor<1x1x80x1xf32>, tensor<1x1x80x1xf32>) -> tensor<1x1x80x1xf32>
  return %o : tensor<1x1x80x1xf32>
}
