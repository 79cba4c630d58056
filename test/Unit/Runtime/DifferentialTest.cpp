//===- DifferentialTest.cpp - Every op, compiled vs reference -------------===//
//
// The grid of the CPU issue: seq 1, 2, 17, 128, 300; windows 1, 3, 64 and
// beyond the sequence; causal and not; GQA ratios 1, 2, 4; global tokens at
// the start, middle and end; softcap; q_offset > 0; odd sizes; scans with and
// without initial state and gate; MoE top-1/top-2; ACT halting at different
// steps. Tolerance 1e-4 of the output's scale (fp32 compiled code against a
// double-accumulating reference; MATH.md §9). Each test runs for the CPU and
// through the GPU kernels emulated on the host.
//
//===----------------------------------------------------------------------===//

#include "Differential.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir::hybrid::testing;

namespace {

// Every test runs twice: compiled for the CPU, and through the kernels
// hybrid-gpu-pipeline makes, each run on the host as a loop over its GPU
// threads (the GPU mapping checked where there is no GPU).
enum class CompiledFor { CPU, EmulatedGPU };

class Differential : public ::testing::TestWithParam<CompiledFor> {
protected:
  void SetUp() override { setEmulateGPUKernels(GetParam() == CompiledFor::EmulatedGPU); }
  void TearDown() override { setEmulateGPUKernels(false); }
};

INSTANTIATE_TEST_SUITE_P(Targets, Differential,
                         ::testing::Values(CompiledFor::CPU, CompiledFor::EmulatedGPU),
                         [](const ::testing::TestParamInfo<CompiledFor> &info) {
                           return info.param == CompiledFor::CPU ? "CPU" : "EmulatedGPU";
                         });

std::string attentionSource(int64_t b, int64_t h, int64_t hkv, int64_t sq,
                            int64_t sk, int64_t d, int64_t dv,
                            const std::string &mask, const std::string &attrs,
                            bool bias = false) {
  std::string biasArg = bias ? ", %bias: tensor<{B}x1x1x{SK}xf32>" : "";
  std::string biasUse = bias ? " bias(%bias)" : "";
  std::string biasType = bias ? ", tensor<{B}x1x1x{SK}xf32>" : "";
  return format(
      "func.func @f(%q: tensor<{B}x{H}x{SQ}x{D}xf32>, %k: tensor<{B}x{HKV}x{SK}x{D}xf32>,"
      " %v: tensor<{B}x{HKV}x{SK}x{DV}xf32>" + biasArg + ") -> tensor<{B}x{H}x{SQ}x{DV}xf32> {\n"
      "  %o = hybrid.attention %q, %k, %v" + biasUse + " {mask = #hybrid.mask<{MASK}>{ATTRS}}\n"
      "      : (tensor<{B}x{H}x{SQ}x{D}xf32>, tensor<{B}x{HKV}x{SK}x{D}xf32>,"
      " tensor<{B}x{HKV}x{SK}x{DV}xf32>" + biasType + ") -> tensor<{B}x{H}x{SQ}x{DV}xf32>\n"
      "  return %o : tensor<{B}x{H}x{SQ}x{DV}xf32>\n}\n",
      {{"B", std::to_string(b)}, {"H", std::to_string(h)},
       {"HKV", std::to_string(hkv)}, {"SQ", std::to_string(sq)},
       {"SK", std::to_string(sk)}, {"D", std::to_string(d)},
       {"DV", std::to_string(dv)}, {"MASK", mask}, {"ATTRS", attrs}});
}

TEST_P(Differential, AttentionSequenceLengths) {
  for (int64_t seq : {1, 2, 17, 128, 300})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 2, 2, seq, seq, 16, 16, "causal", ""), "f", seq))
        << "seq " << seq;
}

TEST_P(Differential, AttentionMasks) {
  const int64_t seq = 37;
  for (std::string mask :
       {"none", "causal", "causal, window = 1", "causal, window = 3",
        "causal, window = 64", "local = 2", "local = 3, global = [0]",
        "local = 3, global = [18]", "local = 3, global = [36]",
        "local = 1, global = [0, 18, 36]"})
    EXPECT_TRUE(matchesReference(
        attentionSource(2, 2, 2, seq, seq, 8, 8, mask, ""), "f", 7))
        << mask;
}

TEST_P(Differential, AttentionMasksTiled) {
  // Long enough for the tiled (FlashAttention) form with mask-driven tile
  // skipping; 150 is no multiple of the tiles, so both axes are padded.
  const int64_t seq = 150;
  for (std::string mask :
       {"none", "causal", "causal, window = 1", "causal, window = 3",
        "causal, window = 64", "causal, window = 100", "local = 5",
        "local = 3, global = [0]", "local = 3, global = [75]",
        "local = 3, global = [149]", "local = 1, global = [0, 70, 149]"})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 2, 1, seq, seq, 8, 8, mask, ", softcap = 3.0 : f32"),
        "f", 12))
        << mask;
  // Queries at positions 130..199 over 200 keys (a prefill continuing a cache).
  for (std::string mask : {"causal", "causal, window = 40", "local = 9, global = [3]"})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 4, 2, 70, 200, 8, 8, mask, ", q_offset = 130"), "f", 14))
        << mask << " with q_offset";
}

TEST_P(Differential, AttentionAllGlobal) {
  std::string all;
  for (int i = 0; i < 9; ++i)
    all += (i ? ", " : "") + std::to_string(i);
  EXPECT_TRUE(matchesReference(
      attentionSource(1, 1, 1, 9, 9, 4, 4, "local = 0, global = [" + all + "]", ""),
      "f", 3));
}

TEST_P(Differential, AttentionGroupedQueryRatios) {
  for (int64_t kvHeads : {4, 2, 1})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 4, kvHeads, 17, 17, 8, 8, "causal, window = 5", ""),
        "f", 11))
        << "kv heads " << kvHeads;
}

TEST_P(Differential, AttentionSoftcapScaleBiasOddSizes) {
  EXPECT_TRUE(matchesReference(
      attentionSource(1, 2, 1, 13, 13, 7, 5, "causal",
                      ", softcap = 2.0 : f32, scale = 1.5 : f32"),
      "f", 5));
  EXPECT_TRUE(matchesReference(
      attentionSource(2, 3, 3, 11, 11, 5, 3, "none", "", /*bias=*/true), "f", 6));
}

TEST_P(Differential, AttentionQueryOffset) {
  // Three new queries at positions 17..19 over 20 cached keys.
  for (std::string mask : {"causal", "causal, window = 4", "local = 2, global = [1]"})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 2, 1, 3, 20, 8, 8, mask, ", q_offset = 17"), "f", 9))
        << mask;
}

TEST_P(Differential, RelAttention) {
  for (std::string mask : {"causal", "causal, window = 8"})
    EXPECT_TRUE(matchesReference(
        format("func.func @f(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x12x8xf32>,"
               " %v: tensor<1x2x12x6xf32>, %r: tensor<2x12x8xf32>, %u: tensor<2x8xf32>,"
               " %w: tensor<2x8xf32>) -> tensor<1x2x5x6xf32> {\n"
               "  %o = hybrid.rel_attention %q, %k, %v, %r, %u, %w {mask = #hybrid.mask<{M}>}\n"
               "      : (tensor<1x2x5x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x6xf32>,"
               " tensor<2x12x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<1x2x5x6xf32>\n"
               "  return %o : tensor<1x2x5x6xf32>\n}\n",
               {{"M", mask}}),
        "f", 4))
        << mask;
}

TEST_P(Differential, RelAttentionOverAPartlyFilledMemory) {
  // Generation: 7 memory rows of which the first 4 are still empty at p = 3,
  // hidden by a shift-register cache_bias.
  EXPECT_TRUE(matchesReference(
      "func.func @f(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x12x8xf32>,"
      " %v: tensor<1x2x12x6xf32>, %r: tensor<2x12x8xf32>, %u: tensor<2x8xf32>,"
      " %w: tensor<2x8xf32>) -> tensor<1x2x5x6xf32> {\n"
      "  %p = arith.constant dense<[[3, 4, 5, 6, 7]]> : tensor<1x5xi64>\n"
      "  %b = hybrid.cache_bias %p {capacity = 7 : i64, shift}"
      " : tensor<1x5xi64> -> tensor<1x1x5x12xf32>\n"
      "  %o = hybrid.rel_attention %q, %k, %v, %r, %u, %w bias(%b) {mask = #hybrid.mask<causal>}\n"
      "      : (tensor<1x2x5x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x6xf32>,"
      " tensor<2x12x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<1x1x5x12xf32>)"
      " -> tensor<1x2x5x6xf32>\n"
      "  return %o : tensor<1x2x5x6xf32>\n}\n",
      "f", 5));
}

TEST_P(Differential, LinearAttention) {
  for (auto [seq, mask] : {std::pair<int, const char *>{1, "causal"},
                           {17, "causal"}, {64, "causal"}, {17, "none"}})
    EXPECT_TRUE(matchesReference(
        format("func.func @f(%q: tensor<1x4x{S}x6xf32>, %k: tensor<1x2x{S}x6xf32>,"
               " %v: tensor<1x2x{S}x5xf32>) -> tensor<1x4x{S}x5xf32> {\n"
               "  %o = hybrid.linear_attention %q, %k, %v {mask = #hybrid.mask<{M}>}\n"
               "      : (tensor<1x4x{S}x6xf32>, tensor<1x2x{S}x6xf32>, tensor<1x2x{S}x5xf32>)"
               " -> tensor<1x4x{S}x5xf32>\n"
               "  return %o : tensor<1x4x{S}x5xf32>\n}\n",
               {{"S", std::to_string(seq)}, {"M", mask}}),
        "f", seq))
        << seq << " " << mask;
}

TEST_P(Differential, LinearAttentionCarriedState) {
  // A chunk from carried sums, and the sums moved past it.
  for (int seq : {1, 13})
    EXPECT_TRUE(matchesReference(
        format("func.func @f(%q: tensor<2x4x{S}x6xf32>, %k: tensor<2x2x{S}x6xf32>,"
               " %v: tensor<2x2x{S}x5xf32>, %s: tensor<2x2x6x5xf32>, %z: tensor<2x2x6xf32>)"
               " -> (tensor<2x4x{S}x5xf32>, tensor<2x2x6x5xf32>, tensor<2x2x6xf32>) {\n"
               "  %o = hybrid.linear_attention %q, %k, %v state(%s, %z)"
               " {mask = #hybrid.mask<causal>}\n"
               "      : (tensor<2x4x{S}x6xf32>, tensor<2x2x{S}x6xf32>, tensor<2x2x{S}x5xf32>,"
               " tensor<2x2x6x5xf32>, tensor<2x2x6xf32>) -> tensor<2x4x{S}x5xf32>\n"
               "  %s1, %z1 = hybrid.linear_attention_state %k, %v, %s, %z\n"
               "      : (tensor<2x2x{S}x6xf32>, tensor<2x2x{S}x5xf32>, tensor<2x2x6x5xf32>,"
               " tensor<2x2x6xf32>) -> (tensor<2x2x6x5xf32>, tensor<2x2x6xf32>)\n"
               "  return %o, %s1, %z1 : tensor<2x4x{S}x5xf32>, tensor<2x2x6x5xf32>,"
               " tensor<2x2x6xf32>\n}\n",
               {{"S", std::to_string(seq)}}),
        "f", seq, /*ranges=*/{{4, {0.5, 3.0}}})) // z is a sum of φ(k) > 0
        << seq;
}

TEST_P(Differential, SelectiveScan) {
  // L = 4 = N: the state [B, N, E] and the output [B, L, E] have one type.
  for (int64_t seq : {1, 2, 4, 17, 128})
    for (bool full : {false, true}) {
      std::string source = format(
          full ? "func.func @f(%x: tensor<2x{L}x13xf32>, %dt: tensor<2x{L}x13xf32>,"
                 " %A: tensor<13x4xf32>, %B: tensor<2x{L}x4xf32>, %C: tensor<2x{L}x4xf32>,"
                 " %D: tensor<13xf32>, %z: tensor<2x{L}x13xf32>, %db: tensor<13xf32>,"
                 " %h0: tensor<2x13x4xf32>) -> (tensor<2x{L}x13xf32>, tensor<2x13x4xf32>) {\n"
                 "  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z)"
                 " delta_bias(%db) init(%h0) {delta_softplus}\n"
                 "      : (tensor<2x{L}x13xf32>, tensor<2x{L}x13xf32>, tensor<13x4xf32>,"
                 " tensor<2x{L}x4xf32>, tensor<2x{L}x4xf32>, tensor<13xf32>,"
                 " tensor<2x{L}x13xf32>, tensor<13xf32>, tensor<2x13x4xf32>)"
                 " -> (tensor<2x{L}x13xf32>, tensor<2x13x4xf32>)\n"
                 "  return %y, %h : tensor<2x{L}x13xf32>, tensor<2x13x4xf32>\n}\n"
               : "func.func @f(%x: tensor<2x{L}x13xf32>, %dt: tensor<2x{L}x13xf32>,"
                 " %A: tensor<13x4xf32>, %B: tensor<2x{L}x4xf32>, %C: tensor<2x{L}x4xf32>)"
                 " -> (tensor<2x{L}x13xf32>, tensor<2x13x4xf32>) {\n"
                 "  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C\n"
                 "      : (tensor<2x{L}x13xf32>, tensor<2x{L}x13xf32>, tensor<13x4xf32>,"
                 " tensor<2x{L}x4xf32>, tensor<2x{L}x4xf32>)"
                 " -> (tensor<2x{L}x13xf32>, tensor<2x13x4xf32>)\n"
                 "  return %y, %h : tensor<2x{L}x13xf32>, tensor<2x13x4xf32>\n}\n",
          {{"L", std::to_string(seq)}});
      // A = -exp(A_log) is negative; Δ positive without softplus.
      EXPECT_TRUE(matchesReference(source, "f", seq,
                                   {{1, {0.0, 0.5}}, {2, {-1.0, -0.1}}}))
          << "seq " << seq << (full ? " with D, z, bias, state" : "");
    }
}

TEST_P(Differential, RGLRU) {
  // Widths 13 (one head, one chunk) and 48 (3 heads; chunks of 16 among
  // the threads); positions in [0, 3), so sequences restart inside the call;
  // with and without a carried state and positions.
  for (int64_t seq : {1, 7, 33})
    for (auto [heads, block] : {std::pair<int64_t, int64_t>{1, 13}, {3, 16}})
      for (int mode = 0; mode < 3; ++mode) {
        const int64_t width = heads * block;
        const bool positions = mode != 0, state = mode == 2;
        std::string args = "%x: tensor<2x{L}x{W}xf32>, %wi: tensor<{H}x{K}x{K}xf32>,"
                           " %bi: tensor<{H}x{K}xf32>, %wa: tensor<{H}x{K}x{K}xf32>,"
                           " %ba: tensor<{H}x{K}xf32>, %lam: tensor<{W}xf32>";
        std::string types = "tensor<2x{L}x{W}xf32>, tensor<{H}x{K}x{K}xf32>, tensor<{H}x{K}xf32>,"
                            " tensor<{H}x{K}x{K}xf32>, tensor<{H}x{K}xf32>, tensor<{W}xf32>";
        std::string extra;
        if (state) {
          args += ", %h0: tensor<2x{W}xf32>";
          types += ", tensor<2x{W}xf32>";
          extra += " init(%h0)";
        }
        if (positions) {
          args += ", %pos: tensor<2x{L}xi64>";
          types += ", tensor<2x{L}xi64>";
          extra += " positions(%pos)";
        }
        std::string source = format(
            "func.func @f(" + args + ") -> (tensor<2x{L}x{W}xf32>, tensor<2x{W}xf32>) {\n"
            "  %y, %h = hybrid.rg_lru %x, %wi, %bi, %wa, %ba, %lam" + extra + "\n"
            "      : (" + types + ") -> (tensor<2x{L}x{W}xf32>, tensor<2x{W}xf32>)\n"
            "  return %y, %h : tensor<2x{L}x{W}xf32>, tensor<2x{W}xf32>\n}\n",
            {{"L", std::to_string(seq)}, {"W", std::to_string(width)},
             {"H", std::to_string(heads)}, {"K", std::to_string(block)}});
        std::map<unsigned, ArgRange> ranges;
        if (positions)
          ranges[state ? 7 : 6] = {0.0, 3.0};
        EXPECT_TRUE(matchesReference(source, "f", seq + mode, ranges))
            << "seq " << seq << " width " << width << " mode " << mode;
      }
}

TEST_P(Differential, SSDScan) {
  // The recurrence (L below one chunk) and the chunked form: one chunk of
  // 64 (chunk_size 256 runs in chunks of at most 64), two full chunks and a
  // shorter last one (batch 2 too), many short chunks; L = N = 5 without a
  // state (the chunked form's two loop-carried tiles have one shape there).
  struct Case {
    int64_t seq, chunk, batch;
    bool state;
  };
  for (Case c : {Case{1, 256, 1, true}, Case{17, 256, 2, true}, Case{64, 256, 1, true},
                 Case{150, 256, 1, true}, Case{150, 256, 2, true}, Case{37, 16, 1, true},
                 Case{5, 4, 1, false}})
    for (int64_t groups : {1, 2}) {
      std::string stateArg = c.state ? ", %s0: tensor<{NB}x4x3x5xf32>" : "";
      std::string stateUse = c.state ? " init(%s0)" : "";
      std::string stateType = c.state ? ", tensor<{NB}x4x3x5xf32>" : "";
      std::string source = format(
          "func.func @f(%x: tensor<{NB}x{L}x4x3xf32>, %dt: tensor<{NB}x{L}x4xf32>,"
          " %A: tensor<4xf32>, %B: tensor<{NB}x{L}x{G}x5xf32>, %C: tensor<{NB}x{L}x{G}x5xf32>,"
          " %D: tensor<4xf32>, %z: tensor<{NB}x{L}x4x3xf32>, %db: tensor<4xf32>" + stateArg +
          ") -> (tensor<{NB}x{L}x4x3xf32>, tensor<{NB}x4x3x5xf32>) {\n"
          "  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) z(%z) dt_bias(%db)" + stateUse +
          " {dt_softplus, dt_min = 0.05 : f32, dt_max = 1.5 : f32, chunk_size = {Q} : i64}\n"
          "      : (tensor<{NB}x{L}x4x3xf32>, tensor<{NB}x{L}x4xf32>, tensor<4xf32>,"
          " tensor<{NB}x{L}x{G}x5xf32>, tensor<{NB}x{L}x{G}x5xf32>, tensor<4xf32>,"
          " tensor<{NB}x{L}x4x3xf32>, tensor<4xf32>" + stateType + ")"
          " -> (tensor<{NB}x{L}x4x3xf32>, tensor<{NB}x4x3x5xf32>)\n"
          "  return %y, %s : tensor<{NB}x{L}x4x3xf32>, tensor<{NB}x4x3x5xf32>\n}\n",
          {{"L", std::to_string(c.seq)}, {"G", std::to_string(groups)},
           {"Q", std::to_string(c.chunk)}, {"NB", std::to_string(c.batch)}});
      EXPECT_TRUE(matchesReference(source, "f", c.seq, {{2, {-1.0, -0.1}}}))
          << "seq " << c.seq << " chunk " << c.chunk << " batch " << c.batch << " groups "
          << groups << (c.state ? " with a state" : "");
    }
}

TEST_P(Differential, CausalConv1D) {
  for (int64_t kernel : {2, 4})
    for (int64_t seq : {1, 3, 17})
      for (bool withState : {false, true}) {
        std::string stateArg = withState ? ", %s0: tensor<2x5x{KM1}xf32>" : "";
        std::string stateUse = withState ? " state(%s0)" : "";
        std::string stateType = withState ? ", tensor<2x5x{KM1}xf32>" : "";
        std::string source = format(
            "func.func @f(%x: tensor<2x{L}x5xf32>, %w: tensor<5x{K}xf32>,"
            " %b: tensor<5xf32>" + stateArg + ") -> (tensor<2x{L}x5xf32>, tensor<2x5x{KM1}xf32>) {\n"
            "  %y, %s = hybrid.causal_conv1d %x, %w bias(%b)" + stateUse +
            " {activation = #hybrid.act<silu>}\n"
            "      : (tensor<2x{L}x5xf32>, tensor<5x{K}xf32>, tensor<5xf32>" + stateType +
            ") -> (tensor<2x{L}x5xf32>, tensor<2x5x{KM1}xf32>)\n"
            "  return %y, %s : tensor<2x{L}x5xf32>, tensor<2x5x{KM1}xf32>\n}\n",
            {{"L", std::to_string(seq)}, {"K", std::to_string(kernel)},
             {"KM1", std::to_string(kernel - 1)}});
        EXPECT_TRUE(matchesReference(source, "f", seq + kernel))
            << "kernel " << kernel << " seq " << seq << (withState ? " state" : "");
      }
}

TEST_P(Differential, Conv2D) {
  struct Case {
    const char *in, *w, *out, *attrs;
  };
  for (Case c : {Case{"1x3x8x8", "4x3x3x3", "1x4x6x6", ""},
                 Case{"1x3x16x16", "8x3x7x7", "1x8x4x4",
                      "{strides = array<i64: 4, 4>, padding = array<i64: 2, 2>}"},
                 Case{"2x6x9x9", "6x1x3x3", "2x6x5x5",
                      "{strides = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 6 : i64}"},
                 Case{"1x4x9x7", "6x2x3x2", "1x6x5x6",
                      "{dilations = array<i64: 2, 1>, groups = 2 : i64}"},
                 // Dense (im2col) with a batch, dilation and unequal strides.
                 Case{"2x3x9x8", "5x3x3x2", "2x5x4x4",
                      "{strides = array<i64: 2, 2>, padding = array<i64: 1, 0>,"
                      " dilations = array<i64: 2, 1>}"}}) {
    std::string source = format(
        "func.func @f(%x: tensor<{IN}xf32>, %w: tensor<{W}xf32>, %b: tensor<{C}xf32>)"
        " -> tensor<{OUT}xf32> {\n"
        "  %y = hybrid.conv2d %x, %w bias(%b) {ATTRS}"
        " : (tensor<{IN}xf32>, tensor<{W}xf32>, tensor<{C}xf32>) -> tensor<{OUT}xf32>\n"
        "  return %y : tensor<{OUT}xf32>\n}\n",
        {{"IN", c.in}, {"W", c.w}, {"OUT", c.out}, {"ATTRS", c.attrs},
         {"C", std::string(c.w).substr(0, std::string(c.w).find('x'))}});
    EXPECT_TRUE(matchesReference(source, "f", 2)) << c.in << " * " << c.w;
  }
}

TEST_P(Differential, Memory) {
  for (bool gate : {false, true}) {
    std::string source = format(
        "func.func @f(%m: tensor<2x5x7xf32>, %k: tensor<2x3x7xf32>, %s: tensor<2x3xf32>,"
        " %e: tensor<2x3x7xf32>, %a: tensor<2x3x7xf32>{GA}) -> (tensor<2x3x7xf32>, tensor<2x5x7xf32>,"
        " tensor<2x3x7xf32>, tensor<2x5x7xf32>) {\n"
        "  %r = hybrid.memory_read %m, %k, %s"
        " : (tensor<2x5x7xf32>, tensor<2x3x7xf32>, tensor<2x3xf32>) -> tensor<2x3x7xf32>\n"
        "  %w = hybrid.memory_write %m, %k, %s, %e, %a{GU}"
        " : (tensor<2x5x7xf32>, tensor<2x3x7xf32>, tensor<2x3xf32>, tensor<2x3x7xf32>,"
        " tensor<2x3x7xf32>{GT}) -> tensor<2x5x7xf32>\n"
        // Interleaved: reads keyed by %a see the writes of earlier tokens.
        "  %rr, %mm = hybrid.memory_read_write %m read(%a, %s) write(%k, %s, %e, %a){GU}"
        " : (tensor<2x5x7xf32>, tensor<2x3x7xf32>, tensor<2x3xf32>, tensor<2x3x7xf32>,"
        " tensor<2x3xf32>, tensor<2x3x7xf32>, tensor<2x3x7xf32>{GT})"
        " -> (tensor<2x3x7xf32>, tensor<2x5x7xf32>)\n"
        "  return %r, %w, %rr, %mm : tensor<2x3x7xf32>, tensor<2x5x7xf32>, tensor<2x3x7xf32>,"
        " tensor<2x5x7xf32>\n}\n",
        {{"GA", gate ? ", %g: tensor<2x3xf32>" : ""},
         {"GU", gate ? " gate(%g)" : ""},
         {"GT", gate ? ", tensor<2x3xf32>" : ""}});
    EXPECT_TRUE(matchesReference(source, "f", 8,
                                 {{2, {0.0, 5.0}}, {3, {0.0, 1.0}}, {5, {0.0, 1.0}}}))
        << (gate ? "gated" : "ungated");
  }
}

TEST_P(Differential, MixtureOfExperts) {
  for (int topK : {1, 2})
    for (std::string extra : {"", ", normalize_top_k", ", activation = #hybrid.act<gelu_tanh>"}) {
      std::string source = format(
          "func.func @f(%x: tensor<1x9x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x5x6xf32>,"
          " %u: tensor<4x5x6xf32>, %d: tensor<4x6x5xf32>) -> tensor<1x9x6xf32> {\n"
          "  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = {K} : i64{X}}\n"
          "      : (tensor<1x9x6xf32>, tensor<4x6xf32>, tensor<4x5x6xf32>, tensor<4x5x6xf32>,"
          " tensor<4x6x5xf32>) -> tensor<1x9x6xf32>\n"
          "  return %y : tensor<1x9x6xf32>\n}\n",
          {{"K", std::to_string(topK)}, {"X", extra}});
      // A strong router spreads 9 tokens unevenly over 4 experts.
      EXPECT_TRUE(matchesReference(source, "f", 13, {{1, {-3.0, 3.0}}}))
          << "top " << topK << extra;
    }
}

TEST_P(Differential, GroupLimitedMoEWithARouterInput) {
  // 8 experts in 4 groups, the best 2 compete for the top 3 (or 2 groups,
  // the best one); the router reads a 5-wide input of its own, the experts
  // a 6-wide one.
  for (std::string groups : {"expert_groups = 4, top_groups = 2", "expert_groups = 2, top_groups = 1"}) {
    std::string source = format(
        "func.func @f(%x: tensor<1x9x6xf32>, %ri: tensor<1x9x5xf32>, %r: tensor<8x5xf32>,"
        " %g: tensor<8x4x6xf32>, %u: tensor<8x4x6xf32>, %d: tensor<8x6x4xf32>, %b: tensor<8xf32>)"
        " -> tensor<1x9x6xf32> {\n"
        "  %y = hybrid.moe %x, %r, %g, %u, %d selection_bias(%b) router_input(%ri)"
        " {top_k = 3 : i64, sigmoid_router, normalize_top_k, {G}}\n"
        "      : (tensor<1x9x6xf32>, tensor<8x5xf32>, tensor<8x4x6xf32>, tensor<8x4x6xf32>,"
        " tensor<8x6x4xf32>, tensor<8xf32>, tensor<1x9x5xf32>) -> tensor<1x9x6xf32>\n"
        "  return %y : tensor<1x9x6xf32>\n}\n",
        {{"G", groups}});
    EXPECT_TRUE(matchesReference(source, "f", 17, {{2, {-3.0, 3.0}}})) << groups;
  }
}

TEST_P(Differential, RecurrentDepthFixedAndAdaptive) {
  std::string fixed =
      "func.func @f(%x: tensor<1x4x6xf32>, %w: tensor<6x6xf32>) -> tensor<1x4x6xf32> {\n"
      "  %y = hybrid.recurrent_depth %x max_steps = 3 : tensor<1x4x6xf32> {\n"
      "  ^bb0(%s: tensor<1x4x6xf32>, %step: index):\n"
      "    %l = hybrid.linear %s, %w : (tensor<1x4x6xf32>, tensor<6x6xf32>) -> tensor<1x4x6xf32>\n"
      "    %n = hybrid.activation %l {kind = #hybrid.act<tanh>} : tensor<1x4x6xf32>\n"
      "    hybrid.yield %n : tensor<1x4x6xf32>\n  }\n"
      "  return %y : tensor<1x4x6xf32>\n}\n";
  EXPECT_TRUE(matchesReference(fixed, "f", 1));
  // Halting probabilities from the state: positions halt at different steps.
  std::string act =
      "func.func @f(%x: tensor<2x5x6xf32>, %w: tensor<6x6xf32>, %wh: tensor<1x6xf32>)"
      " -> tensor<2x5x6xf32> {\n"
      "  %y = hybrid.recurrent_depth %x max_steps = 5 halt_threshold = 0.99 : tensor<2x5x6xf32> {\n"
      "  ^bb0(%s: tensor<2x5x6xf32>, %step: index):\n"
      "    %h = hybrid.linear %s, %wh : (tensor<2x5x6xf32>, tensor<1x6xf32>) -> tensor<2x5x1xf32>\n"
      "    %p3 = hybrid.activation %h {kind = #hybrid.act<sigmoid>} : tensor<2x5x1xf32>\n"
      "    %p = tensor.collapse_shape %p3 [[0], [1, 2]] : tensor<2x5x1xf32> into tensor<2x5xf32>\n"
      "    %l = hybrid.linear %s, %w : (tensor<2x5x6xf32>, tensor<6x6xf32>) -> tensor<2x5x6xf32>\n"
      "    %n = hybrid.activation %l {kind = #hybrid.act<tanh>} : tensor<2x5x6xf32>\n"
      "    hybrid.yield %n, %p : tensor<2x5x6xf32>, tensor<2x5xf32>\n  }\n"
      "  return %y : tensor<2x5x6xf32>\n}\n";
  for (unsigned seed : {1u, 2u, 3u})
    EXPECT_TRUE(matchesReference(act, "f", seed, {{2, {-4.0, 4.0}}})) << seed;
}

TEST_P(Differential, BuildingBlocks) {
  std::string source =
      "func.func @f(%ids: tensor<2x7xi32>, %t: tensor<11x12xf32>, %w: tensor<12xf32>,"
      " %bias: tensor<12xf32>, %p: tensor<5x12xf32>, %pb: tensor<5xf32>,"
      " %g: tensor<9x12xf32>, %u: tensor<9x12xf32>, %d: tensor<12x9xf32>, %pos: tensor<2x7xi64>)"
      " -> (tensor<2x7x5xf32>, tensor<2x7x12xf32>, tensor<2x7x12xf32>, tensor<2x7x12xf32>) {\n"
      "  %h = hybrid.embedding %ids, %t {scale = 1.5 : f32} : (tensor<2x7xi32>, tensor<11x12xf32>) -> tensor<2x7x12xf32>\n"
      "  %n1 = hybrid.rms_norm %h, %w {unit_offset} : tensor<2x7x12xf32>, tensor<12xf32>\n"
      "  %n2 = hybrid.layer_norm %n1 weight(%w) bias(%bias) : (tensor<2x7x12xf32>, tensor<12xf32>, tensor<12xf32>) -> tensor<2x7x12xf32>\n"
      "  %n3 = hybrid.layer_norm %h : (tensor<2x7x12xf32>) -> tensor<2x7x12xf32>\n"
      "  %lin = hybrid.linear %n2, %p bias(%pb) : (tensor<2x7x12xf32>, tensor<5x12xf32>, tensor<5xf32>) -> tensor<2x7x5xf32>\n"
      "  %m = hybrid.gated_mlp %n2, %g, %u, %d {activation = #hybrid.act<gelu_tanh>}"
      " : (tensor<2x7x12xf32>, tensor<9x12xf32>, tensor<9x12xf32>, tensor<12x9xf32>) -> tensor<2x7x12xf32>\n"
      "  %sh = hybrid.split_heads %m {heads = 3} : tensor<2x7x12xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r1 = hybrid.rope %sh {theta = 100.0 : f32, position_offset = 5 : i64} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r2 = hybrid.rope %r1 positions(%pos : tensor<2x7xi64>) {interleaved} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r3 = hybrid.rope %r2 {inv_freq = array<f32: 0.7, 0.03>, attention_scaling = 1.3 : f32, position_offset = 2 : i64} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r4 = hybrid.rope %r3 positions(%pos : tensor<2x7xi64>) {inv_freq = array<f32: 0.2, 0.9>, interleaved} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      // Length-dependent scalings: positions reach up to 59, so the long
      // frequencies and a rescaled θ apply; offset 5 + 7 rows reach 12 > 4.
      "  %r5 = hybrid.rope %r4 positions(%pos : tensor<2x7xi64>) {inv_freq = array<f32: 0.2, 0.9>, long_inv_freq = array<f32: 0.05, 0.3>, original_context = 40 : i64} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r6 = hybrid.rope %r5 positions(%pos : tensor<2x7xi64>) {inv_freq = array<f32: 0.4, 0.7>, long_inv_freq = array<f32: 0.01, 0.02>, original_context = 100 : i64} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r7 = hybrid.rope %r6 positions(%pos : tensor<2x7xi64>) {theta = 50.0 : f32, ntk_factor = 3.0 : f32, original_context = 20 : i64} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %r8 = hybrid.rope %r7 {theta = 50.0 : f32, ntk_factor = 2.0 : f32, original_context = 4 : i64, position_offset = 5 : i64, interleaved} : tensor<2x3x7x4xf32> -> tensor<2x3x7x4xf32>\n"
      "  %mh = hybrid.merge_heads %r8 : tensor<2x3x7x4xf32> -> tensor<2x7x12xf32>\n"
      "  %c = hybrid.softcap %mh {cap = 0.5 : f32} : tensor<2x7x12xf32>\n"
      "  return %lin, %c, %n3, %n1 : tensor<2x7x5xf32>, tensor<2x7x12xf32>, tensor<2x7x12xf32>, tensor<2x7x12xf32>\n}\n";
  EXPECT_TRUE(matchesReference(source, "f", 21, {{0, {0, 11}}, {9, {0, 60}}}));
}

TEST_P(Differential, LongformerGlobalTokens) {
  // Runtime global flags (about half the tokens) through mask_bias, the attention's
  // bias path and select_tokens: the dense form, which the Longformer importer
  // used before the flags went to the attention itself (AttentionRuntimeGlobalFlags).
  std::string source =
      "func.func @f(%g: tensor<2x13xi64>, %q: tensor<2x2x13x4xf32>, %k: tensor<2x2x13x4xf32>,"
      " %v: tensor<2x2x13x4xf32>, %other: tensor<2x13x8xf32>)"
      " -> (tensor<2x1x13x13xf32>, tensor<2x13x8xf32>) {\n"
      "  %bias = hybrid.mask_bias %g {mask = #hybrid.mask<local = 2>} : tensor<2x13xi64> -> tensor<2x1x13x13xf32>\n"
      "  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>}"
      " : (tensor<2x2x13x4xf32>, tensor<2x2x13x4xf32>, tensor<2x2x13x4xf32>, tensor<2x1x13x13xf32>) -> tensor<2x2x13x4xf32>\n"
      "  %m = hybrid.merge_heads %o : tensor<2x2x13x4xf32> -> tensor<2x13x8xf32>\n"
      "  %s = hybrid.select_tokens %g, %other, %m : tensor<2x13xi64>, tensor<2x13x8xf32>\n"
      "  %open = math.exp %bias : tensor<2x1x13x13xf32>\n" // 0/-inf -> 1/0, comparable
      "  return %open, %s : tensor<2x1x13x13xf32>, tensor<2x13x8xf32>\n}\n";
  for (unsigned seed : {3u, 4u, 5u})
    EXPECT_TRUE(matchesReference(source, "f", seed, {{0, {0, 2}}}));
}

/// Attention with the runtime global flags `globals` (positions set to 1 in
/// a [2, S] constant; batch 1 adds position 1) over S = 150 tokens, long
/// enough for the tiled form: a set flag must open tiles the mask leaves
/// empty, its row and its column, and nothing else.
std::string globalFlagsSource(const std::string &mask, const std::vector<int64_t> &positions,
                              bool rowsOnly) {
  const int64_t seq = 150;
  std::string flags = "[";
  for (int64_t b = 0; b < 2; ++b) {
    flags += b ? ", [" : "[";
    for (int64_t j = 0; j < seq; ++j) {
      bool set = llvm::is_contained(positions, j) || (b == 1 && j == 1);
      flags += std::string(j ? ", " : "") + (set ? "1" : "0");
    }
    flags += "]";
  }
  flags += "]";
  return format("func.func @f(%q: tensor<2x2x150x8xf32>, %k: tensor<2x1x150x8xf32>,"
                " %v: tensor<2x1x150x8xf32>) -> tensor<2x2x150x8xf32> {\n"
                "  %g = arith.constant dense<{FLAGS}> : tensor<2x150xi64>\n"
                "  %o = hybrid.attention %q, %k, %v globals(%g) {mask = #hybrid.mask<{MASK}>{ROWS}}\n"
                "      : (tensor<2x2x150x8xf32>, tensor<2x1x150x8xf32>, tensor<2x1x150x8xf32>,"
                " tensor<2x150xi64>) -> tensor<2x2x150x8xf32>\n"
                "  return %o : tensor<2x2x150x8xf32>\n}\n",
                {{"FLAGS", flags}, {"MASK", mask},
                 {"ROWS", rowsOnly ? ", global_rows_only" : ""}});
}

TEST_P(Differential, AttentionRuntimeGlobalFlags) {
  const std::vector<std::vector<int64_t>> patterns{{}, {0}, {75}, {149}, {0, 70, 149},
                                                   {31, 32, 63, 64, 127, 128}};
  // global_rows_only with `none` (the importer's form: every tile full, so
  // only the forced row test hides the other rows) and with band masks.
  for (std::string mask : {"local = 3", "local = 40", "causal, window = 5", "none"})
    for (const std::vector<int64_t> &positions : patterns)
      for (bool rowsOnly : {false, true}) {
        if (mask == "causal, window = 5" && rowsOnly)
          continue;
        EXPECT_TRUE(matchesReference(globalFlagsSource(mask, positions, rowsOnly), "f", 21))
            << mask << " with " << positions.size() << " global tokens"
            << (rowsOnly ? ", global rows only" : "");
      }
}

/// A dense<...> literal of [batch, seq] flags: 1 at `positions` (in every
/// batch), 0 elsewhere.
std::string flagLiteral(int64_t batch, int64_t seq, const std::vector<int64_t> &positions) {
  std::string text = "dense<[";
  for (int64_t b = 0; b < batch; ++b) {
    text += b ? ", [" : "[";
    for (int64_t j = 0; j < seq; ++j)
      text += std::string(j ? ", " : "") + (llvm::is_contained(positions, j) ? "1" : "0");
    text += "]";
  }
  return text + "]>";
}

TEST_P(Differential, AttentionRuntimeGlobalFlagsOffsetBiasAndI32) {
  // 70 queries at positions 130..199 over 200 keys: a query reads the flag
  // of its position, not of its row (global keys 5 and 64 lie outside every
  // query's window; 140 and 171 are global queries). i32 and i64 flags,
  // with and without rows only.
  for (const char *flagType : {"i32", "i64"})
    for (const char *rows : {"", ", global_rows_only"}) {
      std::string source = format(
          "func.func @f(%q: tensor<1x2x70x8xf32>, %k: tensor<1x1x200x8xf32>,"
          " %v: tensor<1x1x200x8xf32>) -> tensor<1x2x70x8xf32> {\n"
          "  %g = arith.constant {FLAGS} : tensor<1x200x{T}>\n"
          "  %o = hybrid.attention %q, %k, %v globals(%g) {mask = #hybrid.mask<causal, window = 9>,"
          " q_offset = 130{ROWS}}\n"
          "      : (tensor<1x2x70x8xf32>, tensor<1x1x200x8xf32>, tensor<1x1x200x8xf32>,"
          " tensor<1x200x{T}>) -> tensor<1x2x70x8xf32>\n"
          "  return %o : tensor<1x2x70x8xf32>\n}\n",
          {{"T", flagType}, {"ROWS", rows}, {"FLAGS", flagLiteral(1, 200, {5, 64, 140, 171})}});
      EXPECT_TRUE(matchesReference(source, "f", 31)) << flagType << rows;
    }
  // With a bias too: the unfused form, whatever the length.
  std::string withBias = format(
      "func.func @f(%q: tensor<2x2x150x8xf32>, %k: tensor<2x1x150x8xf32>,"
      " %v: tensor<2x1x150x8xf32>, %b: tensor<2x1x1x150xf32>) -> tensor<2x2x150x8xf32> {\n"
      "  %g = arith.constant {FLAGS} : tensor<2x150xi64>\n"
      "  %o = hybrid.attention %q, %k, %v bias(%b) globals(%g) {mask = #hybrid.mask<local = 4>}\n"
      "      : (tensor<2x2x150x8xf32>, tensor<2x1x150x8xf32>, tensor<2x1x150x8xf32>,"
      " tensor<2x1x1x150xf32>, tensor<2x150xi64>) -> tensor<2x2x150x8xf32>\n"
      "  return %o : tensor<2x2x150x8xf32>\n}\n",
      {{"FLAGS", flagLiteral(2, 150, {0, 80, 149})}});
  EXPECT_TRUE(matchesReference(withBias, "f", 33)) << "with a bias";
}

TEST_P(Differential, PositionIds) {
  // Ids in [0, 3): about a third are the padding id 1.
  std::string source =
      "func.func @f(%ids: tensor<3x11xi64>, %i32: tensor<2x5xi32>) -> (tensor<3x11xi64>, tensor<2x5xi32>) {\n"
      "  %p = hybrid.position_ids %ids {padding_idx = 1} : tensor<3x11xi64>\n"
      "  %q = hybrid.position_ids %i32 {padding_idx = 0} : tensor<2x5xi32>\n"
      "  return %p, %q : tensor<3x11xi64>, tensor<2x5xi32>\n}\n";
  EXPECT_TRUE(matchesReference(source, "f", 9, {{0, {0, 3}}, {1, {0, 2}}}));
}

TEST_P(Differential, KVCacheWriteAndBias) {
  // Positions p in [0, 14) against caches of 5 slots: rings wrapped any
  // number of times, chunks of 1, 3 and 7 tokens (more than the 5 slots),
  // biases of plain caches partly full or full, windows.
  for (int tokens : {1, 3, 7}) {
    std::string source = format(
        "func.func @f(%cache: tensor<2x2x5x4xf32>, %new: tensor<2x2x{n}x4xf32>,"
        " %pos: tensor<2x{n}xi64>) -> (tensor<2x2x5x4xf32>,"
        " tensor<2x1x{n}x{k}xf32>, tensor<2x1x{n}x{k}xf32>, tensor<2x1x{n}x{k}xf32>) {\n"
        "  %ring = hybrid.cache_write %cache, %new, %pos {ring}"
        " : tensor<2x2x5x4xf32>, tensor<2x2x{n}x4xf32>, tensor<2x{n}xi64>\n"
        "  %b1 = hybrid.cache_bias %pos {capacity = 5 : i64} : tensor<2x{n}xi64> -> tensor<2x1x{n}x{k}xf32>\n"
        "  %b2 = hybrid.cache_bias %pos {capacity = 5 : i64, window = 5 : i64, ring}"
        " : tensor<2x{n}xi64> -> tensor<2x1x{n}x{k}xf32>\n"
        "  %b3 = hybrid.cache_bias %pos {capacity = 5 : i64, shift}"
        " : tensor<2x{n}xi64> -> tensor<2x1x{n}x{k}xf32>\n"
        "  %e1 = math.exp %b1 : tensor<2x1x{n}x{k}xf32>\n"
        "  %e2 = math.exp %b2 : tensor<2x1x{n}x{k}xf32>\n"
        "  %e3 = math.exp %b3 : tensor<2x1x{n}x{k}xf32>\n"
        "  return %ring, %e1, %e2, %e3 : tensor<2x2x5x4xf32>,"
        " tensor<2x1x{n}x{k}xf32>, tensor<2x1x{n}x{k}xf32>, tensor<2x1x{n}x{k}xf32>\n}\n",
        {{"n", std::to_string(tokens)}, {"k", std::to_string(5 + tokens)}});
    for (unsigned seed : {1u, 2u, 3u})
      EXPECT_TRUE(matchesReference(source, "f", seed * 7 + tokens, {{2, {0, 14}}}))
          << tokens << " tokens";
  }
  // Plain caches take positions whose tokens all fit (past the end is an
  // error on the reference, and the runtime never asks for it): empty to
  // full.
  for (int tokens : {1, 3}) {
    std::string source = format(
        "func.func @f(%cache: tensor<2x2x5x4xf32>, %new: tensor<2x2x{n}x4xf32>,"
        " %pos: tensor<2x{n}xi64>) -> tensor<2x2x5x4xf32> {\n"
        "  %plain = hybrid.cache_write %cache, %new, %pos"
        " : tensor<2x2x5x4xf32>, tensor<2x2x{n}x4xf32>, tensor<2x{n}xi64>\n"
        "  return %plain : tensor<2x2x5x4xf32>\n}\n",
        {{"n", std::to_string(tokens)}});
    for (unsigned seed : {1u, 2u, 3u})
      EXPECT_TRUE(matchesReference(source, "f", seed * 7 + tokens, {{2, {0, double(6 - tokens)}}}))
          << tokens << " tokens";
  }
  // After the write (`written`): the 5 slots alone are the keys; plain caches
  // with and without a window, rings of one token (decode).
  for (int tokens : {1, 3}) {
    std::string source = format(
        "func.func @f(%pos: tensor<2x{n}xi64>) -> (tensor<2x1x{n}x5xf32>, tensor<2x1x{n}x5xf32>,"
        " tensor<2x1x{n}x5xf32>) {\n"
        "  %b1 = hybrid.cache_bias %pos {capacity = 5 : i64, written} : tensor<2x{n}xi64> -> tensor<2x1x{n}x5xf32>\n"
        "  %b2 = hybrid.cache_bias %pos {capacity = 5 : i64, window = 2 : i64, written}"
        " : tensor<2x{n}xi64> -> tensor<2x1x{n}x5xf32>\n"
        "  %b3 = hybrid.cache_bias %pos {capacity = 5 : i64, window = 5 : i64, ring, written}"
        " : tensor<2x{n}xi64> -> tensor<2x1x{n}x5xf32>\n"
        "  %e1 = math.exp %b1 : tensor<2x1x{n}x5xf32>\n"
        "  %e2 = math.exp %b2 : tensor<2x1x{n}x5xf32>\n"
        "  %e3 = math.exp %b3 : tensor<2x1x{n}x5xf32>\n"
        "  return %e1, %e2, %e3 : tensor<2x1x{n}x5xf32>, tensor<2x1x{n}x5xf32>, tensor<2x1x{n}x5xf32>\n}\n",
        {{"n", std::to_string(tokens)}});
    for (unsigned seed : {1u, 2u, 3u})
      EXPECT_TRUE(matchesReference(source, "f", seed * 5 + tokens, {{0, {0, 14}}}))
          << tokens << " tokens, written";
  }
}

/// Decode (`tokens` queries per head, 1 by default) over a KV cache of
/// `capacity` slots whose visibility comes from the positions
/// (`cache_bias ... written`).
std::string decodeOverCacheSource(int64_t heads, int64_t keyHeads, int64_t capacity,
                                  const std::string &biasAttrs, const std::string &attrs,
                                  int64_t tokens = 1) {
  return format(
      "func.func @f(%q: tensor<2x{H}x{N}x16xf32>, %k: tensor<2x{HK}x{C}x16xf32>,"
      " %v: tensor<2x{HK}x{C}x16xf32>, %pos: tensor<2x{N}xi64>) -> tensor<2x{H}x{N}x16xf32> {\n"
      "  %b = hybrid.cache_bias %pos {capacity = {C} : i64{BIAS}, written}"
      " : tensor<2x{N}xi64> -> tensor<2x1x{N}x{C}xf32>\n"
      "  %o = hybrid.attention %q, %k, %v bias(%b) {mask = #hybrid.mask<none>{ATTRS}}\n"
      "      : (tensor<2x{H}x{N}x16xf32>, tensor<2x{HK}x{C}x16xf32>, tensor<2x{HK}x{C}x16xf32>,"
      " tensor<2x1x{N}x{C}xf32>) -> tensor<2x{H}x{N}x16xf32>\n"
      "  return %o : tensor<2x{H}x{N}x16xf32>\n}\n",
      {{"H", std::to_string(heads)}, {"HK", std::to_string(keyHeads)},
       {"C", std::to_string(capacity)}, {"BIAS", biasAttrs}, {"ATTRS", attrs},
       {"N", std::to_string(tokens)}});
}

TEST_P(Differential, AttentionSplitKVDecode) {
  // One query tile over 768 and 1024 keys: each (batch, head) is split into
  // chunks of the span of key tiles the bias shows (FlashAttention.cpp,
  // kvSplitCount: 3 or 4 with AVX-512's 64-key tiles, more with AVX2's 32). The two batches' positions differ, so some chunks of one
  // see nothing; a short cache leaves later chunks empty; a window puts the
  // span far from slot 0; a wrapped ring shows every slot.
  struct Case {
    int64_t capacity;
    const char *bias;
    double lo, hi; // the positions
  };
  for (Case c : std::vector<Case>{{1024, "", 0, 40},
                                  {1024, "", 300, 700},
                                  {1024, "", 990, 1024},
                                  {768, "", 0, 768},
                                  {1024, ", window = 100 : i64", 500, 1024},
                                  {1024, ", window = 1024 : i64, ring", 1500, 4000}})
    for (unsigned seed : {1u, 2u})
      EXPECT_TRUE(matchesReference(decodeOverCacheSource(4, 2, c.capacity, c.bias, ""), "f",
                                   seed, {{3, {c.lo, c.hi}}}))
          << c.capacity << " slots" << c.bias << ", positions in [" << c.lo << ", " << c.hi
          << ")";
  // GQA 4:1 with a softcap and a scale; one head (a single (batch, head)
  // pair per batch: 32 items would want 16 chunks, 16 tiles allow 4).
  EXPECT_TRUE(matchesReference(
      decodeOverCacheSource(8, 2, 1024, "", ", softcap = 5.0 : f32, scale = 0.5 : f32"), "f", 3,
      {{3, {100, 1024}}}));
  EXPECT_TRUE(matchesReference(decodeOverCacheSource(1, 1, 1024, "", ""), "f", 4,
                               {{3, {0, 1024}}}));
  // MQA: 8 query heads over one key head, grouped into one query tile of 8
  // rows (enough to transpose each visited key tile); 64 heads, more than a
  // query tile holds, are not grouped.
  EXPECT_TRUE(matchesReference(decodeOverCacheSource(8, 1, 1024, "", ""), "f", 8,
                               {{3, {0, 1024}}}));
  EXPECT_TRUE(matchesReference(decodeOverCacheSource(64, 1, 512, "", ""), "f", 9,
                               {{3, {0, 512}}}));
  // A bias shared by the batches too ([1, 1, 1, Sk], given, no slot hidden).
  std::string sharedBias =
      "func.func @f(%q: tensor<2x4x1x16xf32>, %k: tensor<2x1x1024x16xf32>,"
      " %v: tensor<2x1x1024x16xf32>, %b: tensor<1x1x1x1024xf32>) -> tensor<2x4x1x16xf32> {\n"
      "  %o = hybrid.attention %q, %k, %v bias(%b) {mask = #hybrid.mask<none>}\n"
      "      : (tensor<2x4x1x16xf32>, tensor<2x1x1024x16xf32>, tensor<2x1x1024x16xf32>,"
      " tensor<1x1x1x1024xf32>) -> tensor<2x4x1x16xf32>\n"
      "  return %o : tensor<2x4x1x16xf32>\n}\n";
  EXPECT_TRUE(matchesReference(sharedBias, "f", 10)) << "a bias shared by the batches";
  // Chunk counts asked for (attention-kv-splits): 3 (uneven shares of the
  // written span), one per key tile, and more than there are tiles.
  for (int64_t splits : {3, 16, 1000}) {
    mlir::hybrid::CPUPipelineOptions pipeline;
    pipeline.attentionKVSplits = splits;
    EXPECT_TRUE(matchesReference(decodeOverCacheSource(4, 2, 1024, "", ""), "f", 11,
                                 {{3, {200, 1024}}}, 1e-4, &pipeline))
        << splits << " chunks asked for";
  }
  // A prompt's short last chunk (5 queries: still one query tile), each
  // query seeing the slots up to its own position.
  EXPECT_TRUE(matchesReference(decodeOverCacheSource(4, 1, 1024, "", "", 5), "f", 7,
                               {{3, {0, 1024}}}));
  // Without a bias the span comes from the mask alone: one query at the end
  // of 1000 keys, causal with and without a window.
  for (std::string mask : {"causal", "causal, window = 200", "causal, window = 600", "none"})
    EXPECT_TRUE(matchesReference(
        attentionSource(1, 2, 1, 1, 1000, 16, 8, mask, ", q_offset = 999"), "f", 5))
        << mask;
  // A bias hiding every key: every chunk sees nothing and the rows are 0.
  std::string hidden =
      "func.func @f(%q: tensor<1x2x1x8xf32>, %k: tensor<1x1x512x8xf32>,"
      " %v: tensor<1x1x512x8xf32>) -> tensor<1x2x1x8xf32> {\n"
      "  %b = arith.constant dense<0xFF800000> : tensor<1x1x1x512xf32>\n"
      "  %o = hybrid.attention %q, %k, %v bias(%b) {mask = #hybrid.mask<none>}\n"
      "      : (tensor<1x2x1x8xf32>, tensor<1x1x512x8xf32>, tensor<1x1x512x8xf32>,"
      " tensor<1x1x1x512xf32>) -> tensor<1x2x1x8xf32>\n"
      "  return %o : tensor<1x2x1x8xf32>\n}\n";
  EXPECT_TRUE(matchesReference(hidden, "f", 6)) << "every key hidden";
}

TEST_P(Differential, EveryActivation) {
  for (std::string kind : {"identity", "relu", "gelu", "gelu_tanh", "quick_gelu",
                           "silu", "sigmoid", "tanh", "softplus", "elu_plus_one"})
    EXPECT_TRUE(matchesReference(
        format("func.func @f(%x: tensor<3x17xf32>) -> tensor<3x17xf32> {\n"
               "  %y = hybrid.activation %x {kind = #hybrid.act<{K}>} : tensor<3x17xf32>\n"
               "  return %y : tensor<3x17xf32>\n}\n",
               {{"K", kind}}),
        "f", 4, {{0, {-25.0, 25.0}}}))
        << kind;
}

} // namespace

namespace {
/// @f running hybrid.gated_delta_rule on q, k [2, L, Hk, 8], v [2, L, Hv, 6]
/// with `attrs`, and a carried state when `state`.
std::string gatedDeltaRuleSource(int64_t seq, int64_t keyHeads, int64_t heads, bool state,
                                 const std::string &attrs) {
  std::string args = "%q: tensor<2x{L}x{K}x8xf32>, %k: tensor<2x{L}x{K}x8xf32>,"
                     " %v: tensor<2x{L}x{H}x6xf32>, %g: tensor<2x{L}x{H}xf32>,"
                     " %b: tensor<2x{L}x{H}xf32>";
  std::string types = "tensor<2x{L}x{K}x8xf32>, tensor<2x{L}x{K}x8xf32>, tensor<2x{L}x{H}x6xf32>,"
                      " tensor<2x{L}x{H}xf32>, tensor<2x{L}x{H}xf32>";
  std::string init;
  if (state) {
    args += ", %s0: tensor<2x{H}x8x6xf32>";
    types += ", tensor<2x{H}x8x6xf32>";
    init = " init(%s0)";
  }
  return format("func.func @f(" + args +
                    ") -> (tensor<2x{L}x{H}x6xf32>, tensor<2x{H}x8x6xf32>) {\n"
                    "  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b" + init + " {" +
                    attrs + "}\n      : (" + types +
                    ") -> (tensor<2x{L}x{H}x6xf32>, tensor<2x{H}x8x6xf32>)\n"
                    "  return %o, %s : tensor<2x{L}x{H}x6xf32>, tensor<2x{H}x8x6xf32>\n}\n",
                {{"L", std::to_string(seq)},
                 {"K", std::to_string(keyHeads)},
                 {"H", std::to_string(heads)}});
}
} // namespace

TEST_P(Differential, GatedDeltaRule) {
  // Both lowerings: chunk_size 1 (the recurrence), 16 (chunks with a
  // shorter last one from 33 and 70 steps on; 7 steps run the recurrence)
  // and 64. Value heads 2 over 1 or 2 key heads; l2-normalised q and k,
  // decay g in [-2, 0] and β in [0, 1]; with and without a carried state.
  for (int64_t seq : {1, 7, 33, 70})
    for (int64_t chunk : {1, 16, 64})
      for (int64_t keyHeads : {1, 2}) {
        const bool state = (seq + chunk + keyHeads) % 2 == 0;
        std::map<unsigned, ArgRange> ranges{{3, {-2.0, 0.0}}, {4, {0.0, 1.0}}};
        if (state)
          ranges[5] = {-0.5, 0.5};
        EXPECT_TRUE(matchesReference(
            gatedDeltaRuleSource(seq, keyHeads, 2, state,
                                 "qk_l2norm, chunk_size = " + std::to_string(chunk) + " : i64"),
            "f", unsigned(seq + chunk + keyHeads), ranges))
            << "seq " << seq << " chunk " << chunk << " key heads " << keyHeads;
      }
}

TEST_P(Differential, GatedDeltaRuleOutputShapedLikeState) {
  // L = dk = 8 and no carried state: the output rows [L, dv] and the state
  // [dk, dv] have one type, the case where two loop-carried tensors made
  // from equal inits could share a buffer; chunks of 4 and the recurrence.
  for (int64_t chunk : {1, 4})
    EXPECT_TRUE(matchesReference(
        gatedDeltaRuleSource(8, 1, 2, /*state=*/false,
                             "qk_l2norm, chunk_size = " + std::to_string(chunk) + " : i64"),
        "f", unsigned(chunk), {{3, {-2.0, 0.0}}, {4, {0.0, 1.0}}}))
        << "chunk " << chunk;
}

TEST_P(Differential, GatedDeltaRuleExtremes) {
  // β and g at their ends: strong decay (e^g down to e^-30, a chunk's
  // cumulative decay far below f32's range) with full writes, then no decay
  // with tiny writes; unnormalised small keys with an explicit scale; and a
  // sequence many chunks long against the recurrence.
  struct Case {
    int64_t seq, chunk;
    ArgRange g, beta, keys;
    std::string attrs;
  };
  const Case cases[] = {
      {40, 16, {-30.0, -10.0}, {0.9, 1.0}, {-1.0, 1.0}, "qk_l2norm"},
      {40, 16, {-1e-4, 0.0}, {0.0, 1e-3}, {-1.0, 1.0}, "qk_l2norm"},
      {40, 16, {-1.0, 0.0}, {0.0, 1.0}, {-0.3, 0.3}, "scale = 0.5 : f32"},
      {300, 64, {-0.5, 0.0}, {0.0, 1.0}, {-1.0, 1.0}, "qk_l2norm"},
  };
  for (const Case &c : cases)
    EXPECT_TRUE(matchesReference(
        gatedDeltaRuleSource(c.seq, 1, 2, /*state=*/true,
                             c.attrs + ", chunk_size = " + std::to_string(c.chunk) + " : i64"),
        "f", unsigned(c.seq), {{0, c.keys}, {1, c.keys}, {3, c.g}, {4, c.beta}, {5, {-0.5, 0.5}}}))
        << "seq " << c.seq << " g [" << c.g.lo << ", " << c.g.hi << "] " << c.attrs;
}
