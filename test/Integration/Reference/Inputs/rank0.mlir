// A rank-0 argument and result: the reference runs it, --target=cpu refuses it (errors.test).
func.func @f(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
