// A Universal Transformer encoder with Adaptive Computation Time (MATH.md
// §7): one shared pre-norm attention + FFN block applied up to 6 times, each
// position halting on its own (threshold 0.99).
// At the start of every step the coordinate signal P + S_t is added;
// `%timing` holds it precomputed per step as [max_steps, batch, seq, hidden].
// hidden 16, 8 tokens, 2 heads; LayerNorm eps 1e-6 (tensor2tensor).

func.func @universal_transformer(
    %x: tensor<1x8x16xf32>, %timing: tensor<6x1x8x16xf32>,
    %halt_w: tensor<1x16xf32>, %halt_b: tensor<1xf32>,
    %ln1_w: tensor<16xf32>, %ln1_b: tensor<16xf32>, %wqkv: tensor<48x16xf32>, %wo: tensor<16x16xf32>,
    %ln2_w: tensor<16xf32>, %ln2_b: tensor<16xf32>,
    %w1: tensor<64x16xf32>, %b1: tensor<64xf32>, %w2: tensor<16x64xf32>, %b2: tensor<16xf32>,
    %out_w: tensor<16xf32>, %out_b: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 6 halt_threshold = 0.99 : tensor<1x8x16xf32> {
  ^bb0(%state: tensor<1x8x16xf32>, %step: index):
    %signal = tensor.extract_slice %timing[%step, 0, 0, 0] [1, 1, 8, 16] [1, 1, 1, 1]
        : tensor<6x1x8x16xf32> to tensor<1x8x16xf32>
    %s = arith.addf %state, %signal : tensor<1x8x16xf32>

    // Halting probability p = sigmoid(Dense(s)).
    %logit = hybrid.linear %s, %halt_w bias(%halt_b) : (tensor<1x8x16xf32>, tensor<1x16xf32>, tensor<1xf32>) -> tensor<1x8x1xf32>
    %p3 = hybrid.activation %logit {kind = #hybrid.act<sigmoid>} : tensor<1x8x1xf32>
    %p = tensor.collapse_shape %p3 [[0], [1, 2]] : tensor<1x8x1xf32> into tensor<1x8xf32>

    // Shared block: x + Attn(LN(x)), then x + FFN(LN(x)).
    %a_in = hybrid.layer_norm %s weight(%ln1_w) bias(%ln1_b) {eps = 1.0e-6 : f32}
        : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
    %qkv = hybrid.linear %a_in, %wqkv : (tensor<1x8x16xf32>, tensor<48x16xf32>) -> tensor<1x8x48xf32>
    %q_flat = tensor.extract_slice %qkv[0, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<1x8x48xf32> to tensor<1x8x16xf32>
    %k_flat = tensor.extract_slice %qkv[0, 0, 16] [1, 8, 16] [1, 1, 1] : tensor<1x8x48xf32> to tensor<1x8x16xf32>
    %v_flat = tensor.extract_slice %qkv[0, 0, 32] [1, 8, 16] [1, 1, 1] : tensor<1x8x48xf32> to tensor<1x8x16xf32>
    %q = hybrid.split_heads %q_flat {heads = 2} : tensor<1x8x16xf32> -> tensor<1x2x8x8xf32>
    %k = hybrid.split_heads %k_flat {heads = 2} : tensor<1x8x16xf32> -> tensor<1x2x8x8xf32>
    %v = hybrid.split_heads %v_flat {heads = 2} : tensor<1x8x16xf32> -> tensor<1x2x8x8xf32>
    %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>}
        : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
    %o_flat = hybrid.merge_heads %o : tensor<1x2x8x8xf32> -> tensor<1x8x16xf32>
    %attn = hybrid.linear %o_flat, %wo : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
    %h = arith.addf %s, %attn : tensor<1x8x16xf32>
    %f_in = hybrid.layer_norm %h weight(%ln2_w) bias(%ln2_b) {eps = 1.0e-6 : f32}
        : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
    %f1 = hybrid.linear %f_in, %w1 bias(%b1) : (tensor<1x8x16xf32>, tensor<64x16xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
    %f1a = hybrid.activation %f1 {kind = #hybrid.act<relu>} : tensor<1x8x64xf32>
    %f2 = hybrid.linear %f1a, %w2 bias(%b2) : (tensor<1x8x64xf32>, tensor<16x64xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
    %next = arith.addf %h, %f2 : tensor<1x8x16xf32>
    hybrid.yield %next, %p : tensor<1x8x16xf32>, tensor<1x8xf32>
  }
  %out = hybrid.layer_norm %y weight(%out_w) bias(%out_b) {eps = 1.0e-6 : f32}
      : (tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  return %out : tensor<1x8x16xf32>
}
