// Folders and canonicalization patterns of the hybrid dialect.
// RUN: hybrid-opt %s -canonicalize -split-input-file | FileCheck %s

// One decoded token at position 15 over a 16-entry cache: causal hides
// nothing, so the mask disappears.
// CHECK-LABEL: func @causal_decode_step_needs_no_mask
// CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<none>, q_offset = 15 : i64}
func.func @causal_decode_step_needs_no_mask(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x16x8xf32>) -> tensor<1x2x1x8xf32> {
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<causal>, q_offset = 15}
      : (tensor<1x2x1x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// -----

// A window at least as long as the sequence never bites: plain causal.
// CHECK-LABEL: func @window_longer_than_sequence
// CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<causal>}
func.func @window_longer_than_sequence(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal, window = 16>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// One position short of the sequence, the window still hides key 0 from
// query 15: it stays.
// CHECK-LABEL: func @window_that_bites_stays
// CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<causal, window = 15>}
func.func @window_that_bites_stays(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal, window = 15>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// A Longformer band wider than the sequence sees everything.
// CHECK-LABEL: func @local_band_covers_everything
// CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<none>}
func.func @local_band_covers_everything(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 15, global = [3]>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// Every position global: everything is visible.
// CHECK-LABEL: func @all_global
// CHECK: hybrid.attention {{.*}} {mask = #hybrid.mask<none>}
func.func @all_global(%q: tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 0, global = [0, 1, 2]>}
      : (tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
  return %o : tensor<1x1x3x8xf32>
}

// -----

// Masks that hide something, and masks over dynamic sizes, are kept.
// CHECK-LABEL: func @masks_that_matter_stay
// CHECK: mask = #hybrid.mask<causal>
// CHECK: mask = #hybrid.mask<local = 2, global = [0]>
// CHECK: mask = #hybrid.mask<causal, window = 4>
func.func @masks_that_matter_stay(%q: tensor<1x2x16x8xf32>, %d: tensor<1x2x?x8xf32>)
    -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x?x8xf32>) {
  %a = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %b = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 2, global = [0]>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %c = hybrid.attention %d, %d, %d {mask = #hybrid.mask<causal, window = 4>}
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %a, %b, %c : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x?x8xf32>
}

// -----

// CHECK-LABEL: func @identity_activation_folds
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_activation_folds(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = hybrid.activation %x {kind = #hybrid.act<identity>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @other_activations_stay
// CHECK: hybrid.activation %{{.*}} {kind = #hybrid.act<silu>}
func.func @other_activations_stay(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = hybrid.activation %x {kind = #hybrid.act<silu>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @unit_embedding_scale_is_dropped
// CHECK: hybrid.embedding %{{[^ ]*}}, %{{[^ ]*}} :
// CHECK: hybrid.embedding %{{.*}} {scale = 2.000000e+00 : f32}
func.func @unit_embedding_scale_is_dropped(%ids: tensor<1x4xi32>, %t: tensor<16x8xf32>)
    -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %a = hybrid.embedding %ids, %t {scale = 1.0 : f32} : (tensor<1x4xi32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  %b = hybrid.embedding %ids, %t {scale = 2.0 : f32} : (tensor<1x4xi32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return %a, %b : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}

// -----

// A one-step recurrence is its body, run once with step 0.
// CHECK-LABEL: func @single_step_recurrence_is_inlined
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x8xf32>, %[[W:.+]]: tensor<8x8xf32>)
// CHECK-NOT: hybrid.recurrent_depth
// CHECK: %[[N:.+]] = hybrid.linear %[[X]], %[[W]]
// CHECK-NEXT: return %[[N]]
func.func @single_step_recurrence_is_inlined(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 1 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    %n = hybrid.linear %s, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    hybrid.yield %n : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

// A body that yields its state unchanged inlines to the init value.
// CHECK-LABEL: func @single_step_identity_body
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @single_step_identity_body(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 1 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    hybrid.yield %s : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

// More than one step, or ACT (whose single step still weights the output by
// the halting probability), is not inlined.
// CHECK-LABEL: func @multi_step_and_act_stay
// CHECK: hybrid.recurrent_depth %{{.*}} max_steps = 2 :
// CHECK: hybrid.recurrent_depth %{{.*}} max_steps = 1 halt_threshold = 9.900000e-01
func.func @multi_step_and_act_stay(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>, %p: tensor<1x4xf32>)
    -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %a = hybrid.recurrent_depth %x max_steps = 2 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    %n = hybrid.linear %s, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    hybrid.yield %n : tensor<1x4x8xf32>
  }
  %b = hybrid.recurrent_depth %x max_steps = 1 halt_threshold = 0.99 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    %n = hybrid.linear %s, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    hybrid.yield %n, %p : tensor<1x4x8xf32>, tensor<1x4xf32>
  }
  return %a, %b : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}

// -----

// CHECK-LABEL: func @merge_of_split_folds
// CHECK-SAME: (%[[X:.+]]: tensor<1x16x64xf32>)
// CHECK-NEXT: return %[[X]]
func.func @merge_of_split_folds(%x: tensor<1x16x64xf32>) -> tensor<1x16x64xf32> {
  %h = hybrid.split_heads %x {heads = 4} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
  %y = hybrid.merge_heads %h : tensor<1x4x16x16xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}
