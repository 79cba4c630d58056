// hybrid-noalias-arguments marks the memref arguments of public functions
// llvm.noalias (each gets its own buffer from the runtime), so LLVM need not
// reload descriptors after every store. Private functions are left alone.
// RUN: hybrid-opt %s -hybrid-noalias-arguments | FileCheck %s

// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %{{[^:]+}}: memref<4xf32> {llvm.noalias},
// CHECK-SAME: %{{[^:]+}}: memref<4xf32> {llvm.noalias},
// CHECK-SAME: %{{[^:]+}}: index)
func.func @entry(%in: memref<4xf32>, %out: memref<4xf32>, %n: index) {
  memref.copy %in, %out : memref<4xf32> to memref<4xf32>
  return
}

// CHECK-LABEL: func.func private @inner(
// CHECK-SAME: %{{[^:]+}}: memref<4xf32>)
func.func private @inner(%in: memref<4xf32>) {
  return
}
