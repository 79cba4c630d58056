// hybrid-copies-to-loops turns strided memref.copy into linalg.copy, which
// lowers to loops instead of calling `memrefCopy` from MLIR's runner utils,
// a library compiled code must not depend on. Contiguous copies stay (they
// lower to llvm.intr.memcpy, checked at the end through the LLVM lowering).
// RUN: hybrid-opt %s -hybrid-copies-to-loops | FileCheck %s

// CHECK-LABEL: func @strided
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[8]>>) outs(%{{.*}} : memref<4xf32>)
func.func @strided(%in: memref<4xf32, strided<[8]>>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32, strided<[8]>> to memref<4xf32>
  return
}

// CHECK-LABEL: func @contiguous
// CHECK-NEXT: memref.copy %{{.*}}, %{{.*}} : memref<2x3xf32> to memref<2x3xf32>
// CHECK-NEXT: memref.copy %{{.*}}, %{{.*}} : memref<3xf32, strided<[1], offset: 3>> to memref<3xf32>
func.func @contiguous(%in: memref<2x3xf32>, %out: memref<2x3xf32>,
                      %row: memref<3xf32, strided<[1], offset: 3>>, %out2: memref<3xf32>) {
  memref.copy %in, %out : memref<2x3xf32> to memref<2x3xf32>
  memref.copy %row, %out2 : memref<3xf32, strided<[1], offset: 3>> to memref<3xf32>
  return
}

// RUN: hybrid-opt %s --hybrid-cpu-pipeline \
// RUN:   | FileCheck %s --check-prefix=LLVM
// LLVM-NOT: memrefCopy
// LLVM: "llvm.intr.memcpy"
