// A pre-norm causal self-attention block, compiled ahead of time:
//   hybrid-compile examples/aot/layer.mlir --emit=shared-lib -o liblayer.so
// and called from C by examples/aot/main.c through its C interface.
func.func @layer(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %norm: tensor<16xf32>)
    -> tensor<1x8x16xf32> {
  %n = hybrid.rms_norm %x, %norm : tensor<1x8x16xf32>, tensor<16xf32>
  %q_flat = hybrid.linear %n, %wq : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
  %q = hybrid.split_heads %q_flat {heads = 2} : tensor<1x8x16xf32> -> tensor<1x2x8x8xf32>
  %kv = hybrid.split_heads %n {heads = 2} : tensor<1x8x16xf32> -> tensor<1x2x8x8xf32>
  %o = hybrid.attention %q, %kv, %kv {mask = #hybrid.mask<causal, window = 4>}
      : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %merged = hybrid.merge_heads %o : tensor<1x2x8x8xf32> -> tensor<1x8x16xf32>
  %y = arith.addf %x, %merged : tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}
