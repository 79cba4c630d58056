// hybrid-copies-to-loops turns memref.copy (strided ones included) into
// linalg.copy, which lowers to loops instead of calling `memrefCopy` from
// MLIR's runner utils, a library compiled code must not depend on.
// RUN: hybrid-opt %s -hybrid-copies-to-loops | FileCheck %s

// CHECK-LABEL: func @strided
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[8]>>) outs(%{{.*}} : memref<4xf32>)
func.func @strided(%in: memref<4xf32, strided<[8]>>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32, strided<[8]>> to memref<4xf32>
  return
}
