// The CPU pipeline's elementwise fusion (hybrid-fuse-elementwise-once) does
// not fuse an expensive producer into a consumer that would recompute each of
// its elements many times: RoPE (sin, cos, exp, a gather) stays one generic
// over q instead of being recomputed for every (query, key, d) of the
// attention scores, as it was through the KV cache path.
// RUN: hybrid-opt %s --hybrid-cpu-pipeline="lower-to-llvm=false" | FileCheck %s

// CHECK-LABEL: func @rope_then_scores
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: math.sin
// CHECK: linalg.yield
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK-NOT: math.sin
// CHECK: return
func.func @rope_then_scores(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x96x8xf32>,
    %v: tensor<1x2x96x8xf32>, %p: tensor<1x64xi64>, %bias: tensor<1x1x64x96xf32>)
    -> tensor<1x2x64x8xf32> {
  %r = hybrid.rope %q positions(%p : tensor<1x64xi64>) {theta = 1.000000e+04 : f32}
      : tensor<1x2x64x8xf32> -> tensor<1x2x64x8xf32>
  %o = hybrid.attention %r, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x2x64x8xf32>, tensor<1x2x96x8xf32>, tensor<1x2x96x8xf32>,
         tensor<1x1x64x96xf32>) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}
