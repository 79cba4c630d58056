// A module with no function to run (only a declaration).
func.func private @external(%x: tensor<2xf32>) -> tensor<2xf32>
