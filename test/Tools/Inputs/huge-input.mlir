// A 2^40-element argument: --random-inputs must refuse it before allocating.
func.func @f(%x: tensor<1024x1024x1024x1024xf32>) -> tensor<1024x1024x1024x1024xf32> {
  return %x : tensor<1024x1024x1024x1024xf32>
}
