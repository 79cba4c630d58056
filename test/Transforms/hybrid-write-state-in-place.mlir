// hybrid-write-state-in-place: after buffer-results-to-out-params, each
// state result recorded by hybrid-emit-c-interface (state-in-place) ends in
// its state argument's buffer; the out parameter becomes scratch.
// RUN: hybrid-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(hybrid-write-state-in-place))' | FileCheck %s

// Updated in place by bufferization: the copy into the out parameter goes.
// CHECK-LABEL: func.func @in_place(
// CHECK-SAME: %[[STATE:[^:]+]]: memref<4xf32>, %[[OUT:[^:]+]]: memref<4xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @in_place(%state: memref<4xf32>, %out: memref<4xf32>)
    attributes {hybrid_state_in_place = array<i64: 1, 0, 0>} {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  memref.store %one, %state[%c0] : memref<4xf32>
  memref.copy %state, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// Computed elsewhere (the old state is read after the new one is made):
// the copy goes into the state, last.
// CHECK-LABEL: func.func @computed_elsewhere(
// CHECK-SAME: %[[STATE:[^:]+]]: memref<4xf32>, %[[OUT:[^:]+]]: memref<4xf32>)
// CHECK: %[[NEXT:.+]] = memref.alloc
// CHECK: memref.load %[[STATE]]
// CHECK-NOT: memref.copy
// CHECK: memref.copy %[[NEXT]], %[[STATE]]
// CHECK-NEXT: return
func.func @computed_elsewhere(%state: memref<4xf32>, %out: memref<4xf32>) -> f32
    attributes {hybrid_state_in_place = array<i64: 1, 0, 0>} {
  %c0 = arith.constant 0 : index
  %next = memref.alloc() : memref<4xf32>
  memref.copy %next, %out : memref<4xf32> to memref<4xf32>
  %old = memref.load %state[%c0] : memref<4xf32>
  return %old : f32
}

// -----

// Computed in the out parameter itself: copied into the state at the end.
// CHECK-LABEL: func.func @computed_in_out(
// CHECK-SAME: %[[STATE:[^:]+]]: memref<4xf32>, %[[OUT:[^:]+]]: memref<4xf32>)
// CHECK: memref.store %{{.+}}, %[[OUT]]
// CHECK: memref.copy %[[OUT]], %[[STATE]]
// CHECK-NEXT: return
func.func @computed_in_out(%state: memref<4xf32>, %out: memref<4xf32>)
    attributes {hybrid_state_in_place = array<i64: 1, 0, 0>} {
  %c0 = arith.constant 0 : index
  %x = memref.load %state[%c0] : memref<4xf32>
  memref.store %x, %out[%c0] : memref<4xf32>
  return
}

// -----

// Without the record nothing changes.
// CHECK-LABEL: func.func @untouched(
// CHECK: memref.copy
func.func @untouched(%state: memref<4xf32>, %out: memref<4xf32>) {
  memref.copy %state, %out : memref<4xf32> to memref<4xf32>
  return
}
