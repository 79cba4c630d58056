// hybrid-approximate-math replaces f32 exp, tanh and erf by polynomial
// arithmetic that LLVM vectorises (no libm call is left to keep a softmax
// or a gate scalar); what remains is arithmetic and fma/abs/floor, which
// LLVM lowers to vector instructions.
// RUN: hybrid-opt %s -split-input-file -hybrid-approximate-math | FileCheck %s --implicit-check-not=math.exp --implicit-check-not=math.tanh --implicit-check-not=math.erf

// With AVX-512 (a 512-bit target; features, when named, with +avx512f),
// exp is clamped to [-104, 89], reduced by k = roundeven(x·log2 e) in two
// FMAs, expanded in a degree-7 polynomial (7 FMAs) and scaled by 2^k with
// llvm.intr.ldexp (vscalefps): no clamp of k, no exponent bits.
// CHECK-LABEL: func @transcendentals
// CHECK: arith.cmpf uge, %{{.*}}, %[[LO:.*]] : f32
// CHECK: arith.cmpf ule
// CHECK: %[[K:.*]] = math.roundeven
// CHECK: math.fma %[[K]]
// CHECK: %[[R:.*]] = math.fma %[[K]]
// CHECK-COUNT-7: math.fma %{{.*}}, %[[R]]
// CHECK: %[[E:.*]] = arith.fptosi %[[K]] : f32 to i32
// CHECK: llvm.intr.ldexp(%{{.*}}, %[[E]]) : (f32, i32) -> f32
// CHECK: return
func.func @transcendentals(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %x : f32
  %r = math.erf %x : f32
  return %e, %t, %r : f32, f32, f32
}

// -----

// Vectors (flash attention's rows): MLIR's ldexp takes a scalar exponent,
// so 2^k is applied by vscalefps itself, 16 lanes at a time with k as a
// float, where the target names +avx512f.
// CHECK-LABEL: func @vector_exp
// CHECK: %[[K:.*]] = math.roundeven %{{.*}} : vector<16xf32>
// (The op hands its operands (src, a, b) to the intrinsic as (a, b, src):
// src = p, a = k computes p · 2^k.)
// CHECK: x86vector.avx512.mask.scalef %[[P:.*]], %[[K]], %[[P]], %c-1_i16, %c4_i32 : vector<16xf32>
// CHECK-LABEL: func @wide_vector_exp
// CHECK-COUNT-4: x86vector.avx512.mask.scalef
// CHECK-NOT: x86vector
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576, cpu = "znver4", features = "+avx2,+avx512f">} {
  func.func @vector_exp(%x: vector<16xf32>) -> vector<16xf32> {
    %e = math.exp %x : vector<16xf32>
    return %e : vector<16xf32>
  }
  func.func @wide_vector_exp(%x: vector<64xf32>) -> vector<64xf32> {
    %e = math.exp %x : vector<64xf32>
    return %e : vector<64xf32>
  }
}

// -----

// A 512-bit target that names no features is the host's: scalars get the
// ldexp form (LLVM legalises it anywhere), vectors MLIR's (the intrinsic
// would not).
// CHECK-LABEL: func @unnamed_features
// CHECK-NOT: x86vector
// CHECK: arith.shli
// CHECK: llvm.intr.ldexp
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @unnamed_features(%x: vector<16xf32>, %y: f32) -> (vector<16xf32>, f32) {
    %e = math.exp %x : vector<16xf32>
    %f = math.exp %y : f32
    return %e, %f : vector<16xf32>, f32
  }
}

// -----

// Without AVX-512 (AVX2's 256 bits), MLIR's own form: k clamped and the
// exponent assembled from its bits.
// CHECK-LABEL: func @exp_avx2
// CHECK-NOT: llvm.intr.ldexp
// CHECK: arith.shli
// CHECK: return
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @exp_avx2(%x: f32) -> f32 {
    %e = math.exp %x : f32
    return %e : f32
  }
}
