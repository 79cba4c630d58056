// Through the whole CPU pipeline, a private function with static buffers
// (an outlined layer) takes each as one pointer, its caller passes the
// pointers, and the public entry keeps the C interface's descriptors,
// inlined into the wrapper beside the runtime's packed entry.
// RUN: hybrid-compile %s --emit=llvm -o - | FileCheck %s
// CHECK: define void @layer(ptr {{[^,]+}}, ptr {{[^,]+}}, ptr {{[^,)]+}})
// CHECK: define void @_mlir_ciface_entry(ptr
// CHECK: call void @layer(ptr {{[^,]+}}, ptr {{[^,]+}}, ptr {{[^,]+}})
// CHECK: call void @layer(ptr {{[^,]+}}, ptr {{[^,]+}}, ptr {{[^,]+}})
// CHECK: define void @_hybrid_packed_entry(ptr
func.func private @layer(%x: tensor<2x4xf32>, %w: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = hybrid.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<2x4xf32>, tensor<4xf32>
  return %y : tensor<2x4xf32>
}
func.func @entry(%x: tensor<2x4xf32>, %w0: tensor<4xf32>, %w1: tensor<4xf32>) -> tensor<2x4xf32> {
  %h = call @layer(%x, %w0) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %y = call @layer(%h, %w1) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
