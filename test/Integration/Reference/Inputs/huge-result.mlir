// A result of 10^10 elements from tensor.empty: refused before anything is allocated (errors.test).
func.func @f(%x: tensor<4xf32>) -> tensor<100000x100000xf32> {
  %e = tensor.empty() : tensor<100000x100000xf32>
  return %e : tensor<100000x100000xf32>
}
