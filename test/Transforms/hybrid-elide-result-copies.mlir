// hybrid-elide-result-copies: a result computed in a buffer of the
// function's own (a call's out parameter, a reshaped buffer) is written
// straight into the function's out parameter, and the copy at the end goes.
// RUN: hybrid-opt %s -hybrid-elide-result-copies | FileCheck %s

func.func private @layer(%x: memref<4xf32>, %out: memref<4xf32>)

// A call's result, and a reshaped buffer, become the out parameters.
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[X:[^:]+]]: memref<4xf32>, %[[O0:[^:]+]]: memref<4xf32>, %[[O1:[^:]+]]: memref<1x4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: call @layer(%[[X]], %[[O0]])
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[O1]] {{\[}}[0, 1]] : memref<1x4xf32> into memref<4xf32>
// CHECK: call @layer(%[[O0]], %[[FLAT]])
// CHECK-NOT: memref.copy
// CHECK: return
func.func @entry(%x: memref<4xf32>, %o0: memref<4xf32>, %o1: memref<1x4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  call @layer(%x, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  %b = memref.alloc() : memref<4xf32>
  call @layer(%a, %b) : (memref<4xf32>, memref<4xf32>) -> ()
  %e = memref.expand_shape %b [[0, 1]] output_shape [1, 4] : memref<4xf32> into memref<1x4xf32>
  memref.copy %a, %o0 : memref<4xf32> to memref<4xf32>
  memref.copy %e, %o1 : memref<1x4xf32> to memref<1x4xf32>
  return
}

// One buffer returned twice: the last copy's out parameter takes its place
// and the first copy reads from there.
// CHECK-LABEL: func.func @twice(
// CHECK-SAME: %[[X:[^:]+]]: memref<4xf32>, %[[O0:[^:]+]]: memref<4xf32>, %[[O1:[^:]+]]: memref<4xf32>)
// CHECK: call @layer(%[[X]], %[[O1]])
// CHECK: memref.copy %[[O1]], %[[O0]]
// CHECK-NEXT: return
func.func @twice(%x: memref<4xf32>, %o0: memref<4xf32>, %o1: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  call @layer(%x, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %a, %o0 : memref<4xf32> to memref<4xf32>
  memref.copy %a, %o1 : memref<4xf32> to memref<4xf32>
  return
}

// Left alone: the buffer is read after the copy; the out parameter has
// another use; the source is an input, not a buffer of the function's own.
// CHECK-LABEL: func.func @kept(
// CHECK-COUNT-3: memref.copy
// CHECK: return
func.func @kept(%x: memref<4xf32>, %o0: memref<4xf32>, %o1: memref<4xf32>, %o2: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  call @layer(%x, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %a, %o0 : memref<4xf32> to memref<4xf32>
  call @layer(%a, %o1) : (memref<4xf32>, memref<4xf32>) -> ()
  %b = memref.alloc() : memref<4xf32>
  call @layer(%x, %b) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %b, %o1 : memref<4xf32> to memref<4xf32>
  memref.copy %x, %o2 : memref<4xf32> to memref<4xf32>
  return
}
