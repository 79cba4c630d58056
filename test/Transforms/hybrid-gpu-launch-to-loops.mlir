// RUN: hybrid-opt %s --hybrid-gpu-launch-to-loops --split-input-file --verify-diagnostics | FileCheck %s

// A launch becomes a parallel loop over its grid and block; ids are the
// loop's induction variables, sizes its bounds; a thread's private memory
// is a buffer each iteration allocates and frees.
// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[A:.+]]: memref<?xf32>, %[[GRID:.+]]: index)
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK-NEXT: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: scf.parallel (%[[BX:.+]], %{{.+}}, %{{.+}}, %[[TX:.+]], %{{.+}}, %{{.+}}) = (%[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]]) to (%[[GRID]], %[[C1]], %[[C1]], %[[C64]], %[[C1]], %[[C1]]) step (%[[ONE]], %[[ONE]], %[[ONE]], %[[ONE]], %[[ONE]], %[[ONE]])
// CHECK:   %[[SCRATCH:.+]] = memref.alloc() : memref<4xf32>
// CHECK:   %[[BASE:.+]] = arith.muli %[[BX]], %[[C64]]
// CHECK:   %[[ID:.+]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:   memref.store %{{.+}}, %[[SCRATCH]]
// CHECK:   memref.store %{{.+}}, %[[A]][%[[ID]]]
// CHECK:   memref.dealloc %[[SCRATCH]]
// CHECK:   scf.reduce
// CHECK-NOT: gpu.
func.func @kernel(%a: memref<?xf32>, %grid: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %scratch = memref.alloca() : memref<4xf32>
    %base = arith.muli %bx, %sx : index
    %id = arith.addi %base, %tx : index
    memref.store %one, %scratch[%c0] : memref<4xf32>
    %v = memref.load %scratch[%c0] : memref<4xf32>
    memref.store %v, %a[%id] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// Threads that synchronise cannot run one after another.
func.func @barrier(%a: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  // expected-error @below {{a kernel whose threads synchronise or share memory cannot run as a loop}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}
