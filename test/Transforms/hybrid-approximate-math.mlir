// hybrid-approximate-math replaces f32 exp, tanh and erf by polynomial
// arithmetic that LLVM vectorises (no libm call is left to keep a softmax
// or a gate scalar); what remains is arithmetic and fma/abs/floor, which
// LLVM lowers to vector instructions.
// RUN: hybrid-opt %s -hybrid-approximate-math | FileCheck %s --implicit-check-not=math.exp --implicit-check-not=math.tanh --implicit-check-not=math.erf

// CHECK-LABEL: func @transcendentals
// CHECK: arith.mulf
// CHECK: return
func.func @transcendentals(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %x : f32
  %r = math.erf %x : f32
  return %e, %t, %r : f32, f32, f32
}
