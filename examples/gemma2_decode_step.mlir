// One decode step of a Gemma-2-style local/global pair (MATH.md §4): the
// new token sits at position 15 and attends to a 16-entry cache. The local
// layer's window (W = 8, keys i-8 < j <= i) still hides keys 0..7, so its
// mask stays; the global layer's causal mask hides nothing here, and
// `hybrid-opt -canonicalize` removes it (see test/Examples/examples.test).
// 2 query heads over 1 kv head, head_dim 16, query_pre_attn_scalar 16,
// attention softcap 50, (1 + w) RMSNorms, RoPE on q and k.

func.func @gemma2_decode_step(
    %x: tensor<1x1x32xf32>, %pos: tensor<1x1xi64>,
    %k_cache: tensor<1x1x16x16xf32>, %v_cache: tensor<1x1x16x16xf32>,
    %in_norm: tensor<32xf32>, %post_norm: tensor<32xf32>,
    %wq: tensor<32x32xf32>, %wo: tensor<32x32xf32>) -> (tensor<1x1x32xf32>, tensor<1x1x32xf32>) {
  %n = hybrid.rms_norm %x, %in_norm {unit_offset} : tensor<1x1x32xf32>, tensor<32xf32>
  %q_flat = hybrid.linear %n, %wq : (tensor<1x1x32xf32>, tensor<32x32xf32>) -> tensor<1x1x32xf32>
  %q_heads = hybrid.split_heads %q_flat {heads = 2} : tensor<1x1x32xf32> -> tensor<1x2x1x16xf32>
  %q = hybrid.rope %q_heads positions(%pos : tensor<1x1xi64>) : tensor<1x2x1x16xf32> -> tensor<1x2x1x16xf32>

  // Local (sliding-window) layer.
  %local = hybrid.attention %q, %k_cache, %v_cache
      {mask = #hybrid.mask<causal, window = 8>, scale = 0.25 : f32, softcap = 50.0 : f32, q_offset = 15}
      : (tensor<1x2x1x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x2x1x16xf32>
  // Global layer (same cache here to keep the example short).
  %global = hybrid.attention %q, %k_cache, %v_cache
      {mask = #hybrid.mask<causal>, scale = 0.25 : f32, softcap = 50.0 : f32, q_offset = 15}
      : (tensor<1x2x1x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x2x1x16xf32>

  %l_merged = hybrid.merge_heads %local : tensor<1x2x1x16xf32> -> tensor<1x1x32xf32>
  %l_out = hybrid.linear %l_merged, %wo : (tensor<1x1x32xf32>, tensor<32x32xf32>) -> tensor<1x1x32xf32>
  %l_post = hybrid.rms_norm %l_out, %post_norm {unit_offset} : tensor<1x1x32xf32>, tensor<32xf32>
  %l_res = arith.addf %x, %l_post : tensor<1x1x32xf32>

  %g_merged = hybrid.merge_heads %global : tensor<1x2x1x16xf32> -> tensor<1x1x32xf32>
  %g_out = hybrid.linear %g_merged, %wo : (tensor<1x1x32xf32>, tensor<32x32xf32>) -> tensor<1x1x32xf32>
  %g_post = hybrid.rms_norm %g_out, %post_norm {unit_offset} : tensor<1x1x32xf32>, tensor<32xf32>
  %g_res = arith.addf %x, %g_post : tensor<1x1x32xf32>
  return %l_res, %g_res : tensor<1x1x32xf32>, tensor<1x1x32xf32>
}
