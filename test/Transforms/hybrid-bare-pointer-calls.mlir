// hybrid-bare-pointer-calls marks llvm.bareptr the private functions whose
// buffers are all static with identity layouts, so convert-func-to-llvm
// passes each as one pointer; public functions, and private ones with a
// dynamic or strided buffer, keep descriptors.
// RUN: hybrid-opt %s -hybrid-bare-pointer-calls | FileCheck %s
// (test/Pipelines/layer-calls-bare-pointers.mlir checks the LLVM signatures.)

// CHECK-LABEL: func.func private @layer(
// CHECK-SAME: attributes {llvm.bareptr}
func.func private @layer(%x: memref<2x4xf32>, %out: memref<2x4xf32>, %n: index) {
  return
}

// CHECK-LABEL: func.func private @dynamic(
// CHECK-NOT: llvm.bareptr
// CHECK-SAME: {
func.func private @dynamic(%x: memref<?x4xf32>) {
  return
}

// CHECK-LABEL: func.func private @strided(
// CHECK-NOT: llvm.bareptr
// CHECK-SAME: {
func.func private @strided(%x: memref<2x4xf32, strided<[8, 1]>>) {
  return
}

// The public entry keeps its descriptors; its call passes the pointers.
// CHECK-LABEL: func.func @entry(
// CHECK-NOT: llvm.bareptr
func.func @entry(%x: memref<2x4xf32>, %out: memref<2x4xf32>) {
  %n = arith.constant 3 : index
  call @layer(%x, %out, %n) : (memref<2x4xf32>, memref<2x4xf32>, index) -> ()
  return
}
