// hybrid-run on the reference evaluator, against values computed by hand.
// Values print with 6 significant digits; each CHECK is exact to that.

// Scores [0, ln 3] weight values 4 and 8 by [1/4, 3/4]: 7. Causal row 0
// sees only key 0: 4.
// RUN: hybrid-run %s --function=attention --input=1x1x2x1xf32=1,1 \
// RUN:   --input=1x1x2x1xf32=0,1.0986123 --input=1x1x2x1xf32=4,8 | FileCheck %s --check-prefix=ATTN
// ATTN: result[0]: 1x1x2x1xf32={{\[\[\[}}7][7]]]
// ATTN: result[1]: 1x1x2x1xf32={{\[\[\[}}4][7]]]
func.func @attention(%q: tensor<1x1x2x1xf32>, %k: tensor<1x1x2x1xf32>, %v: tensor<1x1x2x1xf32>)
    -> (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) {
  %a = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>, scale = 1.0 : f32}
      : (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32>
  %c = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>, scale = 1.0 : f32}
      : (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32>
  return %a, %c : tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>
}

// E = N = 1, A = -1, Δ = 1, B = C = 1, x = [1, 2], D = 0.5:
// h = [1, e⁻¹ + 2 = 2.36788], y = h + 0.5x = [1.5, 3.36788].
// RUN: hybrid-run %s --function=scan --input=1x2x1xf32=1,2 --input=1x2x1xf32=1 \
// RUN:   --input=1x1xf32=-1 --input=1x2x1xf32=1 --input=1x2x1xf32=1 --input=1xf32=0.5 \
// RUN:   | FileCheck %s --check-prefix=SCAN
// SCAN: result[0]: 1x2x1xf32={{\[\[}}1.5][3.36788]]
// SCAN: result[1]: 1x1x1xf32={{\[\[}}2.36788]]
func.func @scan(%x: tensor<1x2x1xf32>, %dt: tensor<1x2x1xf32>, %A: tensor<1x1xf32>,
    %B: tensor<1x2x1xf32>, %C: tensor<1x2x1xf32>, %D: tensor<1xf32>) -> (tensor<1x2x1xf32>, tensor<1x1x1xf32>) {
  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D)
      : (tensor<1x2x1xf32>, tensor<1x2x1xf32>, tensor<1x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>,
         tensor<1xf32>) -> (tensor<1x2x1xf32>, tensor<1x1x1xf32>)
  return %y, %h : tensor<1x2x1xf32>, tensor<1x1x1xf32>
}

// Embedding rows 2 and 0 of [[0 1][2 3][4 5]], RMS-normed with w = 1
// (row [4, 5]: rms = sqrt(20.5) = 4.52769), projected by [[1 1]].
// RUN: hybrid-run %s --function=embed_norm_project --input=1x2xi32=2,0 \
// RUN:   --input=3x2xf32=0,1,2,3,4,5 | FileCheck %s --check-prefix=EMBED
// EMBED: result[0]: 1x2x1xf32={{\[\[}}1.98777][1.41421]]
func.func @embed_norm_project(%ids: tensor<1x2xi32>, %table: tensor<3x2xf32>) -> tensor<1x2x1xf32> {
  %h = hybrid.embedding %ids, %table : (tensor<1x2xi32>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  %w = arith.constant dense<1.0> : tensor<2xf32>
  %n = hybrid.rms_norm %h, %w {eps = 0.0 : f32} : tensor<1x2x2xf32>, tensor<2xf32>
  %p = arith.constant dense<[[1.0, 1.0]]> : tensor<1x2xf32>
  %y = hybrid.linear %n, %p : (tensor<1x2x2xf32>, tensor<1x2xf32>) -> tensor<1x2x1xf32>
  return %y : tensor<1x2x1xf32>
}

// RMSNorm per group of 2 (Mamba-2's gated norm): [3, 4] has RMS √12.5 and
// [1, 1] has RMS 1, each scaled by its own weights [1, 2] and [3, 4].
// RUN: hybrid-run %s --function=grouped_norm --input=1x1x4xf32=3,4,1,1 | FileCheck %s --check-prefix=GROUPED
// GROUPED: result[0]: 1x1x4xf32={{\[\[}}0.848528 2.26274 3 4]]
func.func @grouped_norm(%x: tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %n = hybrid.rms_norm %x, %w {eps = 0.0 : f32, group_size = 2 : i64} : tensor<1x1x4xf32>, tensor<4xf32>
  return %n : tensor<1x1x4xf32>
}

// A three-step recurrence doubling its state, with the step number added:
// 1 → 2 → 5 → 12; the body reads a constant defined outside it.
// RUN: hybrid-run %s --function=recurrence --input=1x1x1xf32=1 | FileCheck %s --check-prefix=REC
// REC: result[0]: 1x1x1xf32={{\[\[}}12]]
func.func @recurrence(%x: tensor<1x1x1xf32>) -> tensor<1x1x1xf32> {
  %two = arith.constant dense<2.0> : tensor<1x1x1xf32>
  %y = hybrid.recurrent_depth %x max_steps = 3 : tensor<1x1x1xf32> {
  ^bb0(%s: tensor<1x1x1xf32>, %step: index):
    %d = arith.mulf %s, %two : tensor<1x1x1xf32>
    %offsets = arith.constant dense<[[[0.0]], [[1.0]], [[2.0]]]> : tensor<3x1x1xf32>
    %o = tensor.extract_slice %offsets[%step, 0, 0] [1, 1, 1] [1, 1, 1] : tensor<3x1x1xf32> to tensor<1x1x1xf32>
    %n = arith.addf %d, %o : tensor<1x1x1xf32>
    hybrid.yield %n : tensor<1x1x1xf32>
  }
  return %y : tensor<1x1x1xf32>
}

// Derived weights as importers write them: A = -exp(A_log), on both targets.
// RUN: hybrid-run %s --function=derived --input=2xf32=0,0.6931472 | FileCheck %s --check-prefix=DERIVED
// RUN: hybrid-run %s --function=derived --input=2xf32=0,0.6931472 --target=cpu | FileCheck %s --check-prefix=DERIVED
// DERIVED: result[0]: 2xf32=-1 -2
func.func @derived(%a_log: tensor<2xf32>) -> tensor<2xf32> {
  %e = math.exp %a_log : tensor<2xf32>
  %a = arith.negf %e : tensor<2xf32>
  return %a : tensor<2xf32>
}
