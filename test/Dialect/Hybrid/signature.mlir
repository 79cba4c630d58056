// The signature attributes of a model function and the module's CPU target
// parse, verify and print back the same.
// RUN: hybrid-opt %s | hybrid-opt | FileCheck %s
// RUN: hybrid-opt %s --mlir-print-op-generic | hybrid-opt | FileCheck %s

// CHECK: module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 32768, l2_bytes = 1048576, cpu = "znver4", features = "+avx2,-avx512f">}
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 32768,
                                                      l2_bytes = 1048576, cpu = "znver4",
                                                      features = "+avx2,-avx512f">} {
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: {hybrid.input = "input_ids"}
// CHECK-SAME: {hybrid.input = "positions", hybrid.positions}
// CHECK-SAME: {hybrid.extent, hybrid.input = "extent"}
// CHECK-SAME: {hybrid.input = "global_attention_mask", hybrid.zeros_by_default}
// CHECK-SAME: {hybrid.weight = "model.embed_tokens.weight"}
// CHECK-SAME: {hybrid.input = "layers.0.memory", hybrid.state = "layers.0.memory", hybrid.state_init = "layers.0.memory_init"}
// CHECK-SAME: -> (tensor<1x4x8xf32>, tensor<2x8xf32> {hybrid.state = "layers.0.memory"})
func.func @forward(%ids: tensor<1x4xi64> {hybrid.input = "input_ids"},
                   %pos: tensor<1x4xi64> {hybrid.input = "positions", hybrid.positions},
                   %end: tensor<1xi64> {hybrid.input = "extent", hybrid.extent},
                   %g: tensor<1x4xi64> {hybrid.input = "global_attention_mask", hybrid.zeros_by_default},
                   %w: tensor<16x8xf32> {hybrid.weight = "model.embed_tokens.weight"},
                   %m: tensor<2x8xf32> {hybrid.input = "layers.0.memory", hybrid.state = "layers.0.memory",
                                        hybrid.state_init = "layers.0.memory_init"})
    -> (tensor<1x4x8xf32>, tensor<2x8xf32> {hybrid.state = "layers.0.memory"}) {
  %e = hybrid.embedding %ids, %w : (tensor<1x4xi64>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return %e, %m : tensor<1x4x8xf32>, tensor<2x8xf32>
}

// A target with only the sizes: cpu and features default to the host's at emission.
// CHECK-LABEL: func.func private @sizes_only()
// CHECK-SAME: #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 2097152>}
func.func private @sizes_only() attributes {test.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 2097152>}
}
