// Every verifier branch of the hybrid dialect, one case each.
// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// #hybrid.mask
//===----------------------------------------------------------------------===//

func.func @mask_unknown_kind(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{expected mask kind 'none', 'causal' or 'local', got 'diagonal'}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<diagonal>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @mask_window_zero(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{window must be >= 1, got 0}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal, window = 0>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @mask_negative_radius(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{invalid mask: local radius must be >= 0, got -1}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = -1>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @mask_negative_global(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{invalid mask: global token positions must be >= 0, got -3}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 2, global = [-3]>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @mask_missing_global_keyword(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{expected 'global'}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 2, globals = [1]>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

//===----------------------------------------------------------------------===//
// hybrid.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_query_rank(%q: tensor<1x4x8xf32>, %k: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'query' must have rank 4 [batch, heads, seq, head_dim], got rank 3}}
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_key_batch(%q: tensor<2x1x4x8xf32>, %k: tensor<3x1x4x8xf32>) -> tensor<2x1x4x8xf32> {
  // expected-error @+1 {{'key' dim 0 (batch) is 3, expected 2 (from 'query')}}
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<2x1x4x8xf32>, tensor<3x1x4x8xf32>, tensor<3x1x4x8xf32>) -> tensor<2x1x4x8xf32>
  return %o : tensor<2x1x4x8xf32>
}

// -----

func.func @attention_key_head_dim(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32> {
  // expected-error @+1 {{'key' dim 3 (head_dim) is 16, expected 8 (from 'query')}}
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
  return %o : tensor<1x1x4x16xf32>
}

// -----

func.func @attention_value_heads(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{'value' dim 1 (kv_heads) is 4, expected 2 (from 'key')}}
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>}
      : (tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

func.func @attention_value_seq(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x6x8xf32>, %v: tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'value' dim 2 (seq) is 5, expected 6 (from 'key')}}
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_gqa_ratio(%q: tensor<1x8x4x8xf32>, %k: tensor<1x3x4x8xf32>) -> tensor<1x8x4x8xf32> {
  // expected-error @+1 {{query heads (8) must be a multiple of key/value heads (3)}}
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<causal>}
      : (tensor<1x8x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x8x4x8xf32>
  return %o : tensor<1x8x4x8xf32>
}

// -----

func.func @attention_result_value_dim(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x2xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'result' dim 3 (value_dim) is 8, expected 2 (from 'value')}}
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_bias_rank(%q: tensor<1x1x4x8xf32>, %b: tensor<4x4xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'bias' must have rank 4 [batch, heads, query_seq, key_seq], got rank 2}}
  %o = hybrid.attention %q, %q, %q bias(%b) {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<4x4xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_bias_broadcast(%q: tensor<1x1x4x8xf32>, %b: tensor<1x1x1x5xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'bias' dim 3 (key_seq) is 5, expected 1 or 4}}
  %o = hybrid.attention %q, %q, %q bias(%b) {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x1x5xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_element_type(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'key' has element type 'f16', expected 'f32' (from 'query')}}
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_scale(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'scale' must be positive and finite, got -1}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<none>, scale = -1.0 : f32}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_softcap(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'softcap' must be positive and finite, got 0}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<none>, softcap = 0.0 : f32}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_q_offset(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'q_offset' must be in [0, 2^40], got -2}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal>, q_offset = -2}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

// Far past any context, where q_offset + a query index would overflow.
func.func @attention_q_offset_huge(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'q_offset' must be in [0, 2^40], got 9223372036854775807}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal>, q_offset = 9223372036854775807}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_global_out_of_range(%q: tensor<1x1x32x8xf32>) -> tensor<1x1x32x8xf32> {
  // expected-error @+1 {{global token 40 is outside the 32 positions of this op}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<local = 4, global = [0, 40]>}
      : (tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>) -> tensor<1x1x32x8xf32>
  return %o : tensor<1x1x32x8xf32>
}

//===----------------------------------------------------------------------===//
// hybrid.rel_attention
//===----------------------------------------------------------------------===//

// -----

// Relative attention has one key head per query head: no GQA grouping.
func.func @rel_attention_key_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x1x6x8xf32>, %r: tensor<2x6x8xf32>,
    %u: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'key' dim 1 (heads) is 1, expected 2 (from 'query')}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %u {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>, tensor<2x6x8xf32>,
         tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_pos(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %r: tensor<2x5x8xf32>,
    %u: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'pos' dim 1 (key_seq) is 5, expected 6 (from 'key')}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %u {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<2x5x8xf32>,
         tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_content_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %r: tensor<2x6x8xf32>,
    %u: tensor<3x8xf32>, %w: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'content_bias' dim 0 (heads) is 3, expected 2 (from 'query')}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %w {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<2x6x8xf32>,
         tensor<3x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_position_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %r: tensor<2x6x8xf32>,
    %u: tensor<2x8xf32>, %w: tensor<2x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'position_bias' dim 1 (head_dim) is 4, expected 8 (from 'query')}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %w {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<2x6x8xf32>,
         tensor<2x8xf32>, tensor<2x4xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_keys_shorter(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x3x8xf32>, %r: tensor<2x3x8xf32>,
    %u: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{keys (3) must include the queries (4): memory is prepended to the segment}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %u {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<2x3x8xf32>,
         tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_not_causal(%q: tensor<1x2x4x8xf32>, %r: tensor<2x4x8xf32>, %u: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{needs a causal mask (the relative shift is only defined for keys at or before the query), got #hybrid.mask<local = 2>}}
  %o = hybrid.rel_attention %q, %q, %q, %r, %u, %u {mask = #hybrid.mask<local = 2>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x4x8xf32>,
         tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

func.func @rel_attention_element_type(%q: tensor<1x2x4x8xf32>, %r: tensor<2x4x8xbf16>, %u: tensor<2x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'pos' has element type 'bf16', expected 'f32' (from 'query')}}
  %o = hybrid.rel_attention %q, %q, %q, %r, %u, %u {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x4x8xbf16>,
         tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

//===----------------------------------------------------------------------===//
// hybrid.linear_attention
//===----------------------------------------------------------------------===//

// -----

func.func @linear_attention_window(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{supports only #hybrid.mask<none> or #hybrid.mask<causal>, got #hybrid.mask<causal, window = 2>}}
  %o = hybrid.linear_attention %q, %q, %q {mask = #hybrid.mask<causal, window = 2>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @linear_attention_eps(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'eps' must be non-negative and finite, got -1}}
  %o = hybrid.linear_attention %q, %q, %q {mask = #hybrid.mask<causal>, eps = -1.0 : f32}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @linear_attention_seq(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'key' dim 2 (seq) is 5, expected 4 (from 'query')}}
  %o = hybrid.linear_attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @linear_attention_gqa(%q: tensor<1x4x4x8xf32>, %k: tensor<1x3x4x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3)}}
  %o = hybrid.linear_attention %q, %k, %k {mask = #hybrid.mask<none>}
      : (tensor<1x4x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

func.func @linear_attention_state_not_causal(%q: tensor<1x1x4x8xf32>, %s: tensor<1x1x8x8xf32>,
    %z: tensor<1x1x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{carries a state only with #hybrid.mask<causal>}}
  %o = hybrid.linear_attention %q, %q, %q state(%s, %z) {mask = #hybrid.mask<none>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>,
         tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @linear_attention_state_shape(%q: tensor<1x1x4x8xf32>, %s: tensor<1x1x8x7xf32>,
    %z: tensor<1x1x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'state' dim 3 (value_dim) is 7, expected 8 (from 'value')}}
  %o = hybrid.linear_attention %q, %q, %q state(%s, %z) {mask = #hybrid.mask<causal>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>,
         tensor<1x1x8x7xf32>, tensor<1x1x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @linear_attention_state_normalizer(%k: tensor<1x2x4x8xf32>, %s: tensor<1x2x8x8xf32>,
    %z: tensor<1x2x6xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x6xf32>) {
  // expected-error @+1 {{'normalizer' dim 2 (head_dim) is 6, expected 8 (from 'key')}}
  %s1, %z1 = hybrid.linear_attention_state %k, %k, %s, %z
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x6xf32>)
      -> (tensor<1x2x8x8xf32>, tensor<1x2x6xf32>)
  return %s1, %z1 : tensor<1x2x8x8xf32>, tensor<1x2x6xf32>
}

// -----

//===----------------------------------------------------------------------===//
// hybrid.gated_delta_rule
//===----------------------------------------------------------------------===//

// -----

func.func @gdr_heads(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x3x6xf32>, %g: tensor<1x4x3xf32>, %b: tensor<1x4x3xf32>) {
  // expected-error @+1 {{value heads (3) must be a multiple of query and key heads (2)}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b 
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x3x6xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>) -> (tensor<1x4x3x6xf32>, tensor<1x3x8x6xf32>)
  return
}

// -----

func.func @gdr_g(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x4x6xf32>, %g: tensor<1x4x3xf32>, %b: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'g' dim 2 (value_heads) is 3, expected 4 (from 'value')}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b 
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x4x6xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x4x8x6xf32>)
  return
}

// -----

func.func @gdr_key(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x4xf32>, %v: tensor<1x4x4x6xf32>, %g: tensor<1x4x4xf32>, %b: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'key' dim 3 (key_dim) is 4, expected 8 (from 'query')}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b 
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x4xf32>, tensor<1x4x4x6xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x4x8x6xf32>)
  return
}

// -----

func.func @gdr_state(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x4x6xf32>, %g: tensor<1x4x4xf32>, %b: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'final_state' dim 2 (key_dim) is 6, expected 8 (from 'query')}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b 
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x4x6xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x4x6x8xf32>)
  return
}

// -----

func.func @gdr_chunk(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x4x6xf32>, %g: tensor<1x4x4xf32>, %b: tensor<1x4x4xf32>) {
  // expected-error @+1 {{chunk_size must be at least 1, got 0}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b {chunk_size = 0 : i64}
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x4x6xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x4x8x6xf32>)
  return
}

// -----

func.func @gdr_scale(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x4x6xf32>, %g: tensor<1x4x4xf32>, %b: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'scale'}}
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b {scale = -1.0 : f32}
      : (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x4x6xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x4x8x6xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// hybrid.rg_lru
//===----------------------------------------------------------------------===//

// -----

func.func @rg_lru_heads(%x: tensor<1x4x8xf32>, %w: tensor<3x2x2xf32>, %b: tensor<3x2xf32>, %l: tensor<8xf32>) {
  // expected-error @+1 {{heads × block_width of 'input_gate' (3 × 2) must be x's width (8)}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l
      : (tensor<1x4x8xf32>, tensor<3x2x2xf32>, tensor<3x2xf32>, tensor<3x2x2xf32>, tensor<3x2xf32>,
         tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @rg_lru_square(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>, %b: tensor<2x4xf32>, %l: tensor<8xf32>) {
  // expected-error @+1 {{'input_gate' dim 2 (block_width) is 3, expected 4 (from 'input_gate dim 1')}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l
      : (tensor<1x4x8xf32>, tensor<2x4x3xf32>, tensor<2x4xf32>, tensor<2x4x3xf32>, tensor<2x4xf32>,
         tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @rg_lru_gate(%x: tensor<1x4x8xf32>, %w: tensor<2x4x4xf32>, %w2: tensor<2x4x3xf32>, %b: tensor<2x4xf32>, %l: tensor<8xf32>) {
  // expected-error @+1 {{'recurrent_gate' dim 2 (block_width) is 3, expected 4 (from 'input_gate')}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w2, %b, %l
      : (tensor<1x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4x3xf32>, tensor<2x4xf32>,
         tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @rg_lru_param(%x: tensor<1x4x8xf32>, %w: tensor<2x4x4xf32>, %b: tensor<2x4xf32>, %l: tensor<6xf32>) {
  // expected-error @+1 {{'recurrent_param' dim 0 (width) is 6, expected 8 (from 'x')}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l
      : (tensor<1x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>,
         tensor<6xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @rg_lru_positions(%x: tensor<1x4x8xf32>, %w: tensor<2x4x4xf32>, %b: tensor<2x4xf32>, %l: tensor<8xf32>, %p: tensor<1x5xi64>) {
  // expected-error @+1 {{'positions' dim 1 (seq) is 5, expected 4 (from 'x')}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l positions(%p)
      : (tensor<1x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>,
         tensor<8xf32>, tensor<1x5xi64>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @rg_lru_state(%x: tensor<1x4x8xf32>, %w: tensor<2x4x4xf32>, %b: tensor<2x4xf32>, %l: tensor<8xf32>) {
  // expected-error @+1 {{'final_state' dim 1 (width) is 4, expected 8 (from 'x')}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l
      : (tensor<1x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>,
         tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4xf32>)
  return
}

// -----

func.func @rg_lru_c(%x: tensor<1x4x8xf32>, %w: tensor<2x4x4xf32>, %b: tensor<2x4xf32>, %l: tensor<8xf32>) {
  // expected-error @+1 {{'c'}}
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l {c = 0.0 : f32}
      : (tensor<1x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>, tensor<2x4x4xf32>, tensor<2x4xf32>,
         tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// hybrid.selective_scan
//===----------------------------------------------------------------------===//

// -----

func.func @selective_scan_A(%x: tensor<1x4x8xf32>, %A: tensor<6x2xf32>, %B: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'A' dim 0 (channels) is 6, expected 8 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<6x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_delta(%x: tensor<1x4x8xf32>, %dt: tensor<1x5x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'delta' dim 1 (seq) is 5, expected 4 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %B
      : (tensor<1x4x8xf32>, tensor<1x5x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_B(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x3xf32>) {
  // expected-error @+1 {{'B' dim 2 (state) is 3, expected 2 (from 'A')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_C(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>, %C: tensor<1x4x2x1xf32>) {
  // expected-error @+1 {{'C' must have rank 3 [batch, seq, state], got rank 4}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %C
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2x1xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_D(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>, %D: tensor<7xf32>) {
  // expected-error @+1 {{'D' dim 0 (channels) is 7, expected 8 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B D(%D)
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<7xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_z(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>, %z: tensor<1x4x9xf32>) {
  // expected-error @+1 {{'z' dim 2 (channels) is 9, expected 8 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B z(%z)
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x9xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_delta_bias(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>, %db: tensor<1x8xf32>) {
  // expected-error @+1 {{'delta_bias' must have rank 1 [channels], got rank 2}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B delta_bias(%db)
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x8xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_initial_state(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>, %h0: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'initial_state' dim 1 (channels) is 2, expected 8 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B init(%h0)
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x2x8xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_y(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'y' dim 1 (seq) is 3, expected 4 (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>)
      -> (tensor<1x3x8xf32>, tensor<1x8x2xf32>)
  return
}

// -----

func.func @selective_scan_final_state(%x: tensor<1x4x8xf32>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'final_state' dim 2 (state) is 4, expected 2 (from 'A')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>)
      -> (tensor<1x4x8xf32>, tensor<1x8x4xf32>)
  return
}

// -----

func.func @selective_scan_element_type(%x: tensor<1x4x8xbf16>, %A: tensor<8x2xf32>, %B: tensor<1x4x2xbf16>) {
  // expected-error @+1 {{'A' has element type 'f32', expected 'bf16' (from 'x')}}
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x4x8xbf16>, tensor<1x4x8xbf16>, tensor<8x2xf32>, tensor<1x4x2xbf16>, tensor<1x4x2xbf16>)
      -> (tensor<1x4x8xbf16>, tensor<1x8x2xbf16>)
  return
}

//===----------------------------------------------------------------------===//
// hybrid.ssd_scan
//===----------------------------------------------------------------------===//

// -----

func.func @ssd_scan_dt(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x3xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'dt' dim 2 (heads) is 3, expected 4 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x3xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_A(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4x2xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'A' must have rank 1 [heads], got rank 2}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4x2xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_C_groups(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>,
    %C: tensor<1x8x1x3xf32>) {
  // expected-error @+1 {{'C' dim 2 (groups) is 1, expected 2 (from 'B')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x1x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_groups_divide_heads(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x3x3xf32>) {
  // expected-error @+1 {{heads (4) must be a multiple of B/C groups (3)}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x3x3xf32>, tensor<1x8x3x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_D(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>, %D: tensor<2xf32>) {
  // expected-error @+1 {{'D' dim 0 (heads) is 2, expected 4 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B D(%D)
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>, tensor<2xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_z(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>, %z: tensor<1x8x4x3xf32>) {
  // expected-error @+1 {{'z' dim 3 (head_dim) is 3, expected 2 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B z(%z)
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>, tensor<1x8x4x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_dt_bias(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>, %db: tensor<8xf32>) {
  // expected-error @+1 {{'dt_bias' dim 0 (heads) is 8, expected 4 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B dt_bias(%db)
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>, tensor<8xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_initial_state(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>,
    %s0: tensor<1x4x2x2xf32>) {
  // expected-error @+1 {{'initial_state' dim 3 (state) is 2, expected 3 (from 'B')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B init(%s0)
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>, tensor<1x4x2x2xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_y(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'y' dim 2 (heads) is 2, expected 4 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x2x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_final_state(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'final_state' dim 2 (head_dim) is 3, expected 2 (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x3x3xf32>)
  return
}

// -----

func.func @ssd_scan_chunk_size(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'chunk_size' must be >= 1, got 0}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B {chunk_size = 0 : i64}
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_dt_min(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'dt_min' must be non-negative and finite, got -1}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B {dt_min = -1.0 : f32}
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_dt_max(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'dt_max' must be positive and finite, got 0}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B {dt_max = 0.0 : f32}
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_dt_range(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'dt_min' (2) must not exceed 'dt_max' (1)}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B {dt_min = 2.0 : f32, dt_max = 1.0 : f32}
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

// -----

func.func @ssd_scan_element_type(%x: tensor<1x8x4x2xf32>, %dt: tensor<1x8x4xf16>, %A: tensor<4xf32>, %B: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{'dt' has element type 'f16', expected 'f32' (from 'x')}}
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %B
      : (tensor<1x8x4x2xf32>, tensor<1x8x4xf16>, tensor<4xf32>, tensor<1x8x2x3xf32>, tensor<1x8x2x3xf32>)
      -> (tensor<1x8x4x2xf32>, tensor<1x4x2x3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// hybrid.causal_conv1d
//===----------------------------------------------------------------------===//

// -----

func.func @causal_conv1d_input_rank(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{'input' must have rank 3 [batch, seq, channels], got rank 2}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<4x8xf32>, tensor<8x4xf32>) -> (tensor<4x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_weight(%x: tensor<1x4x8xf32>, %w: tensor<6x4xf32>) {
  // expected-error @+1 {{'weight' dim 0 (channels) is 6, expected 8 (from 'input')}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<1x4x8xf32>, tensor<6x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_kernel(%x: tensor<1x4x8xf32>, %w: tensor<8x0xf32>) {
  // expected-error @+1 {{operand 1 ('tensor<8x0xf32>') has a dimension of size 0}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<1x4x8xf32>, tensor<8x0xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x0xf32>)
  return
}

// -----

func.func @causal_conv1d_bias(%x: tensor<1x4x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'bias' dim 0 (channels) is 4, expected 8 (from 'input')}}
  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) : (tensor<1x4x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_state(%x: tensor<1x4x8xf32>, %w: tensor<8x4xf32>, %s0: tensor<1x8x4xf32>) {
  // expected-error @+1 {{'state' dim 2 (kernel - 1) is 4, expected 3 (from 'weight')}}
  %y, %s = hybrid.causal_conv1d %x, %w state(%s0) : (tensor<1x4x8xf32>, tensor<8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_result(%x: tensor<1x4x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{'result' dim 1 (seq) is 5, expected 4 (from 'input')}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<1x4x8xf32>, tensor<8x4xf32>) -> (tensor<1x5x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_final_state(%x: tensor<1x4x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{'final_state' dim 2 (kernel - 1) is 4, expected 3 (from 'weight')}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<1x4x8xf32>, tensor<8x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x4xf32>)
  return
}

// -----

func.func @causal_conv1d_element_type(%x: tensor<1x4x8xf32>, %w: tensor<8x4xbf16>) {
  // expected-error @+1 {{'weight' has element type 'bf16', expected 'f32' (from 'input')}}
  %y, %s = hybrid.causal_conv1d %x, %w : (tensor<1x4x8xf32>, tensor<8x4xbf16>) -> (tensor<1x4x8xf32>, tensor<1x8x3xf32>)
  return
}

// -----

func.func @causal_conv1d_activation(%x: tensor<1x4x8xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{supports activation identity or silu, got gelu}}
  %y, %s = hybrid.causal_conv1d %x, %w {activation = #hybrid.act<gelu>}
      : (tensor<1x4x8xf32>, tensor<8x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x8x3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// hybrid.conv2d
//===----------------------------------------------------------------------===//

// -----

func.func @conv2d_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'input' must have rank 4 [batch, in_channels, height, width], got rank 3}}
  %y = hybrid.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+1 {{'weight' must have rank 4 [out_channels, in_channels / groups, kernel_h, kernel_w], got rank 3}}
  %y = hybrid.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_strides_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'strides' must have 2 entries (height, width), got 3}}
  %y = hybrid.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_strides_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'strides' entries must be >= 1, got 0}}
  %y = hybrid.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_padding_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'padding' entries must be >= 0, got -1}}
  %y = hybrid.conv2d %x, %w {padding = array<i64: -1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_dilations_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dilations' entries must be >= 1, got 0}}
  %y = hybrid.conv2d %x, %w {dilations = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'groups' must be >= 1, got 0}}
  %y = hybrid.conv2d %x, %w {groups = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_in_channels_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{input channels (3) must be a multiple of groups (2)}}
  %y = hybrid.conv2d %x, %w {groups = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_out_channels_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{output channels (3) must be a multiple of groups (2)}}
  %y = hybrid.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @conv2d_weight_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) {
  // expected-error @+1 {{'weight' dim 1 (in_channels / groups) is 4, expected 2 (from 'input')}}
  %y = hybrid.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'bias' dim 0 (out_channels) is 3, expected 4 (from 'weight')}}
  %y = hybrid.conv2d %x, %w bias(%b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv2d_kernel_too_large(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{kernel (3, dilation 1) does not fit the padded height (2)}}
  %y = hybrid.conv2d %x, %w : (tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32>
  return
}

// -----

func.func @conv2d_result_height(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>) {
  // expected-error @+1 {{'result' dim 2 (height) is 55, expected 56 (from 'conv arithmetic')}}
  %y = hybrid.conv2d %x, %w {strides = array<i64: 4, 4>, padding = array<i64: 2, 2>}
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x55x56xf32>
  return
}

// -----

func.func @conv2d_element_type(%x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'weight' has element type 'f32', expected 'f16' (from 'input')}}
  %y = hybrid.conv2d %x, %w : (tensor<1x3x8x8xf16>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf16>
  return
}

//===----------------------------------------------------------------------===//
// hybrid.memory_read / hybrid.memory_write
//===----------------------------------------------------------------------===//

// -----

func.func @memory_read_memory_rank(%m: tensor<16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'memory' must have rank 3 [batch, slots, width], got rank 2}}
  %r = hybrid.memory_read %m, %k, %b : (tensor<16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_read_key_width(%m: tensor<2x16x32xf32>, %k: tensor<2x8x16xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'keys' dim 2 (width) is 16, expected 32 (from 'memory')}}
  %r = hybrid.memory_read %m, %k, %b : (tensor<2x16x32xf32>, tensor<2x8x16xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_read_strength(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x7xf32>) {
  // expected-error @+1 {{'strength' dim 1 (seq) is 7, expected 8 (from 'keys')}}
  %r = hybrid.memory_read %m, %k, %b : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x7xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_read_result(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'result' dim 1 (seq) is 16, expected 8 (from 'keys')}}
  %r = hybrid.memory_read %m, %k, %b : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x16x32xf32>
  return
}

// -----

func.func @memory_read_eps(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'eps' must be non-negative and finite, got -1}}
  %r = hybrid.memory_read %m, %k, %b {eps = -1.0 : f32} : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_read_element_type(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf16>) {
  // expected-error @+1 {{'strength' has element type 'f16', expected 'f32' (from 'memory')}}
  %r = hybrid.memory_read %m, %k, %b : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf16>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_write_erase(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>, %e: tensor<2x8x16xf32>) {
  // expected-error @+1 {{'erase' dim 2 (width) is 16, expected 32 (from 'memory')}}
  %r = hybrid.memory_write %m, %k, %b, %e, %k
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x16xf32>, tensor<2x8x32xf32>) -> tensor<2x16x32xf32>
  return
}

// -----

func.func @memory_write_add(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>, %a: tensor<1x8x32xf32>) {
  // expected-error @+1 {{'add' dim 0 (batch) is 1, expected 2 (from 'memory')}}
  %r = hybrid.memory_write %m, %k, %b, %k, %a
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<1x8x32xf32>) -> tensor<2x16x32xf32>
  return
}

// -----

func.func @memory_write_gate(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>, %g: tensor<2x8x1xf32>) {
  // expected-error @+1 {{'gate' must have rank 2 [batch, seq], got rank 3}}
  %r = hybrid.memory_write %m, %k, %b, %k, %k gate(%g)
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<2x8x1xf32>) -> tensor<2x16x32xf32>
  return
}

// -----

func.func @memory_write_result(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'result' dim 1 (slots) is 8, expected 16 (from 'memory')}}
  %r = hybrid.memory_write %m, %k, %b, %k, %k
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

func.func @memory_write_eps(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'eps' must be non-negative and finite, got -2}}
  %r = hybrid.memory_write %m, %k, %b, %k, %k {eps = -2.0 : f32}
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>) -> tensor<2x16x32xf32>
  return
}

// -----

func.func @memory_write_element_type(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>, %b: tensor<2x8xf32>, %e: tensor<2x8x32xbf16>) {
  // expected-error @+1 {{'erase' has element type 'bf16', expected 'f32' (from 'memory')}}
  %r = hybrid.memory_write %m, %k, %b, %e, %k
      : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xbf16>, tensor<2x8x32xf32>) -> tensor<2x16x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// hybrid.moe
//===----------------------------------------------------------------------===//

// -----

func.func @moe_input_rank(%x: tensor<f32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'input' must have rank >= 1 [..., hidden], got 'tensor<f32>'}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<f32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<f32>
  return
}

// -----

func.func @moe_router(%x: tensor<1x2x8xf32>, %r: tensor<4x6xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'router' dim 1 (hidden) is 6, expected 8 (from 'input')}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x6xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_gate(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<3x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'gate' dim 0 (experts) is 3, expected 4 (from 'router')}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<3x16x8xf32>, tensor<3x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_up(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %u: tensor<4x12x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'up' dim 1 (intermediate) is 12, expected 16 (from 'gate')}}
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x12x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_down(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x16x8xf32>) {
  // expected-error @+1 {{'down' dim 1 (hidden) is 16, expected 8 (from 'input')}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_result(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{result type 'tensor<2x8xf32>' must equal the input type 'tensor<1x2x8xf32>'}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @moe_top_k(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'top_k' must be in [1, experts = 4], got 5}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 5} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_activation(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{supports expert activation silu, gelu, gelu_tanh or relu, got tanh}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 2, activation = #hybrid.act<tanh>}
      : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_element_type(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf16>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'router' has element type 'f16', expected 'f32' (from 'input')}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf16>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// hybrid.recurrent_depth
//===----------------------------------------------------------------------===//

// -----

func.func @recurrent_depth_steps(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'max_steps' must be >= 1, got 0}}
  %y = hybrid.recurrent_depth %x max_steps = 0 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    hybrid.yield %s : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_rank(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'init' must have rank 3 [batch, seq, hidden], got rank 2}}
  %y = hybrid.recurrent_depth %x max_steps = 2 : tensor<4x8xf32> {
  ^bb0(%s: tensor<4x8xf32>, %step: index):
    hybrid.yield %s : tensor<4x8xf32>
  }
  return %y : tensor<4x8xf32>
}

// -----

func.func @recurrent_depth_threshold(%x: tensor<1x4x8xf32>, %p: tensor<1x4xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'halt_threshold' must be in (0, 1], got 1.5}}
  %y = hybrid.recurrent_depth %x max_steps = 2 halt_threshold = 1.5 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    hybrid.yield %s, %p : tensor<1x4x8xf32>, tensor<1x4xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_block_args(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{body must take ('tensor<1x4x8xf32>', index): the state and the step number}}
  %y = hybrid.recurrent_depth %x max_steps = 2 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>):
    hybrid.yield %s : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_fixed_yields_two(%x: tensor<1x4x8xf32>, %p: tensor<1x4xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 2 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{must yield 1 value (the next state), got 2}}
    hybrid.yield %s, %p : tensor<1x4x8xf32>, tensor<1x4xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_act_yields_one(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 2 halt_threshold = 0.99 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{must yield 2 values (next state, halting probability), got 1}}
    hybrid.yield %s : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_state_type(%x: tensor<1x4x8xf32>, %other: tensor<1x4x9xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 2 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{next state has type 'tensor<1x4x9xf32>', expected 'tensor<1x4x8xf32>'}}
    hybrid.yield %other : tensor<1x4x9xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_halting_shape(%x: tensor<1x4x8xf32>, %p: tensor<1x5xf32>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 2 halt_threshold = 0.99 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{'halting probability' dim 1 (seq) is 5, expected 4 (from 'init')}}
    hybrid.yield %s, %p : tensor<1x4x8xf32>, tensor<1x5xf32>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_halting_type(%x: tensor<1x4x8xf32>, %p: tensor<1x4xf16>) -> tensor<1x4x8xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 2 halt_threshold = 0.99 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{'halting probability' has element type 'f16', expected 'f32' (from 'next state')}}
    hybrid.yield %s, %p : tensor<1x4x8xf32>, tensor<1x4xf16>
  }
  return %y : tensor<1x4x8xf32>
}

// -----

func.func @recurrent_depth_no_yield(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // A body without a terminator is rejected by MLIR itself; a foreign
  // terminator is rejected by its own parent constraint first.
  %y = hybrid.recurrent_depth %x max_steps = 2 : tensor<1x4x8xf32> {
  ^bb0(%s: tensor<1x4x8xf32>, %step: index):
    // expected-error @+1 {{'func.return' op expects parent op 'func.func'}}
    func.return %s : tensor<1x4x8xf32>
  }
  return %y : tensor<1x4x8xf32>
}

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

// -----

func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'input' must have rank >= 1 [..., in], got 'tensor<f32>'}}
  %y = hybrid.linear %x, %w : (tensor<f32>, tensor<4x8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight(%x: tensor<2x8xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+1 {{'weight' dim 1 (in) is 6, expected 8 (from 'input')}}
  %y = hybrid.linear %x, %w : (tensor<2x8xf32>, tensor<4x6xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'bias' dim 0 (out) is 8, expected 4 (from 'weight')}}
  %y = hybrid.linear %x, %w bias(%b) : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<2x3x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'result' dim 1 (leading) is 2, expected 3 (from 'input')}}
  %y = hybrid.linear %x, %w : (tensor<2x3x8xf32>, tensor<4x8xf32>) -> tensor<2x2x4xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<2x8xf32>, %w: tensor<4x8xbf16>) {
  // expected-error @+1 {{'weight' has element type 'bf16', expected 'f32' (from 'input')}}
  %y = hybrid.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xbf16>) -> tensor<2x4xf32>
  return
}

// -----

func.func @embedding_table_rank(%ids: tensor<1x4xi32>, %t: tensor<16xf32>) {
  // expected-error @+1 {{'table' must have rank 2 [vocab, hidden], got rank 1}}
  %h = hybrid.embedding %ids, %t : (tensor<1x4xi32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  return
}

// -----

func.func @embedding_result(%ids: tensor<1x4xi32>, %t: tensor<16x8xf32>) {
  // expected-error @+1 {{'result' dim 2 (hidden) is 16, expected 8 (from 'table')}}
  %h = hybrid.embedding %ids, %t : (tensor<1x4xi32>, tensor<16x8xf32>) -> tensor<1x4x16xf32>
  return
}

// -----

func.func @embedding_scale(%ids: tensor<1x4xi32>, %t: tensor<16x8xf32>) {
  // expected-error @+1 {{'scale' must be finite}}
  %h = hybrid.embedding %ids, %t {scale = 0x7F800000 : f32} : (tensor<1x4xi32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @embedding_float_ids(%ids: tensor<1x4xf32>, %t: tensor<16x8xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %h = hybrid.embedding %ids, %t : (tensor<1x4xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<1x4x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'weight' dim 0 (hidden) is 4, expected 8 (from 'input')}}
  %y = hybrid.rms_norm %x, %w : tensor<1x4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_eps(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'eps' must be non-negative and finite, got -1}}
  %y = hybrid.rms_norm %x, %w {eps = -1.0 : f32} : tensor<1x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_input_rank(%x: tensor<f32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'input' must have rank >= 1 [..., hidden], got 'tensor<f32>'}}
  %y = hybrid.rms_norm %x, %w : tensor<f32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_group_size(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'group_size' must be a positive divisor of the hidden size 8, got 3}}
  %y = hybrid.rms_norm %x, %w {group_size = 3 : i64} : tensor<1x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_group_size_zero(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'group_size' must be a positive divisor of the hidden size 8, got 0}}
  %y = hybrid.rms_norm %x, %w {group_size = 0 : i64} : tensor<1x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_element_type(%x: tensor<1x4x8xf32>, %w: tensor<8xbf16>) {
  // expected-error @+1 {{'weight' has element type 'bf16', expected 'f32' (from 'input')}}
  %y = hybrid.rms_norm %x, %w : tensor<1x4x8xf32>, tensor<8xbf16>
  return
}

// -----

func.func @layer_norm_input_rank(%x: tensor<f32>) {
  // expected-error @+1 {{'input' must have rank >= 1 [..., hidden], got 'tensor<f32>'}}
  %y = hybrid.layer_norm %x : (tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<1x4x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'weight' dim 0 (hidden) is 4, expected 8 (from 'input')}}
  %y = hybrid.layer_norm %x weight(%w) : (tensor<1x4x8xf32>, tensor<4xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<1x4x8xf32>, %b: tensor<8x1xf32>) {
  // expected-error @+1 {{'bias' must have rank 1 [hidden], got rank 2}}
  %y = hybrid.layer_norm %x bias(%b) : (tensor<1x4x8xf32>, tensor<8x1xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @layer_norm_eps(%x: tensor<1x4x8xf32>) {
  // expected-error @+1 {{'eps' must be non-negative and finite, got -1}}
  %y = hybrid.layer_norm %x {eps = -1.0 : f32} : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @layer_norm_element_type(%x: tensor<1x4x8xf32>, %w: tensor<8xf16>) {
  // expected-error @+1 {{'weight' has element type 'f16', expected 'f32' (from 'input')}}
  %y = hybrid.layer_norm %x weight(%w) : (tensor<1x4x8xf32>, tensor<8xf16>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'input' must have rank 4 [batch, heads, seq, head_dim], got rank 2}}
  %y = hybrid.rope %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<1x2x4x7xf32>) {
  // expected-error @+1 {{head_dim must be even to rotate pairs, got 7}}
  %y = hybrid.rope %x : tensor<1x2x4x7xf32> -> tensor<1x2x4x7xf32>
  return
}

// -----

func.func @rope_positions(%x: tensor<1x2x4x8xf32>, %p: tensor<1x5xi64>) {
  // expected-error @+1 {{'positions' dim 1 (seq) is 5, expected 4 (from 'input')}}
  %y = hybrid.rope %x positions(%p : tensor<1x5xi64>) : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_inv_freq_size(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'inv_freq' has 3 frequencies, expected head_dim / 2 = 4}}
  %y = hybrid.rope %x {inv_freq = array<f32: 1.0, 0.1, 0.01>} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_inv_freq_finite(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'inv_freq' must be finite, got INF}}
  %y = hybrid.rope %x {inv_freq = array<f32: 1.0, 0x7F800000>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_attention_scaling(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'attention_scaling' must be a positive finite number, got 0}}
  %y = hybrid.rope %x {attention_scaling = 0.0 : f32} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_offset_with_positions(%x: tensor<1x2x4x8xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{'position_offset' is only used without 'positions'; fold it into the positions}}
  %y = hybrid.rope %x positions(%p : tensor<1x4xi64>) {position_offset = 3 : i64} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_negative_offset(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'position_offset' must be >= 0, got -1}}
  %y = hybrid.rope %x {position_offset = -1 : i64} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_context_without_scaling(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'original_context' (got 8) is given exactly when 'long_inv_freq' or 'ntk_factor' is}}
  %y = hybrid.rope %x {original_context = 8 : i64} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_ntk_without_context(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'original_context' (got 0) is given exactly when 'long_inv_freq' or 'ntk_factor' is}}
  %y = hybrid.rope %x {ntk_factor = 2.0 : f32} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_negative_context(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'original_context' must be positive, got -4}}
  %y = hybrid.rope %x {ntk_factor = 2.0 : f32, original_context = -4 : i64} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_long_without_short(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'long_inv_freq' needs 'inv_freq', the frequencies within the original context}}
  %y = hybrid.rope %x {long_inv_freq = array<f32: 1.0, 0.1>, original_context = 8 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_long_size(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'long_inv_freq' has 3 frequencies, 'inv_freq' 2}}
  %y = hybrid.rope %x {inv_freq = array<f32: 1.0, 0.1>, long_inv_freq = array<f32: 1.0, 0.1, 0.01>, original_context = 8 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_long_finite(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'long_inv_freq' must be finite, got nan}}
  %y = hybrid.rope %x {inv_freq = array<f32: 1.0, 0.1>, long_inv_freq = array<f32: 1.0, 0x7FC00000>, original_context = 8 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_ntk_with_inv_freq(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'ntk_factor' scales θ; it cannot be combined with 'inv_freq'}}
  %y = hybrid.rope %x {inv_freq = array<f32: 1.0, 0.1>, ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_ntk_factor(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'ntk_factor' must be a positive finite number, got -1}}
  %y = hybrid.rope %x {ntk_factor = -1.0 : f32, original_context = 8 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @rope_extent_without_scaling(%x: tensor<1x2x4x8xf32>, %e: tensor<1xi64>) {
  // expected-error @+1 {{'extent' is only read by the length-dependent scalings ('long_inv_freq', 'ntk_factor')}}
  %y = hybrid.rope %x extent(%e : tensor<1xi64>) : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_extent_shape(%x: tensor<1x2x4x8xf32>, %e: tensor<2xi64>) {
  // expected-error @+1 {{'extent' dim 0 (one value) is 2, expected 1}}
  %y = hybrid.rope %x extent(%e : tensor<2xi64>) {ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_ntk_head_dim(%x: tensor<1x2x4x2xf32>) {
  // expected-error @+1 {{'ntk_factor' needs head_dim > 2 (θ is raised to D/(D−2)), got 2}}
  %y = hybrid.rope %x {ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x2x4x2xf32> -> tensor<1x2x4x2xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'theta' must be positive and finite, got 0}}
  %y = hybrid.rope %x {theta = 0.0 : f32} : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @split_heads_rank(%x: tensor<16x64xf32>) {
  // expected-error @+1 {{'input' must have rank 3 [batch, seq, hidden], got rank 2}}
  %y = hybrid.split_heads %x {heads = 4} : tensor<16x64xf32> -> tensor<1x4x16x16xf32>
  return
}

// -----

func.func @split_heads_heads(%x: tensor<1x16x64xf32>) {
  // expected-error @+1 {{'heads' must be >= 1, got 0}}
  %y = hybrid.split_heads %x {heads = 0} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
  return
}

// -----

func.func @split_heads_divisible(%x: tensor<1x16x64xf32>) {
  // expected-error @+1 {{hidden size (64) must be a multiple of heads (3)}}
  %y = hybrid.split_heads %x {heads = 3} : tensor<1x16x64xf32> -> tensor<1x3x16x21xf32>
  return
}

// -----

func.func @split_heads_result(%x: tensor<1x16x64xf32>) {
  // expected-error @+1 {{'result' dim 3 (head_dim) is 8, expected 16 (from 'hidden / heads')}}
  %y = hybrid.split_heads %x {heads = 4} : tensor<1x16x64xf32> -> tensor<1x4x16x8xf32>
  return
}

// -----

func.func @split_heads_element_type(%x: tensor<1x16x64xf32>) {
  // expected-error @+1 {{'result' has element type 'f16', expected 'f32' (from 'input')}}
  %y = hybrid.split_heads %x {heads = 4} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf16>
  return
}

// -----

func.func @merge_heads_rank(%x: tensor<4x16x16xf32>) {
  // expected-error @+1 {{'input' must have rank 4 [batch, heads, seq, head_dim], got rank 3}}
  %y = hybrid.merge_heads %x : tensor<4x16x16xf32> -> tensor<1x16x64xf32>
  return
}

// -----

func.func @merge_heads_result(%x: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'result' dim 2 (hidden) is 32, expected 64 (from 'heads x head_dim')}}
  %y = hybrid.merge_heads %x : tensor<1x4x16x16xf32> -> tensor<1x16x32xf32>
  return
}

// -----

func.func @merge_heads_element_type(%x: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{'result' has element type 'bf16', expected 'f32' (from 'input')}}
  %y = hybrid.merge_heads %x : tensor<1x4x16x16xf32> -> tensor<1x16x64xbf16>
  return
}

// -----

func.func @gated_mlp_input_rank(%x: tensor<f32>, %g: tensor<16x8xf32>, %d: tensor<8x16xf32>) {
  // expected-error @+1 {{'input' must have rank >= 1 [..., hidden], got 'tensor<f32>'}}
  %y = hybrid.gated_mlp %x, %g, %g, %d : (tensor<f32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32>) -> tensor<f32>
  return
}

// -----

func.func @gated_mlp_gate(%x: tensor<1x4x8xf32>, %g: tensor<16x4xf32>, %d: tensor<8x16xf32>) {
  // expected-error @+1 {{'gate' dim 1 (hidden) is 4, expected 8 (from 'input')}}
  %y = hybrid.gated_mlp %x, %g, %g, %d : (tensor<1x4x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<8x16xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @gated_mlp_up(%x: tensor<1x4x8xf32>, %g: tensor<16x8xf32>, %u: tensor<12x8xf32>, %d: tensor<8x16xf32>) {
  // expected-error @+1 {{'up' dim 0 (intermediate) is 12, expected 16 (from 'gate')}}
  %y = hybrid.gated_mlp %x, %g, %u, %d : (tensor<1x4x8xf32>, tensor<16x8xf32>, tensor<12x8xf32>, tensor<8x16xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @gated_mlp_down(%x: tensor<1x4x8xf32>, %g: tensor<16x8xf32>, %d: tensor<16x8xf32>) {
  // expected-error @+1 {{'down' dim 0 (hidden) is 16, expected 8 (from 'input')}}
  %y = hybrid.gated_mlp %x, %g, %g, %d : (tensor<1x4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @gated_mlp_result(%x: tensor<1x4x8xf32>, %g: tensor<16x8xf32>, %d: tensor<8x16xf32>) {
  // expected-error @+1 {{result type 'tensor<1x4x16xf32>' must equal the input type 'tensor<1x4x8xf32>'}}
  %y = hybrid.gated_mlp %x, %g, %g, %d : (tensor<1x4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  return
}

// -----

func.func @gated_mlp_activation(%x: tensor<1x4x8xf32>, %g: tensor<16x8xf32>, %d: tensor<8x16xf32>) {
  // expected-error @+1 {{supports activation silu, gelu, gelu_tanh or relu, got tanh}}
  %y = hybrid.gated_mlp %x, %g, %g, %d {activation = #hybrid.act<tanh>}
      : (tensor<1x4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @gated_mlp_element_type(%x: tensor<1x4x8xf32>, %g: tensor<16x8xf32>, %d: tensor<8x16xf16>) {
  // expected-error @+1 {{'down' has element type 'f16', expected 'f32' (from 'input')}}
  %y = hybrid.gated_mlp %x, %g, %g, %d : (tensor<1x4x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<8x16xf16>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @activation_unknown(%x: tensor<4xf32>) {
  // expected-error @+2 {{expected ::mlir::hybrid::Activation to be one of: identity, relu, gelu, gelu_tanh, quick_gelu, silu, sigmoid, tanh, softplus, elu_plus_one}}
  // expected-error @+1 {{failed to parse Hybrid_ActivationAttr parameter 'value'}}
  %y = hybrid.activation %x {kind = #hybrid.act<swish>} : tensor<4xf32>
  return
}

// -----

func.func @softcap_cap(%x: tensor<4xf32>) {
  // expected-error @+1 {{'cap' must be positive and finite, got -30}}
  %y = hybrid.softcap %x {cap = -30.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @attention_globals_shape(%q: tensor<1x2x16x8xf32>, %g: tensor<1x15xi64>) {
  // expected-error @+1 {{'globals' dim 1 (key_seq) is 15, expected 16 (from 'key')}}
  %o = hybrid.attention %q, %q, %q globals(%g) {mask = #hybrid.mask<local = 2>}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x15xi64>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @attention_globals_past_keys(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x16x8xf32>, %g: tensor<1x16xi64>) {
  // expected-error @+1 {{'globals' flags key positions [0, 16), so the queries at q_offset + [0, 4) must lie among them (q_offset = 13)}}
  %o = hybrid.attention %q, %k, %k globals(%g) {mask = #hybrid.mask<causal>, q_offset = 13}
      : (tensor<1x2x4x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x16xi64>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_global_rows_without_flags(%q: tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{'global_rows_only' needs a 'globals' operand}}
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<none>, global_rows_only}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @mask_bias_rank(%g: tensor<16xi64>) {
  // expected-error @+1 {{'globals' must have rank 2 [batch, seq], got rank 1}}
  %b = hybrid.mask_bias %g {mask = #hybrid.mask<local = 2>} : tensor<16xi64> -> tensor<1x1x16x16xf32>
  return
}

// -----

func.func @mask_bias_result(%g: tensor<1x16xi64>) {
  // expected-error @+1 {{'result' dim 3 (key_seq) is 8, expected 16 (from 'globals')}}
  %b = hybrid.mask_bias %g {mask = #hybrid.mask<local = 2>} : tensor<1x16xi64> -> tensor<1x1x16x8xf32>
  return
}

// -----

func.func @mask_bias_heads(%g: tensor<1x16xi64>) {
  // expected-error @+1 {{'result' dim 1 (heads) is 2, expected 1}}
  %b = hybrid.mask_bias %g {mask = #hybrid.mask<local = 2>} : tensor<1x16xi64> -> tensor<1x2x16x16xf32>
  return
}

// -----

func.func @select_tokens_flags(%g: tensor<2x3x16xi64>, %a: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'flags' must have rank 2 [batch, seq], got rank 3}}
  %o = hybrid.select_tokens %g, %a, %a : tensor<2x3x16xi64>, tensor<2x16x8xf32>
  return
}

// -----

func.func @select_tokens_seq(%g: tensor<2x15xi64>, %a: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'on_true' dim 1 (seq) is 16, expected 15 (from 'flags')}}
  %o = hybrid.select_tokens %g, %a, %a : tensor<2x15xi64>, tensor<2x16x8xf32>
  return
}

// -----

func.func @position_ids_rank(%ids: tensor<16xi64>) {
  // expected-error @+1 {{'ids' must have rank 2 [batch, seq], got rank 1}}
  %p = hybrid.position_ids %ids {padding_idx = 1} : tensor<16xi64>
  return
}

// -----

func.func @cache_write_heads(%cache: tensor<1x2x4x8xf32>, %new: tensor<1x3x1x8xf32>, %pos: tensor<1x1xi64>) {
  // expected-error @+1 {{'new_values' dim 1 (heads) is 3, expected 2 (from 'cache')}}
  %c = hybrid.cache_write %cache, %new, %pos : tensor<1x2x4x8xf32>, tensor<1x3x1x8xf32>, tensor<1x1xi64>
  return
}

// -----

func.func @cache_write_positions(%cache: tensor<1x2x4x8xf32>, %new: tensor<1x2x2x8xf32>, %pos: tensor<1x1xi64>) {
  // expected-error @+1 {{'positions' dim 1 (tokens) is 1, expected 2 (from 'new_values')}}
  %c = hybrid.cache_write %cache, %new, %pos : tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x1xi64>
  return
}

// -----

func.func @cache_bias_keys(%pos: tensor<1x2xi64>) {
  // expected-error @+1 {{'result' dim 3 (keys (capacity + tokens)) is 5, expected 6}}
  %b = hybrid.cache_bias %pos {capacity = 4} : tensor<1x2xi64> -> tensor<1x1x2x5xf32>
  return
}

// -----

func.func @cache_bias_capacity(%pos: tensor<1x2xi64>) {
  // expected-error @+1 {{capacity must be >= 1, got 0}}
  %b = hybrid.cache_bias %pos {capacity = 0} : tensor<1x2xi64> -> tensor<1x1x2x2xf32>
  return
}

// -----

func.func @cache_bias_ring_and_shift(%pos: tensor<1x2xi64>) {
  // expected-error @+1 {{is a ring or a shift register, not both}}
  %b = hybrid.cache_bias %pos {capacity = 4, ring, shift} : tensor<1x2xi64> -> tensor<1x1x2x6xf32>
  return
}

// -----

func.func @cache_bias_written_keys(%pos: tensor<1x2xi64>) {
  // expected-error @+1 {{'result' dim 3 (keys (capacity, written)) is 6, expected 4}}
  %b = hybrid.cache_bias %pos {capacity = 4, written} : tensor<1x2xi64> -> tensor<1x1x2x6xf32>
  return
}

// -----

func.func @cache_bias_written_shift(%pos: tensor<1x2xi64>) {
  // expected-error @+1 {{'written' describes a cache after hybrid.cache_write; a shift register is not written by it}}
  %b = hybrid.cache_bias %pos {capacity = 4, shift, written} : tensor<1x2xi64> -> tensor<1x1x2x4xf32>
  return
}

// -----

func.func @memory_read_write_read_keys(%m: tensor<2x16x32xf32>, %k: tensor<2x8x32xf32>,
    %rk: tensor<2x7x32xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{'read_keys' dim 1 (seq) is 7, expected 8 (from 'keys')}}
  %r, %n = hybrid.memory_read_write %m read(%rk, %b) write(%k, %b, %k, %k)
      : (tensor<2x16x32xf32>, tensor<2x7x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>,
         tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>)
      -> (tensor<2x8x32xf32>, tensor<2x16x32xf32>)
  return
}

// -----

func.func @rel_attention_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %r: tensor<2x6x8xf32>,
    %u: tensor<2x8xf32>, %bias: tensor<1x1x4x5xf32>) {
  // expected-error @+1 {{'bias' dim 3 (key_seq) is 5, expected 1 or 6}}
  %o = hybrid.rel_attention %q, %k, %k, %r, %u, %u bias(%bias) {mask = #hybrid.mask<causal>}
      : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<2x6x8xf32>,
         tensor<2x8xf32>, tensor<2x8xf32>, tensor<1x1x4x5xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @linear_attention_state_alone(%q: tensor<1x1x4x8xf32>, %s: tensor<1x1x8x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{takes 'state' and 'normalizer' together}}
  %o = "hybrid.linear_attention"(%q, %q, %q, %s)
      {mask = #hybrid.mask<causal>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}
      : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x8x8xf32>)
      -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @moe_selection_bias(%x: tensor<1x4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>,
    %u: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'selection_bias' dim 0 (experts) is 3, expected 4 (from 'router')}}
  %y = hybrid.moe %x, %r, %g, %u, %d selection_bias(%b) {top_k = 2 : i64, sigmoid_router}
      : (tensor<1x4x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>,
         tensor<4x8x16xf32>, tensor<3xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @moe_normalize_epsilon(%x: tensor<1x4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>,
    %u: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'normalize_epsilon' must be non-negative and finite, got -1}}
  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = 2 : i64, normalize_top_k, normalize_epsilon = -1.0 : f32}
      : (tensor<1x4x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>,
         tensor<4x8x16xf32>) -> tensor<1x4x8xf32>
  return
}
// -----

func.func @moe_router_input_tokens(%x: tensor<1x2x8xf32>, %ri: tensor<1x3x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'router_input' 'tensor<1x3x6xf32>' must have the tokens of 'input' 'tensor<1x2x8xf32>' (all dims but the last equal)}}
  %y = hybrid.moe %x, %r, %g, %g, %d router_input(%ri) {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x6xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>, tensor<1x3x6xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_router_reads_router_input(%x: tensor<1x2x8xf32>, %ri: tensor<1x2x6xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'router' dim 1 (hidden) is 8, expected 6 (from 'router_input')}}
  %y = hybrid.moe %x, %r, %g, %g, %d router_input(%ri) {top_k = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>, tensor<1x2x6xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_top_groups(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'top_groups' must be in [1, expert_groups], with expert_groups >= 1; got top_groups = 3, expert_groups = 2}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1, expert_groups = 2, top_groups = 3} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_group_size(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'expert_groups' (4) must divide the 4 experts into groups of at least 2 (a group scores by its two best)}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 1, expert_groups = 4, top_groups = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @moe_top_k_in_groups(%x: tensor<1x2x8xf32>, %r: tensor<4x8xf32>, %g: tensor<4x16x8xf32>, %d: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'top_k' (3) exceeds the 2 experts of the top_groups chosen groups}}
  %y = hybrid.moe %x, %r, %g, %g, %d {top_k = 3, expert_groups = 2, top_groups = 1} : (tensor<1x2x8xf32>, tensor<4x8xf32>, tensor<4x16x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<1x2x8xf32>
  return
}


// -----

// A norm over no elements has no value: every hybrid op needs non-empty tensors.
func.func @empty_hidden(%x: tensor<1x2x0xf32>, %w: tensor<0xf32>) -> tensor<1x2x0xf32> {
  // expected-error @+1 {{operand 0 ('tensor<1x2x0xf32>') has a dimension of size 0; hybrid ops need non-empty tensors}}
  %n = hybrid.rms_norm %x, %w : tensor<1x2x0xf32>, tensor<0xf32>
  return %n : tensor<1x2x0xf32>
}
