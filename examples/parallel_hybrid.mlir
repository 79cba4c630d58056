// A parallel attention + state-space layer, the `HybridLayer` of the seed
// architecture notes in the Falcon-H1 form (MATH.md §10): attention and a
// Mamba-2 SSD mixer read the same normed input and their outputs are added
// to the residual stream, then a SwiGLU MLP.
// hidden 32, 8 tokens; attention: 4 heads of 8 with RoPE; SSD: 4 heads of
// head_dim 16 (d_inner 64), 1 group, state 8, conv width 4; the SSD in_proj
// yields [z (64) | xBC (64 + 8 + 8) | dt (4)].

func.func @parallel_hybrid_layer(
    %x: tensor<1x8x32xf32>, %in_norm: tensor<32xf32>,
    %wq: tensor<32x32xf32>, %wk: tensor<32x32xf32>, %wv: tensor<32x32xf32>, %wo: tensor<32x32xf32>,
    %in_proj: tensor<148x32xf32>, %conv_w: tensor<80x4xf32>, %conv_b: tensor<80xf32>,
    %A: tensor<4xf32>, %D: tensor<4xf32>, %dt_bias: tensor<4xf32>,
    %gate_norm: tensor<64xf32>, %out_proj: tensor<32x64xf32>,
    %ff_norm: tensor<32xf32>, %m_gate: tensor<64x32xf32>, %m_up: tensor<64x32xf32>,
    %m_down: tensor<32x64xf32>) -> tensor<1x8x32xf32> {
  %n = hybrid.rms_norm %x, %in_norm : tensor<1x8x32xf32>, tensor<32xf32>

  // Attention branch.
  %q_flat = hybrid.linear %n, %wq : (tensor<1x8x32xf32>, tensor<32x32xf32>) -> tensor<1x8x32xf32>
  %k_flat = hybrid.linear %n, %wk : (tensor<1x8x32xf32>, tensor<32x32xf32>) -> tensor<1x8x32xf32>
  %v_flat = hybrid.linear %n, %wv : (tensor<1x8x32xf32>, tensor<32x32xf32>) -> tensor<1x8x32xf32>
  %q_h = hybrid.split_heads %q_flat {heads = 4} : tensor<1x8x32xf32> -> tensor<1x4x8x8xf32>
  %k_h = hybrid.split_heads %k_flat {heads = 4} : tensor<1x8x32xf32> -> tensor<1x4x8x8xf32>
  %v = hybrid.split_heads %v_flat {heads = 4} : tensor<1x8x32xf32> -> tensor<1x4x8x8xf32>
  %q = hybrid.rope %q_h : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %k = hybrid.rope %k_h : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>}
      : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %o_flat = hybrid.merge_heads %o : tensor<1x4x8x8xf32> -> tensor<1x8x32xf32>
  %attn_out = hybrid.linear %o_flat, %wo : (tensor<1x8x32xf32>, tensor<32x32xf32>) -> tensor<1x8x32xf32>

  // SSD branch.
  %proj = hybrid.linear %n, %in_proj : (tensor<1x8x32xf32>, tensor<148x32xf32>) -> tensor<1x8x148xf32>
  %z = tensor.extract_slice %proj[0, 0, 0] [1, 8, 64] [1, 1, 1] : tensor<1x8x148xf32> to tensor<1x8x64xf32>
  %xbc = tensor.extract_slice %proj[0, 0, 64] [1, 8, 80] [1, 1, 1] : tensor<1x8x148xf32> to tensor<1x8x80xf32>
  %dt = tensor.extract_slice %proj[0, 0, 144] [1, 8, 4] [1, 1, 1] : tensor<1x8x148xf32> to tensor<1x8x4xf32>
  %xbc_c, %conv_state = hybrid.causal_conv1d %xbc, %conv_w bias(%conv_b) {activation = #hybrid.act<silu>}
      : (tensor<1x8x80xf32>, tensor<80x4xf32>, tensor<80xf32>) -> (tensor<1x8x80xf32>, tensor<1x80x3xf32>)
  %xs = tensor.extract_slice %xbc_c[0, 0, 0] [1, 8, 64] [1, 1, 1] : tensor<1x8x80xf32> to tensor<1x8x64xf32>
  %bs = tensor.extract_slice %xbc_c[0, 0, 64] [1, 8, 8] [1, 1, 1] : tensor<1x8x80xf32> to tensor<1x8x8xf32>
  %cs = tensor.extract_slice %xbc_c[0, 0, 72] [1, 8, 8] [1, 1, 1] : tensor<1x8x80xf32> to tensor<1x8x8xf32>
  %xh = tensor.expand_shape %xs [[0], [1], [2, 3]] output_shape [1, 8, 4, 16] : tensor<1x8x64xf32> into tensor<1x8x4x16xf32>
  %bg = tensor.expand_shape %bs [[0], [1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<1x8x8xf32> into tensor<1x8x1x8xf32>
  %cg = tensor.expand_shape %cs [[0], [1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<1x8x8xf32> into tensor<1x8x1x8xf32>
  %y, %ssm_state = hybrid.ssd_scan %xh, %dt, %A, %bg, %cg D(%D) dt_bias(%dt_bias) {dt_softplus}
      : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x8xf32>, tensor<1x8x1x8xf32>,
         tensor<4xf32>, tensor<4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x8xf32>)
  %y_flat = tensor.collapse_shape %y [[0], [1], [2, 3]] : tensor<1x8x4x16xf32> into tensor<1x8x64xf32>
  // Gated RMSNorm: RMSNorm(y * silu(z)) * w (norm_before_gate = False).
  %gz = hybrid.activation %z {kind = #hybrid.act<silu>} : tensor<1x8x64xf32>
  %gated = arith.mulf %y_flat, %gz : tensor<1x8x64xf32>
  %normed = hybrid.rms_norm %gated, %gate_norm {eps = 1.0e-5 : f32} : tensor<1x8x64xf32>, tensor<64xf32>
  %ssm_out = hybrid.linear %normed, %out_proj : (tensor<1x8x64xf32>, tensor<32x64xf32>) -> tensor<1x8x32xf32>

  // Both branches join the residual stream.
  %sum = arith.addf %attn_out, %ssm_out : tensor<1x8x32xf32>
  %h = arith.addf %x, %sum : tensor<1x8x32xf32>
  %f = hybrid.rms_norm %h, %ff_norm : tensor<1x8x32xf32>, tensor<32xf32>
  %mlp = hybrid.gated_mlp %f, %m_gate, %m_up, %m_down
      : (tensor<1x8x32xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32>) -> tensor<1x8x32xf32>
  %out = arith.addf %h, %mlp : tensor<1x8x32xf32>
  return %out : tensor<1x8x32xf32>
}
