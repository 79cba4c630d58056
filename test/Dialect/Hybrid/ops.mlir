// Every op of the hybrid dialect parses, verifies and prints back the same,
// in the custom form and in the generic form.
// RUN: hybrid-opt %s | hybrid-opt | FileCheck %s
// RUN: hybrid-opt %s --mlir-print-op-generic | hybrid-opt | FileCheck %s

// CHECK-LABEL: func @attention_gqa_window_softcap
func.func @attention_gqa_window_softcap(%q: tensor<1x8x16x32xf32>, %k: tensor<1x4x16x32xf32>,
    %v: tensor<1x4x16x32xf32>) -> tensor<1x8x16x32xf32> {
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} {mask = #hybrid.mask<causal, window = 4>, scale = 6.250000e-02 : f32, softcap = 5.000000e+01 : f32}
  // CHECK-SAME: (tensor<1x8x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) -> tensor<1x8x16x32xf32>
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal, window = 4>, scale = 0.0625 : f32, softcap = 50.0 : f32}
      : (tensor<1x8x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) -> tensor<1x8x16x32xf32>
  return %o : tensor<1x8x16x32xf32>
}

// CHECK-LABEL: func @attention_local_global_bias
func.func @attention_local_global_bias(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x32x16xf32>,
    %v: tensor<2x4x32x8xf32>, %bias: tensor<2x1x1x32xf32>) -> tensor<2x4x32x8xf32> {
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) {mask = #hybrid.mask<local = 3, global = [0, 17, 31]>}
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<local = 3, global = [31, 0, 17, 17]>}
      : (tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x8xf32>, tensor<2x1x1x32xf32>) -> tensor<2x4x32x8xf32>
  return %o : tensor<2x4x32x8xf32>
}

// CHECK-LABEL: func @attention_decode_dynamic
func.func @attention_decode_dynamic(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x8x?x64xbf16>,
    %v: tensor<1x8x?x64xbf16>) -> tensor<1x8x1x64xbf16> {
  // CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<none>, q_offset = 37 : i64}
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>, q_offset = 37}
      : (tensor<1x8x1x64xbf16>, tensor<1x8x?x64xbf16>, tensor<1x8x?x64xbf16>) -> tensor<1x8x1x64xbf16>
  return %o : tensor<1x8x1x64xbf16>
}

// CHECK-LABEL: func @rel_attention
func.func @rel_attention(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x24x16xf32>, %v: tensor<1x4x24x16xf32>,
    %r: tensor<4x24x16xf32>, %u: tensor<4x16xf32>, %w: tensor<4x16xf32>) -> tensor<1x4x8x16xf32> {
  // CHECK: hybrid.rel_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask = #hybrid.mask<causal, window = 16>}
  %o = hybrid.rel_attention %q, %k, %v, %r, %u, %w {mask = #hybrid.mask<causal, window = 16>}
      : (tensor<1x4x8x16xf32>, tensor<1x4x24x16xf32>, tensor<1x4x24x16xf32>, tensor<4x24x16xf32>,
         tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// CHECK-LABEL: func @linear_attention
func.func @linear_attention(%q: tensor<2x4x64x32xf32>, %k: tensor<2x2x64x32xf32>,
    %v: tensor<2x2x64x16xf32>) -> tensor<2x4x64x16xf32> {
  // CHECK: hybrid.linear_attention {{.*}} {eps = 9.99999974E-5 : f32, mask = #hybrid.mask<causal>}
  %o = hybrid.linear_attention %q, %k, %v {mask = #hybrid.mask<causal>, eps = 1.0e-4 : f32}
      : (tensor<2x4x64x32xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64x16xf32>) -> tensor<2x4x64x16xf32>
  return %o : tensor<2x4x64x16xf32>
}

// CHECK-LABEL: func @selective_scan_full
func.func @selective_scan_full(%x: tensor<2x17x32xf32>, %dt: tensor<2x17x32xf32>, %A: tensor<32x16xf32>,
    %B: tensor<2x17x16xf32>, %C: tensor<2x17x16xf32>, %D: tensor<32xf32>, %z: tensor<2x17x32xf32>,
    %db: tensor<32xf32>, %h0: tensor<2x32x16xf32>) -> (tensor<2x17x32xf32>, tensor<2x32x16xf32>) {
  // CHECK: hybrid.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} D(%{{.*}}) z(%{{.*}}) delta_bias(%{{.*}}) init(%{{.*}}) {delta_softplus}
  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) delta_bias(%db) init(%h0) {delta_softplus}
      : (tensor<2x17x32xf32>, tensor<2x17x32xf32>, tensor<32x16xf32>, tensor<2x17x16xf32>,
         tensor<2x17x16xf32>, tensor<32xf32>, tensor<2x17x32xf32>, tensor<32xf32>, tensor<2x32x16xf32>)
      -> (tensor<2x17x32xf32>, tensor<2x32x16xf32>)
  return %y, %h : tensor<2x17x32xf32>, tensor<2x32x16xf32>
}

// CHECK-LABEL: func @selective_scan_minimal
func.func @selective_scan_minimal(%x: tensor<1x?x8xf32>, %dt: tensor<1x?x8xf32>, %A: tensor<8x4xf32>,
    %B: tensor<1x?x4xf32>, %C: tensor<1x?x4xf32>) -> tensor<1x?x8xf32> {
  // CHECK: hybrid.selective_scan %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} :
  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C
      : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>)
      -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>)
  return %y : tensor<1x?x8xf32>
}

// CHECK-LABEL: func @rg_lru
func.func @rg_lru(%x: tensor<1x16x64xf32>, %wi: tensor<4x16x16xf32>, %bi: tensor<4x16xf32>,
    %wa: tensor<4x16x16xf32>, %ba: tensor<4x16xf32>, %lam: tensor<64xf32>, %h0: tensor<1x64xf32>,
    %pos: tensor<1x16xi64>) -> (tensor<1x16x64xf32>, tensor<1x64xf32>) {
  // CHECK: hybrid.rg_lru %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} init(%{{.*}}) positions(%{{.*}}) {c = 4.000000e+00 : f32}
  %y, %h = hybrid.rg_lru %x, %wi, %bi, %wa, %ba, %lam init(%h0) positions(%pos) {c = 4.0 : f32}
      : (tensor<1x16x64xf32>, tensor<4x16x16xf32>, tensor<4x16xf32>, tensor<4x16x16xf32>,
         tensor<4x16xf32>, tensor<64xf32>, tensor<1x64xf32>, tensor<1x16xi64>)
      -> (tensor<1x16x64xf32>, tensor<1x64xf32>)
  // CHECK: hybrid.rg_lru %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} :
  %y2, %h2 = hybrid.rg_lru %x, %wi, %bi, %wa, %ba, %lam
      : (tensor<1x16x64xf32>, tensor<4x16x16xf32>, tensor<4x16xf32>, tensor<4x16x16xf32>,
         tensor<4x16xf32>, tensor<64xf32>) -> (tensor<1x16x64xf32>, tensor<1x64xf32>)
  return %y, %h : tensor<1x16x64xf32>, tensor<1x64xf32>
}

// CHECK-LABEL: func @gated_delta_rule
func.func @gated_delta_rule(%q: tensor<1x128x2x16xf32>, %k: tensor<1x128x2x16xf32>,
    %v: tensor<1x128x4x32xf32>, %g: tensor<1x128x4xf32>, %b: tensor<1x128x4xf32>,
    %s0: tensor<1x4x16x32xf32>) -> (tensor<1x128x4x32xf32>, tensor<1x4x16x32xf32>) {
  // CHECK: hybrid.gated_delta_rule %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} init(%{{.*}}) {qk_l2norm}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b init(%s0) {qk_l2norm}
      : (tensor<1x128x2x16xf32>, tensor<1x128x2x16xf32>, tensor<1x128x4x32xf32>,
         tensor<1x128x4xf32>, tensor<1x128x4xf32>, tensor<1x4x16x32xf32>)
      -> (tensor<1x128x4x32xf32>, tensor<1x4x16x32xf32>)
  // CHECK: hybrid.gated_delta_rule %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {chunk_size = 1 : i64, scale = 5.000000e-01 : f32} :
  %o2, %s2 = hybrid.gated_delta_rule %q, %k, %v, %g, %b {chunk_size = 1 : i64, scale = 0.5 : f32}
      : (tensor<1x128x2x16xf32>, tensor<1x128x2x16xf32>, tensor<1x128x4x32xf32>,
         tensor<1x128x4xf32>, tensor<1x128x4xf32>) -> (tensor<1x128x4x32xf32>, tensor<1x4x16x32xf32>)
  return %o, %s : tensor<1x128x4x32xf32>, tensor<1x4x16x32xf32>
}

// CHECK-LABEL: func @ssd_scan
func.func @ssd_scan(%x: tensor<1x128x8x16xf32>, %dt: tensor<1x128x8xf32>, %A: tensor<8xf32>,
    %B: tensor<1x128x2x32xf32>, %C: tensor<1x128x2x32xf32>, %D: tensor<8xf32>, %db: tensor<8xf32>,
    %s0: tensor<1x8x16x32xf32>) -> (tensor<1x128x8x16xf32>, tensor<1x8x16x32xf32>) {
  // CHECK: hybrid.ssd_scan {{.*}} D(%{{.*}}) dt_bias(%{{.*}}) init(%{{.*}}) {chunk_size = 64 : i64, dt_max = 1.000000e+01 : f32, dt_min = 0.000000e+00 : f32, dt_softplus}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) dt_bias(%db) init(%s0)
      {dt_softplus, chunk_size = 64 : i64, dt_min = 0.0 : f32, dt_max = 10.0 : f32}
      : (tensor<1x128x8x16xf32>, tensor<1x128x8xf32>, tensor<8xf32>, tensor<1x128x2x32xf32>,
         tensor<1x128x2x32xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1x8x16x32xf32>)
      -> (tensor<1x128x8x16xf32>, tensor<1x8x16x32xf32>)
  return %y, %s : tensor<1x128x8x16xf32>, tensor<1x8x16x32xf32>
}

// CHECK-LABEL: func @causal_conv1d
func.func @causal_conv1d(%x: tensor<1x64x32xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>,
    %s0: tensor<1x32x3xf32>) -> (tensor<1x64x32xf32>, tensor<1x32x3xf32>) {
  // CHECK: hybrid.causal_conv1d %{{.*}}, %{{.*}} bias(%{{.*}}) state(%{{.*}}) {activation = #hybrid.act<silu>}
  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) state(%s0) {activation = #hybrid.act<silu>}
      : (tensor<1x64x32xf32>, tensor<32x4xf32>, tensor<32xf32>, tensor<1x32x3xf32>)
      -> (tensor<1x64x32xf32>, tensor<1x32x3xf32>)
  return %y, %s : tensor<1x64x32xf32>, tensor<1x32x3xf32>
}

// CHECK-LABEL: func @conv2d
func.func @conv2d(%img: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>,
    %dw: tensor<64x1x3x3xf32>) -> tensor<1x64x28x28xf32> {
  // CHECK: hybrid.conv2d %{{.*}}, %{{.*}} bias(%{{.*}}) {padding = array<i64: 2, 2>, strides = array<i64: 4, 4>}
  %e = hybrid.conv2d %img, %w bias(%b) {strides = array<i64: 4, 4>, padding = array<i64: 2, 2>}
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  // CHECK: hybrid.conv2d %{{.*}}, %{{.*}} {groups = 64 : i64, padding = array<i64: 1, 1>, strides = array<i64: 2, 2>}
  %kv = hybrid.conv2d %e, %dw {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 64}
      : (tensor<1x64x56x56xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x28x28xf32>
  return %kv : tensor<1x64x28x28xf32>
}

// CHECK-LABEL: func @memory
func.func @memory(%mem: tensor<2x16x32xf32>, %keys: tensor<2x8x32xf32>, %beta: tensor<2x8xf32>,
    %erase: tensor<2x8x32xf32>, %add: tensor<2x8x32xf32>, %gate: tensor<2x8xf32>)
    -> (tensor<2x8x32xf32>, tensor<2x16x32xf32>) {
  // CHECK: hybrid.memory_read %{{.*}}, %{{.*}}, %{{.*}} :
  %r = hybrid.memory_read %mem, %keys, %beta
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
  // CHECK: hybrid.memory_write %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} gate(%{{.*}}) {eps = 9.99999993E-9 : f32}
  %m = hybrid.memory_write %mem, %keys, %beta, %erase, %add gate(%gate) {eps = 1.0e-8 : f32}
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>,
         tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x16x32xf32>
  return %r, %m : tensor<2x8x32xf32>, tensor<2x16x32xf32>
}

// CHECK-LABEL: func @moe
func.func @moe(%x: tensor<1x16x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x128x64xf32>,
    %up: tensor<4x128x64xf32>, %down: tensor<4x64x128xf32>) -> tensor<1x16x64xf32> {
  // CHECK: hybrid.moe {{.*}} {normalize_top_k, top_k = 2 : i64}
  %y = hybrid.moe %x, %router, %gate, %up, %down {top_k = 2, normalize_top_k}
      : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>, tensor<4x128x64xf32>,
         tensor<4x64x128xf32>) -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// CHECK-LABEL: func @moe_sigmoid
func.func @moe_sigmoid(%x: tensor<1x16x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x128x64xf32>,
    %up: tensor<4x128x64xf32>, %down: tensor<4x64x128xf32>, %bias: tensor<4xf32>) -> tensor<1x16x64xf32> {
  // CHECK: hybrid.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} selection_bias(%{{.*}}) {normalize_epsilon = 9.99999997E-7 : f32, normalize_top_k, routed_scaling = 2.500000e+00 : f32, sigmoid_router, top_k = 2 : i64}
  %y = hybrid.moe %x, %router, %gate, %up, %down selection_bias(%bias)
      {top_k = 2, normalize_top_k, sigmoid_router, routed_scaling = 2.5 : f32, normalize_epsilon = 1.0e-6 : f32}
      : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>, tensor<4x128x64xf32>,
         tensor<4x64x128xf32>, tensor<4xf32>) -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// CHECK-LABEL: func @moe_latent_groups
func.func @moe_latent_groups(%x: tensor<1x16x64xf32>, %latent: tensor<1x16x32xf32>, %router: tensor<8x64xf32>,
    %up: tensor<8x128x32xf32>, %down: tensor<8x32x128xf32>, %bias: tensor<8xf32>) -> tensor<1x16x32xf32> {
  // CHECK: hybrid.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} selection_bias(%{{.*}}) router_input(%{{.*}}) {activation = #hybrid.act<relu>, expert_groups = 4 : i64, sigmoid_router, top_groups = 2 : i64, top_k = 3 : i64}
  %y = hybrid.moe %latent, %router, %up, %up, %down selection_bias(%bias) router_input(%x)
      {top_k = 3, sigmoid_router, activation = #hybrid.act<relu>, expert_groups = 4, top_groups = 2}
      : (tensor<1x16x32xf32>, tensor<8x64xf32>, tensor<8x128x32xf32>, tensor<8x128x32xf32>,
         tensor<8x32x128xf32>, tensor<8xf32>, tensor<1x16x64xf32>) -> tensor<1x16x32xf32>
  return %y : tensor<1x16x32xf32>
}

// CHECK-LABEL: func @recurrent_depth_fixed
func.func @recurrent_depth_fixed(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  // CHECK: hybrid.recurrent_depth %{{.*}} max_steps = 4 : tensor<1x8x16xf32> {
  // CHECK-NEXT: ^bb0(%[[S:.+]]: tensor<1x8x16xf32>, %{{.+}}: index):
  // CHECK-NEXT: %[[N:.+]] = hybrid.linear %[[S]]
  // CHECK-NEXT: hybrid.yield %[[N]] : tensor<1x8x16xf32>
  %y = hybrid.recurrent_depth %x max_steps = 4 : tensor<1x8x16xf32> {
  ^bb0(%s: tensor<1x8x16xf32>, %step: index):
    %n = hybrid.linear %s, %w : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
    hybrid.yield %n : tensor<1x8x16xf32>
  }
  return %y : tensor<1x8x16xf32>
}

// CHECK-LABEL: func @recurrent_depth_act
func.func @recurrent_depth_act(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>, %wh: tensor<1x16xf32>)
    -> tensor<1x8x16xf32> {
  // CHECK: hybrid.recurrent_depth %{{.*}} max_steps = 6 halt_threshold = 9.900000e-01 : tensor<1x8x16xf32>
  // CHECK: hybrid.yield %{{.*}}, %{{.*}} : tensor<1x8x16xf32>, tensor<1x8xf32>
  %y = hybrid.recurrent_depth %x max_steps = 6 halt_threshold = 0.99 : tensor<1x8x16xf32> {
  ^bb0(%s: tensor<1x8x16xf32>, %step: index):
    %logit = hybrid.linear %s, %wh : (tensor<1x8x16xf32>, tensor<1x16xf32>) -> tensor<1x8x1xf32>
    %p3 = hybrid.activation %logit {kind = #hybrid.act<sigmoid>} : tensor<1x8x1xf32>
    %p = tensor.collapse_shape %p3 [[0], [1, 2]] : tensor<1x8x1xf32> into tensor<1x8xf32>
    %n = hybrid.linear %s, %w : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
    hybrid.yield %n, %p : tensor<1x8x16xf32>, tensor<1x8xf32>
  }
  return %y : tensor<1x8x16xf32>
}

// CHECK-LABEL: func @building_blocks
func.func @building_blocks(%ids: tensor<1x16xi64>, %table: tensor<256x64xf32>, %w: tensor<64xf32>,
    %b: tensor<64xf32>, %proj: tensor<128x64xf32>, %pb: tensor<128xf32>, %g: tensor<256x64xf32>,
    %u: tensor<256x64xf32>, %d: tensor<64x256xf32>, %q: tensor<1x4x16x16xf32>, %pos: tensor<1x16xi32>)
    -> (tensor<1x16x128xf32>, tensor<1x16x64xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>) {
  // CHECK: hybrid.embedding %{{.*}}, %{{.*}} {scale = 8.000000e+00 : f32} : (tensor<1x16xi64>, tensor<256x64xf32>) -> tensor<1x16x64xf32>
  %h = hybrid.embedding %ids, %table {scale = 8.0 : f32} : (tensor<1x16xi64>, tensor<256x64xf32>) -> tensor<1x16x64xf32>
  // CHECK: hybrid.rms_norm %{{.*}}, %{{.*}} {eps = 9.99999974E-6 : f32, unit_offset} : tensor<1x16x64xf32>, tensor<64xf32>
  %n1 = hybrid.rms_norm %h, %w {eps = 1.0e-5 : f32, unit_offset} : tensor<1x16x64xf32>, tensor<64xf32>
  // CHECK: hybrid.rms_norm %{{.*}}, %{{.*}} : tensor<1x16x64xf32>, tensor<64xf32>
  %n2 = hybrid.rms_norm %n1, %w : tensor<1x16x64xf32>, tensor<64xf32>
  // CHECK: hybrid.rms_norm %{{.*}}, %{{.*}} {group_size = 16 : i64} : tensor<1x16x64xf32>, tensor<64xf32>
  %n2g = hybrid.rms_norm %n2, %w {group_size = 16 : i64} : tensor<1x16x64xf32>, tensor<64xf32>
  // CHECK: hybrid.layer_norm %{{.*}} weight(%{{.*}}) bias(%{{.*}}) :
  %n3 = hybrid.layer_norm %n2 weight(%w) bias(%b) : (tensor<1x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x16x64xf32>
  // CHECK: hybrid.layer_norm %{{[^ ]*}} {eps = 9.99999996E-13 : f32} :
  %n4 = hybrid.layer_norm %n3 {eps = 1.0e-12 : f32} : (tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  // CHECK: hybrid.linear %{{.*}}, %{{.*}} bias(%{{.*}}) :
  %p = hybrid.linear %n4, %proj bias(%pb) : (tensor<1x16x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x16x128xf32>
  // CHECK: hybrid.split_heads %{{.*}} {heads = 4 : i64} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
  %sh = hybrid.split_heads %n4 {heads = 4} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
  // CHECK: hybrid.merge_heads %{{.*}} : tensor<1x4x16x16xf32> -> tensor<1x16x64xf32>
  %mh = hybrid.merge_heads %sh : tensor<1x4x16x16xf32> -> tensor<1x16x64xf32>
  // CHECK: hybrid.gated_mlp {{.*}} {activation = #hybrid.act<gelu_tanh>}
  %m = hybrid.gated_mlp %mh, %g, %u, %d {activation = #hybrid.act<gelu_tanh>}
      : (tensor<1x16x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>) -> tensor<1x16x64xf32>
  // CHECK: hybrid.activation %{{.*}} {kind = #hybrid.act<quick_gelu>} : tensor<1x16x64xf32>
  %a = hybrid.activation %m {kind = #hybrid.act<quick_gelu>} : tensor<1x16x64xf32>
  // CHECK: hybrid.softcap %{{.*}} {cap = 3.000000e+01 : f32} : tensor<1x16x64xf32>
  %c = hybrid.softcap %a {cap = 30.0 : f32} : tensor<1x16x64xf32>
  // CHECK: hybrid.rope %{{.*}} {theta = 1.000000e+06 : f32} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  %r1 = hybrid.rope %q {theta = 1.0e6 : f32} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  // CHECK: hybrid.rope %{{.*}} positions(%{{.*}} : tensor<1x16xi32>) {interleaved} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  %r2 = hybrid.rope %q positions(%pos : tensor<1x16xi32>) {interleaved} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  // CHECK: hybrid.rope %{{.*}} {attention_scaling = 1.250000e+00 : f32, inv_freq = array<f32: 1.000000e+00, 5.000000e-01, 2.500000e-01, 1.250000e-01, 6.250000e-02, 3.125000e-02, 1.562500e-02, 7.812500e-03>} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  %r3 = hybrid.rope %q {inv_freq = array<f32: 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125>, attention_scaling = 1.25 : f32} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  // CHECK: hybrid.rope %{{.*}} positions(%{{.*}} : tensor<1x16xi32>) extent(%{{.*}} : tensor<1xi32>) {ntk_factor = 2.000000e+00 : f32, original_context = 8 : i64}
  %end = arith.constant dense<40> : tensor<1xi32>
  %r4 = hybrid.rope %q positions(%pos : tensor<1x16xi32>) extent(%end : tensor<1xi32>) {ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  // CHECK: hybrid.rope %{{.*}} {inv_freq = array<f32: 1.000000e+00, {{.*}}>, long_inv_freq = array<f32: 5.000000e-01, {{.*}}>, original_context = 4 : i64}
  %r5 = hybrid.rope %q {inv_freq = array<f32: 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125>, long_inv_freq = array<f32: 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625>, original_context = 4 : i64} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  return %p, %c, %r1, %r2 : tensor<1x16x128xf32>, tensor<1x16x64xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>
}

// CHECK-LABEL: func.func @attention_global_flags
func.func @attention_global_flags(%q: tensor<2x2x16x8xf32>, %g: tensor<2x16xi32>)
    -> (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) {
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} globals(%{{.*}}) {mask = #hybrid.mask<local = 2>}
  %l = hybrid.attention %q, %q, %q globals(%g) {mask = #hybrid.mask<local = 2>}
      : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x16xi32>) -> tensor<2x2x16x8xf32>
  // CHECK: hybrid.attention %{{.*}}, %{{.*}}, %{{.*}} globals(%{{.*}}) {global_rows_only, mask = #hybrid.mask<none>}
  %r = hybrid.attention %q, %q, %q globals(%g) {mask = #hybrid.mask<none>, global_rows_only}
      : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x16xi32>) -> tensor<2x2x16x8xf32>
  return %l, %r : tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>
}

// CHECK-LABEL: func.func @longformer_pieces
func.func @longformer_pieces(%g: tensor<2x16xi64>, %a: tensor<2x16x8xf32>, %b: tensor<2x16x8xf32>)
    -> (tensor<2x1x16x16xf32>, tensor<2x16x8xf32>) {
  // CHECK: hybrid.mask_bias %{{.*}} {mask = #hybrid.mask<local = 2>} : tensor<2x16xi64> -> tensor<2x1x16x16xf32>
  %bias = hybrid.mask_bias %g {mask = #hybrid.mask<local = 2>} : tensor<2x16xi64> -> tensor<2x1x16x16xf32>
  // CHECK: hybrid.select_tokens %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16xi64>, tensor<2x16x8xf32>
  %o = hybrid.select_tokens %g, %a, %b : tensor<2x16xi64>, tensor<2x16x8xf32>
  // CHECK: hybrid.position_ids %{{.*}} {padding_idx = 1 : i64} : tensor<2x16xi64>
  %p = hybrid.position_ids %g {padding_idx = 1} : tensor<2x16xi64>
  return %bias, %o : tensor<2x1x16x16xf32>, tensor<2x16x8xf32>
}

// CHECK-LABEL: func.func @kv_cache
func.func @kv_cache(%cache: tensor<1x2x4x8xf32>, %new: tensor<1x2x1x8xf32>, %pos: tensor<1x1xi64>)
    -> (tensor<1x2x4x8xf32>, tensor<1x1x1x5xf32>) {
  // CHECK: hybrid.cache_write %{{.*}}, %{{.*}}, %{{.*}} {ring} : tensor<1x2x4x8xf32>, tensor<1x2x1x8xf32>, tensor<1x1xi64>
  %c = hybrid.cache_write %cache, %new, %pos {ring} : tensor<1x2x4x8xf32>, tensor<1x2x1x8xf32>, tensor<1x1xi64>
  // CHECK: hybrid.cache_bias %{{.*}} {capacity = 4 : i64, ring, window = 4 : i64} : tensor<1x1xi64> -> tensor<1x1x1x5xf32>
  %b = hybrid.cache_bias %pos {capacity = 4, window = 4, ring} : tensor<1x1xi64> -> tensor<1x1x1x5xf32>
  return %c, %b : tensor<1x2x4x8xf32>, tensor<1x1x1x5xf32>
}

// After the write: the C slots alone are the keys.
// CHECK-LABEL: func.func @kv_cache_written
func.func @kv_cache_written(%pos: tensor<1x1xi64>) -> tensor<1x1x1x4xf32> {
  // CHECK: hybrid.cache_bias %{{.*}} {capacity = 4 : i64, ring, window = 4 : i64, written} : tensor<1x1xi64> -> tensor<1x1x1x4xf32>
  %b = hybrid.cache_bias %pos {capacity = 4, window = 4, ring, written} : tensor<1x1xi64> -> tensor<1x1x1x4xf32>
  return %b : tensor<1x1x1x4xf32>
}

// CHECK-LABEL: func @linear_attention_carried
func.func @linear_attention_carried(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x1x8xf32>,
    %v: tensor<1x2x1x6xf32>, %s: tensor<1x2x8x6xf32>, %z: tensor<1x2x8xf32>)
    -> (tensor<1x4x1x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) {
  // CHECK: hybrid.linear_attention %{{.*}}, %{{.*}}, %{{.*}} state(%{{.*}}, %{{.*}})
  %o = hybrid.linear_attention %q, %k, %v state(%s, %z) {mask = #hybrid.mask<causal>}
      : (tensor<1x4x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x6xf32>,
         tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x4x1x6xf32>
  // CHECK: hybrid.linear_attention_state
  %s1, %z1 = hybrid.linear_attention_state %k, %v, %s, %z
      : (tensor<1x2x1x8xf32>, tensor<1x2x1x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8xf32>)
      -> (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>)
  return %o, %s1, %z1 : tensor<1x4x1x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8xf32>
}

// CHECK-LABEL: func @memory_read_write
func.func @memory_read_write(%mem: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>)
    -> (tensor<2x8x32xf32>, tensor<2x16x32xf32>) {
  // CHECK: hybrid.memory_read_write %{{.*}} read(%{{.*}}, %{{.*}}) write(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) gate(%{{.*}})
  %r, %m = hybrid.memory_read_write %mem read(%k, %b) write(%k, %b, %k, %k) gate(%b)
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>,
         tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>)
      -> (tensor<2x8x32xf32>, tensor<2x16x32xf32>)
  return %r, %m : tensor<2x8x32xf32>, tensor<2x16x32xf32>
}
