// A program with nothing to run on a GPU (test/Pipelines/hybrid-gpu-pipeline.mlir).
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
