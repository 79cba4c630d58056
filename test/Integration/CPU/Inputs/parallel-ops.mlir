// The ops whose compiled loops are shared among threads (besides the linear
// layers of gemm-shapes.mlir): flash attention's query tiles, with a causal
// mask and with a window + softcap + GQA, and the Mamba-1 scan's channel
// chunks (64 channels: 4 chunks of 16) with D, z, Δ bias and an initial state.
// @rows: query tiles of 6 and 5 rows (the softmax's row loop takes 2 rows,
// then 1, per iteration) over several key tiles (3 of 64 keys with
// AVX-512). @cache: a bias with a batch and a head dim (each work item
// slices its own), a query tile of 16 rows, so each visited key tile is
// transposed by its item, and d = 16: that scratch tile then has the
// scores scratch's type (two such iter_args once shared one buffer).

func.func @causal(%q: tensor<1x4x200x32xf32>, %k: tensor<1x4x200x32xf32>, %v: tensor<1x4x200x32xf32>) -> tensor<1x4x200x32xf32> {
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>}
      : (tensor<1x4x200x32xf32>, tensor<1x4x200x32xf32>, tensor<1x4x200x32xf32>) -> tensor<1x4x200x32xf32>
  return %o : tensor<1x4x200x32xf32>
}

func.func @window(%q: tensor<2x8x300x16xf32>, %k: tensor<2x2x300x16xf32>, %v: tensor<2x2x300x16xf32>) -> tensor<2x8x300x16xf32> {
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal, window = 70>, softcap = 5.0 : f32}
      : (tensor<2x8x300x16xf32>, tensor<2x2x300x16xf32>, tensor<2x2x300x16xf32>) -> tensor<2x8x300x16xf32>
  return %o : tensor<2x8x300x16xf32>
}

func.func @scan(%x: tensor<2x9x64xf32>, %dt: tensor<2x9x64xf32>, %alog: tensor<64x16xf32>,
                %B: tensor<2x9x16xf32>, %C: tensor<2x9x16xf32>, %D: tensor<64xf32>,
                %z: tensor<2x9x64xf32>, %bias: tensor<64xf32>, %h0: tensor<2x64x16xf32>)
    -> (tensor<2x9x64xf32>, tensor<2x64x16xf32>) {
  %e = math.exp %alog : tensor<64x16xf32>
  %A = arith.negf %e : tensor<64x16xf32>
  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) delta_bias(%bias) init(%h0) {delta_softplus}
      : (tensor<2x9x64xf32>, tensor<2x9x64xf32>, tensor<64x16xf32>, tensor<2x9x16xf32>,
         tensor<2x9x16xf32>, tensor<64xf32>, tensor<2x9x64xf32>, tensor<64xf32>, tensor<2x64x16xf32>)
      -> (tensor<2x9x64xf32>, tensor<2x64x16xf32>)
  return %y, %h : tensor<2x9x64xf32>, tensor<2x64x16xf32>
}

func.func @rows(%q: tensor<2x4x6x16xf32>, %k: tensor<2x2x150x16xf32>, %v: tensor<2x2x150x16xf32>,
                %q5: tensor<1x2x5x16xf32>, %k5: tensor<1x2x150x16xf32>, %v5: tensor<1x2x150x16xf32>)
    -> (tensor<2x4x6x16xf32>, tensor<1x2x5x16xf32>) {
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>}
      : (tensor<2x4x6x16xf32>, tensor<2x2x150x16xf32>, tensor<2x2x150x16xf32>) -> tensor<2x4x6x16xf32>
  %o5 = hybrid.attention %q5, %k5, %v5 {mask = #hybrid.mask<none>}
      : (tensor<1x2x5x16xf32>, tensor<1x2x150x16xf32>, tensor<1x2x150x16xf32>) -> tensor<1x2x5x16xf32>
  return %o, %o5 : tensor<2x4x6x16xf32>, tensor<1x2x5x16xf32>
}

func.func @cache(%q: tensor<2x4x16x16xf32>, %k: tensor<2x2x150x16xf32>, %v: tensor<2x2x150x16xf32>,
                 %bias: tensor<2x4x16x150xf32>) -> tensor<2x4x16x16xf32> {
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>, softcap = 5.0 : f32}
      : (tensor<2x4x16x16xf32>, tensor<2x2x150x16xf32>, tensor<2x2x150x16xf32>, tensor<2x4x16x150xf32>)
      -> tensor<2x4x16x16xf32>
  return %o : tensor<2x4x16x16xf32>
}

// Mamba-2's SSD scan in its chunked form (a chunk of 64, then 16 steps):
// C·Bᵀ per (batch, group, chunk) and one tile per (batch, head), shared
// among the threads.
func.func @ssd(%x: tensor<2x80x4x8xf32>, %dt: tensor<2x80x4xf32>, %alog: tensor<4xf32>,
               %B: tensor<2x80x2x16xf32>, %C: tensor<2x80x2x16xf32>, %D: tensor<4xf32>,
               %z: tensor<2x80x4x8xf32>, %s0: tensor<2x4x8x16xf32>)
    -> (tensor<2x80x4x8xf32>, tensor<2x4x8x16xf32>) {
  %e = math.exp %alog : tensor<4xf32>
  %A = arith.negf %e : tensor<4xf32>
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) z(%z) init(%s0) {dt_softplus}
      : (tensor<2x80x4x8xf32>, tensor<2x80x4xf32>, tensor<4xf32>, tensor<2x80x2x16xf32>,
         tensor<2x80x2x16xf32>, tensor<4xf32>, tensor<2x80x4x8xf32>, tensor<2x4x8x16xf32>)
      -> (tensor<2x80x4x8xf32>, tensor<2x4x8x16xf32>)
  return %y, %s : tensor<2x80x4x8xf32>, tensor<2x4x8x16xf32>
}
