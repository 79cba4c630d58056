// A two-layer Jamba-style hybrid (MATH.md §3), the README's built-in example.
//   layer 0: Mamba mixer (with Jamba's dt/B/C RMSNorms) + top-2 MoE FFN
//   layer 1: causal GQA attention (4 query heads over 2 kv heads, no RoPE)
//            + dense SwiGLU MLP
// hidden 64, vocab 256, d_inner 128, d_state 16, dt_rank 4, conv width 4,
// 16 tokens. Weights are function arguments in Hugging Face's layouts; A is
// -exp(A_log), computed when the checkpoint is loaded. RMSNorm eps is the
// default 1e-6, as in Jamba.

func.func @jamba_forward(
    %ids: tensor<1x16xi64>, %embed: tensor<256x64xf32>,
    // layer 0: Mamba
    %in_norm0: tensor<64xf32>, %in_proj: tensor<256x64xf32>,
    %conv_w: tensor<128x4xf32>, %conv_b: tensor<128xf32>, %x_proj: tensor<36x128xf32>,
    %dt_norm: tensor<4xf32>, %b_norm: tensor<16xf32>, %c_norm: tensor<16xf32>,
    %dt_proj: tensor<128x4xf32>, %dt_bias: tensor<128xf32>,
    %A: tensor<128x16xf32>, %D: tensor<128xf32>, %out_proj: tensor<64x128xf32>,
    // layer 0: MoE
    %ff_norm0: tensor<64xf32>, %router: tensor<4x64xf32>, %e_gate: tensor<4x128x64xf32>,
    %e_up: tensor<4x128x64xf32>, %e_down: tensor<4x64x128xf32>,
    // layer 1: attention
    %in_norm1: tensor<64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>,
    %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    // layer 1: MLP
    %ff_norm1: tensor<64xf32>, %m_gate: tensor<128x64xf32>, %m_up: tensor<128x64xf32>,
    %m_down: tensor<64x128xf32>,
    %final_norm: tensor<64xf32>) -> tensor<1x16x256xf32> {
  %h0 = hybrid.embedding %ids, %embed : (tensor<1x16xi64>, tensor<256x64xf32>) -> tensor<1x16x64xf32>

  // ---- layer 0, mixer: Mamba --------------------------------------------
  %n0 = hybrid.rms_norm %h0, %in_norm0 : tensor<1x16x64xf32>, tensor<64xf32>
  %xz = hybrid.linear %n0, %in_proj : (tensor<1x16x64xf32>, tensor<256x64xf32>) -> tensor<1x16x256xf32>
  %x = tensor.extract_slice %xz[0, 0, 0] [1, 16, 128] [1, 1, 1] : tensor<1x16x256xf32> to tensor<1x16x128xf32>
  %z = tensor.extract_slice %xz[0, 0, 128] [1, 16, 128] [1, 1, 1] : tensor<1x16x256xf32> to tensor<1x16x128xf32>
  %xc, %conv_state = hybrid.causal_conv1d %x, %conv_w bias(%conv_b) {activation = #hybrid.act<silu>}
      : (tensor<1x16x128xf32>, tensor<128x4xf32>, tensor<128xf32>) -> (tensor<1x16x128xf32>, tensor<1x128x3xf32>)
  %dbc = hybrid.linear %xc, %x_proj : (tensor<1x16x128xf32>, tensor<36x128xf32>) -> tensor<1x16x36xf32>
  %dt_low = tensor.extract_slice %dbc[0, 0, 0] [1, 16, 4] [1, 1, 1] : tensor<1x16x36xf32> to tensor<1x16x4xf32>
  %b_raw = tensor.extract_slice %dbc[0, 0, 4] [1, 16, 16] [1, 1, 1] : tensor<1x16x36xf32> to tensor<1x16x16xf32>
  %c_raw = tensor.extract_slice %dbc[0, 0, 20] [1, 16, 16] [1, 1, 1] : tensor<1x16x36xf32> to tensor<1x16x16xf32>
  %dt_n = hybrid.rms_norm %dt_low, %dt_norm : tensor<1x16x4xf32>, tensor<4xf32>
  %b_n = hybrid.rms_norm %b_raw, %b_norm : tensor<1x16x16xf32>, tensor<16xf32>
  %c_n = hybrid.rms_norm %c_raw, %c_norm : tensor<1x16x16xf32>, tensor<16xf32>
  %delta = hybrid.linear %dt_n, %dt_proj : (tensor<1x16x4xf32>, tensor<128x4xf32>) -> tensor<1x16x128xf32>
  %y, %ssm_state = hybrid.selective_scan %xc, %delta, %A, %b_n, %c_n D(%D) z(%z) delta_bias(%dt_bias) {delta_softplus}
      : (tensor<1x16x128xf32>, tensor<1x16x128xf32>, tensor<128x16xf32>, tensor<1x16x16xf32>, tensor<1x16x16xf32>,
         tensor<128xf32>, tensor<1x16x128xf32>, tensor<128xf32>) -> (tensor<1x16x128xf32>, tensor<1x128x16xf32>)
  %mix0 = hybrid.linear %y, %out_proj : (tensor<1x16x128xf32>, tensor<64x128xf32>) -> tensor<1x16x64xf32>
  %h1 = arith.addf %h0, %mix0 : tensor<1x16x64xf32>

  // ---- layer 0, FFN: top-2 MoE, no renormalisation ----------------------
  %f0 = hybrid.rms_norm %h1, %ff_norm0 : tensor<1x16x64xf32>, tensor<64xf32>
  %moe = hybrid.moe %f0, %router, %e_gate, %e_up, %e_down {top_k = 2}
      : (tensor<1x16x64xf32>, tensor<4x64xf32>, tensor<4x128x64xf32>, tensor<4x128x64xf32>,
         tensor<4x64x128xf32>) -> tensor<1x16x64xf32>
  %h2 = arith.addf %h1, %moe : tensor<1x16x64xf32>

  // ---- layer 1, mixer: causal GQA attention -----------------------------
  %n1 = hybrid.rms_norm %h2, %in_norm1 : tensor<1x16x64xf32>, tensor<64xf32>
  %q_flat = hybrid.linear %n1, %wq : (tensor<1x16x64xf32>, tensor<64x64xf32>) -> tensor<1x16x64xf32>
  %k_flat = hybrid.linear %n1, %wk : (tensor<1x16x64xf32>, tensor<32x64xf32>) -> tensor<1x16x32xf32>
  %v_flat = hybrid.linear %n1, %wv : (tensor<1x16x64xf32>, tensor<32x64xf32>) -> tensor<1x16x32xf32>
  %q = hybrid.split_heads %q_flat {heads = 4} : tensor<1x16x64xf32> -> tensor<1x4x16x16xf32>
  %k = hybrid.split_heads %k_flat {heads = 2} : tensor<1x16x32xf32> -> tensor<1x2x16x16xf32>
  %v = hybrid.split_heads %v_flat {heads = 2} : tensor<1x16x32xf32> -> tensor<1x2x16x16xf32>
  %attn = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>}
      : (tensor<1x4x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) -> tensor<1x4x16x16xf32>
  %merged = hybrid.merge_heads %attn : tensor<1x4x16x16xf32> -> tensor<1x16x64xf32>
  %mix1 = hybrid.linear %merged, %wo : (tensor<1x16x64xf32>, tensor<64x64xf32>) -> tensor<1x16x64xf32>
  %h3 = arith.addf %h2, %mix1 : tensor<1x16x64xf32>

  // ---- layer 1, FFN: dense SwiGLU ---------------------------------------
  %f1 = hybrid.rms_norm %h3, %ff_norm1 : tensor<1x16x64xf32>, tensor<64xf32>
  %mlp = hybrid.gated_mlp %f1, %m_gate, %m_up, %m_down
      : (tensor<1x16x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<1x16x64xf32>
  %h4 = arith.addf %h3, %mlp : tensor<1x16x64xf32>

  // ---- head: final norm, tied LM head ------------------------------------
  %hf = hybrid.rms_norm %h4, %final_norm : tensor<1x16x64xf32>, tensor<64xf32>
  %logits = hybrid.linear %hf, %embed : (tensor<1x16x64xf32>, tensor<256x64xf32>) -> tensor<1x16x256xf32>
  return %logits : tensor<1x16x256xf32>
}
