// Prints an int64 [2, 8] .npy through hybrid-run.
func.func @identity(%ids: tensor<2x8xi64>) -> tensor<2x8xi64> {
  return %ids : tensor<2x8xi64>
}
