// hybrid-emit-c-interface gives public functions a C entry point, drops the
// hybrid dialect's signature attributes (runtime metadata LLVM must not see)
// and makes tensor arguments read-only for bufferization: the runtime passes
// weights and state in place. Private functions and other attributes stay.
// RUN: hybrid-opt %s -hybrid-emit-c-interface | FileCheck %s
// With state-in-place (a session's functions), the state argument that a
// state result of the same name and type pairs with stays writable, and the
// pair [arguments, argument, result] is recorded for
// hybrid-write-state-in-place.
// RUN: hybrid-opt %s -hybrid-emit-c-interface=state-in-place=true | FileCheck %s --check-prefix=INPLACE
// With record-weights (a model's functions, whose runtime packs weights at
// load), the weights' indices are recorded for hybrid-weights-in-panels.
// RUN: hybrid-opt %s -hybrid-emit-c-interface=record-weights=true | FileCheck %s --check-prefix=WEIGHTS
// WEIGHTS-LABEL: func.func @forward(
// WEIGHTS-SAME: attributes {hybrid_weight_arguments = array<i64: 1>, llvm.emit_c_interface}
// WEIGHTS-LABEL: func.func private @helper(
// INPLACE-LABEL: func.func @forward(
// INPLACE-SAME: %{{[^:]+}}: tensor<1x4xi64> {bufferization.writable = false},
// INPLACE-SAME: %{{[^:]+}}: tensor<2x2xf32> {bufferization.writable = false},
// INPLACE-SAME: %{{[^:]+}}: tensor<1x2xf32> {bufferization.writable = true, test.keep},
// INPLACE-SAME: attributes {hybrid_state_in_place = array<i64: 4, 2, 1>, llvm.emit_c_interface}

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %{{[^:]+}}: tensor<1x4xi64> {bufferization.writable = false},
// CHECK-SAME: %{{[^:]+}}: tensor<2x2xf32> {bufferization.writable = false},
// CHECK-SAME: %{{[^:]+}}: tensor<1x2xf32> {bufferization.writable = false, test.keep},
// CHECK-SAME: %{{[^:]+}}: index)
// CHECK-SAME: -> (tensor<1x2xf32>, tensor<1x2xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @forward(%ids: tensor<1x4xi64> {hybrid.input = "input_ids"},
                   %w: tensor<2x2xf32> {hybrid.weight = "layer.w"},
                   %s: tensor<1x2xf32> {hybrid.input = "layer.state", hybrid.state = "layer.state", test.keep},
                   %n: index)
    -> (tensor<1x2xf32>, tensor<1x2xf32> {hybrid.state = "layer.state"}) {
  return %s, %s : tensor<1x2xf32>, tensor<1x2xf32>
}

// CHECK-LABEL: func.func private @helper(
// CHECK-SAME: %{{[^:]+}}: tensor<2xf32>) -> tensor<2xf32> {
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
