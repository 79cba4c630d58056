//===- hybrid-bench.cpp - Compiled kernels against the reference ----------===//
//
// Times compiled code (hybrid-cpu-pipeline + JIT) and the reference evaluator
// side by side in one process on the same inputs, and prints throughput and
// the ratio. Figures only: nothing here is asserted, the machines are shared.
//
//   hybrid-bench [--runs=N] [--quick] [--filter=TEXT] [--gemm-sweep] [--suite-sweep]
//                [--baseline] [--json] [--threads=N] [--weight-type=bf16|bf16-matmul]
//                [--kv-splits=N] [--weights-in-panels=false]
//
// --gemm-sweep adds the linear-layer shapes of the benchmark suite
// (M ∈ {1, 8, 128, 512} × (K, N) ∈ {(2048, 2048), (2048, 8192), (8192, 2048)});
// --suite-sweep adds the suite's other shapes: the selective scan at L = 512
// and 8192, Mamba's conv1d with SiLU (d_inner 1536, width 4, L = 2048),
// Longformer's two attention passes (S = 4k and 16k, window 256, 2 global
// tokens; at 4k also the old dense-bias form), decode attention over a 32k
// cache (1 head, and 8 heads over 2 key heads; d = 128) and mixtures of
// experts with 8 experts top-2 and 64 top-8 (hidden 1024, 512 tokens);
// --kv-splits=N sets the pipeline's attention-kv-splits (1: no split-KV);
// --baseline also times each case compiled with packed-gemm=false (LLVM's
// vectorisation of the plain loops) and prints the ratio; --json prints one
// JSON object per case instead of the table (scripts/bench_kernels.py reads
// it). The reference evaluator is timed only for the default cases.
// --weight-type=bf16 keeps the linear layers' W in bfloat16
// (hybrid-bf16-weights: the packed kernel widening W, or AMX tiles where the
// host has them); bf16-matmul also rounds A to bf16 in those products
// (vdpbf16ps where the host has AVX512-BF16).
// --weights-in-panels=false passes the linear layers' f32 W as rows, packed
// by the GEMM on every call; by default W is packed once into the kernel's
// panels before the timed runs, as a model's runtime does at load.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Compiler/JitModule.h"
#include "hybrid/Runtime/Threads.h"
#include "../common/ThreadsFlag.h"
#include "../common/WeightTypeFlag.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

llvm::cl::opt<unsigned> runs("runs", llvm::cl::desc("Timed runs of compiled code"),
                             llvm::cl::init(5));
llvm::cl::opt<bool> quick("quick", llvm::cl::desc("Tiny shapes (a smoke test)"),
                          llvm::cl::init(false));
llvm::cl::opt<std::string> filter("filter",
                                  llvm::cl::desc("Only the cases whose name contains TEXT"),
                                  llvm::cl::init(""));
llvm::cl::opt<bool> gemmSweep("gemm-sweep",
                              llvm::cl::desc("Add the suite's linear-layer shapes"),
                              llvm::cl::init(false));
llvm::cl::opt<bool> suiteSweep("suite-sweep",
                               llvm::cl::desc("Add the suite's scan lengths, conv1d and MoE shapes"),
                               llvm::cl::init(false));
llvm::cl::opt<bool> baseline("baseline",
                             llvm::cl::desc("Also time each case with packed-gemm=false"),
                             llvm::cl::init(false));
llvm::cl::opt<WeightType> weightType("weight-type", llvm::cl::desc(kWeightTypeFlagHelp),
                                     llvm::cl::init(WeightType::F32), weightTypeValues());
llvm::cl::opt<bool> weightsInPanels(
    "weights-in-panels",
    llvm::cl::desc("Pack the linear layers' f32 weights into the GEMM kernel's panels once, "
                   "before the timed runs, as a model's runtime does at load (false: rows, "
                   "packed on every call)"),
    llvm::cl::init(true));

llvm::cl::opt<int64_t> kvSplits(
    "kv-splits",
    llvm::cl::desc("Split-KV chunks for attention with one query tile (the pipeline's "
                   "attention-kv-splits: 1 none, -1 chosen from the shape)"),
    llvm::cl::init(-1));
llvm::cl::opt<bool> json("json", llvm::cl::desc("One JSON object per case"),
                         llvm::cl::init(false));

struct Case {
  std::string name, source;
  double work;          // FLOPs, or bytes for memory-bound kernels
  const char *unit;     // "GFLOP/s" or "GB/s"
  int64_t intMax = 0;   // integer inputs in [0, intMax)
  bool reference = true; // also time the reference evaluator
};

/// `y = x Wᵀ` for x [1, M, K] and W [N, K].
Case linearCase(int64_t M, int64_t K, int64_t N, bool reference) {
  auto t = [](int64_t a, int64_t b) {
    return "tensor<1x" + std::to_string(a) + "x" + std::to_string(b) + "xf32>";
  };
  std::string w = "tensor<" + std::to_string(N) + "x" + std::to_string(K) + "xf32>";
  Case c{"linear M=" + std::to_string(M) + " K=" + std::to_string(K) + " N=" +
             std::to_string(N),
         "func.func @f(%x: " + t(M, K) + ", %w: " + w + " {hybrid.weight = \"w\"}) -> " +
             t(M, N) + " {\n"
         "  %y = hybrid.linear %x, %w : (" + t(M, K) + ", " + w + ") -> " + t(M, N) +
             "\n  return %y : " + t(M, N) + "\n}\n",
         2.0 * M * N * K, "GFLOP/s"};
  c.reference = reference;
  return c;
}

std::string replaceAll(std::string text, const std::string &key,
                       const std::string &value) {
  for (size_t at = text.find(key); at != std::string::npos;
       at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

/// Mamba-1's selective scan over L tokens of E channels, N states.
Case selectiveScanCase(int64_t L, int64_t E, int64_t N) {
  std::string scan =
      "func.func @f(%x: tensor<1xLxExf32>, %dt: tensor<1xLxExf32>, %A: tensor<ExNxf32>,"
      " %B: tensor<1xLxNxf32>, %C: tensor<1xLxNxf32>, %D: tensor<Exf32>, %z: tensor<1xLxExf32>)"
      " -> tensor<1xLxExf32> {\n"
      "  %y, %h = hybrid.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) {delta_softplus}"
      " : (tensor<1xLxExf32>, tensor<1xLxExf32>, tensor<ExNxf32>, tensor<1xLxNxf32>,"
      " tensor<1xLxNxf32>, tensor<Exf32>, tensor<1xLxExf32>)"
      " -> (tensor<1xLxExf32>, tensor<1xExNxf32>)\n  return %y : tensor<1xLxExf32>\n}\n";
  scan = replaceAll(scan, "tensor<1xLxExf32>", "tensor<1x" + std::to_string(L) + "x" + std::to_string(E) + "xf32>");
  scan = replaceAll(scan, "tensor<1xLxNxf32>", "tensor<1x" + std::to_string(L) + "x" + std::to_string(N) + "xf32>");
  scan = replaceAll(scan, "tensor<ExNxf32>", "tensor<" + std::to_string(E) + "x" + std::to_string(N) + "xf32>");
  scan = replaceAll(scan, "tensor<1xExNxf32>", "tensor<1x" + std::to_string(E) + "x" + std::to_string(N) + "xf32>");
  scan = replaceAll(scan, "tensor<Exf32>", "tensor<" + std::to_string(E) + "xf32>");
  // Bytes that must move: x, Δ, z, y (L·E each) and B, C (L·N each), f32.
  return {"selective_scan d_inner=" + std::to_string(E) + " N=" + std::to_string(N) +
              " L=" + std::to_string(L),
          scan, 4.0 * (4.0 * L * E + 2.0 * L * N), "GB/s"};
}

/// Mamba's causal depthwise conv1d of width K over L tokens of E channels,
/// with its bias and SiLU. Bytes that must move: x and y, f32.
Case conv1dCase(int64_t L, int64_t E, int64_t K) {
  auto s = [](int64_t v) { return std::to_string(v); };
  std::string x = "tensor<1x" + s(L) + "x" + s(E) + "xf32>", w = "tensor<" + s(E) + "x" + s(K) + "xf32>",
              bias = "tensor<" + s(E) + "xf32>", state = "tensor<1x" + s(E) + "x" + s(K - 1) + "xf32>";
  Case c{"conv1d silu d=" + s(E) + " k=" + s(K) + " L=" + s(L),
         "func.func @f(%x: " + x + ", %w: " + w + ", %b: " + bias + ") -> " + x + " {\n"
         "  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) {activation = #hybrid.act<silu>} : (" +
             x + ", " + w + ", " + bias + ") -> (" + x + ", " + state + ")\n  return %y : " + x +
             "\n}\n",
         4.0 * 2.0 * L * E, "GB/s"};
  c.reference = false;
  return c;
}

/// A mixture of E SwiGLU experts (hidden H, intermediate I), top-k routing,
/// over T tokens. Work: the chosen experts' products, T·k·6·H·I FLOPs, and
/// the router's 2·T·E·H.
Case moeCase(int64_t T, int64_t E, int64_t topK, int64_t H, int64_t I) {
  auto s = [](int64_t v) { return std::to_string(v); };
  std::string x = "tensor<1x" + s(T) + "x" + s(H) + "xf32>", r = "tensor<" + s(E) + "x" + s(H) + "xf32>",
              gu = "tensor<" + s(E) + "x" + s(I) + "x" + s(H) + "xf32>",
              d = "tensor<" + s(E) + "x" + s(H) + "x" + s(I) + "xf32>";
  Case c{"moe E=" + s(E) + " top=" + s(topK) + " H=" + s(H) + " I=" + s(I) + " T=" + s(T),
         "func.func @f(%x: " + x + ", %r: " + r + ", %g: " + gu + ", %u: " + gu + ", %d: " + d +
             ") -> " + x + " {\n  %y = hybrid.moe %x, %r, %g, %u, %d {top_k = " + s(topK) +
             " : i64} : (" + x + ", " + r + ", " + gu + ", " + gu + ", " + d + ") -> " + x +
             "\n  return %y : " + x + "\n}\n",
         double(T) * topK * 6.0 * H * I + 2.0 * T * E * H, "GFLOP/s"};
  c.reference = false;
  return c;
}

/// A Longformer layer's two attention passes over S tokens (H heads of 64,
/// HF attention_window 256, so a band of 128 keys each side) with 2 global
/// tokens, at positions 0 and S/2: the band plus the global keys, and the
/// global rows over every key. `flags` gives the runtime flags to the
/// attention (O(S·(w + g))); otherwise the old form: a dense [1, 1, S, S]
/// bias from hybrid.mask_bias and a full S×S pass whose global rows are
/// kept (O(S²)). Work: the band's and the global keys' and rows' FLOPs,
/// 4·H·d·S·(2·128 + 1 + 2g), the same for both forms.
Case longformerCase(int64_t S, int64_t H, bool flags) {
  auto s = [](int64_t v) { return std::to_string(v); };
  const int64_t d = 64, local = 128, globals = 2;
  std::string x = "tensor<1x" + s(H) + "x" + s(S) + "x" + s(d) + "xf32>",
              g = "tensor<1x" + s(S) + "xi64>", bias = "tensor<1x1x" + s(S) + "x" + s(S) + "xf32>";
  std::string dense = "dense<[[";
  for (int64_t j = 0; j < S; ++j)
    dense += std::string(j ? "," : "") + (j == 0 || j == S / 2 ? "1" : "0");
  dense += "]]>";
  std::string types3 = x + ", " + x + ", " + x;
  std::string body = "  %g = arith.constant " + dense + " : " + g + "\n";
  if (flags) {
    body += "  %l = hybrid.attention %q, %k, %v globals(%g) {mask = #hybrid.mask<local = " +
            s(local) + ">} : (" + types3 + ", " + g + ") -> " + x + "\n";
    body += "  %o = hybrid.attention %q, %k, %v globals(%g) {mask = #hybrid.mask<none>,"
            " global_rows_only} : (" + types3 + ", " + g + ") -> " + x + "\n";
  } else {
    body += "  %b = hybrid.mask_bias %g {mask = #hybrid.mask<local = " + s(local) + ">} : " + g +
            " -> " + bias + "\n";
    body += "  %l = hybrid.attention %q, %k, %v bias(%b) {mask = #hybrid.mask<none>} : (" +
            types3 + ", " + bias + ") -> " + x + "\n";
    body += "  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<none>} : (" + types3 +
            ") -> " + x + "\n";
  }
  Case c{std::string("longformer ") + (flags ? "global flags" : "dense bias") + " S=" + s(S) +
             " H=" + s(H) + " w=256 g=2",
         "func.func @f(%q: " + x + ", %k: " + x + ", %v: " + x + ") -> (" + x + ", " + x +
             ") {\n" + body + "  return %l, %o : " + x + ", " + x + "\n}\n",
         4.0 * H * d * S * double(2 * local + 1 + 2 * globals), "GFLOP/s"};
  c.reference = false;
  return c;
}

/// One decode step of attention over a fully written KV cache: B × H
/// queries of d = 128 against Sk keys of Hk heads, with the cache's bias
/// (an input here: no slot hidden). Memory-bound: the bytes are K and V.
Case decodeCase(int64_t H, int64_t Hk, int64_t Sk) {
  auto s = [](int64_t v) { return std::to_string(v); };
  const int64_t d = 128;
  std::string q = "tensor<1x" + s(H) + "x1x" + s(d) + "xf32>",
              kv = "tensor<1x" + s(Hk) + "x" + s(Sk) + "x" + s(d) + "xf32>",
              bias = "tensor<1x1x1x" + s(Sk) + "xf32>";
  Case c{"attention decode H=" + s(H) + " Hk=" + s(Hk) + " Sk=" + s(Sk) + " d=128",
         "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv + ", %b: " + bias + ") -> " +
             q + " {\n  %o = hybrid.attention %q, %k, %v bias(%b) {mask = #hybrid.mask<none>}"
             " : (" + q + ", " + kv + ", " + kv + ", " + bias + ") -> " + q +
             "\n  return %o : " + q + "\n}\n",
         2.0 * Hk * Sk * d * 4, "GB/s"};
  c.reference = false;
  return c;
}

std::vector<Case> cases() {
  const int64_t S = quick ? 64 : 1024, H = quick ? 2 : 16, D = 64;
  const int64_t L = quick ? 64 : 2048, E = quick ? 64 : 1536, N = 16;
  const int64_t M = quick ? 64 : 1024;
  std::vector<Case> all;
  all.push_back(
      {"attention causal S=" + std::to_string(S) + " H=" + std::to_string(H) +
           " d=64",
       replaceAll(replaceAll(
                      "func.func @f(%q: tensor<1xHxSx64xf32>, %k: tensor<1xHxSx64xf32>,"
                      " %v: tensor<1xHxSx64xf32>) -> tensor<1xHxSx64xf32> {\n"
                      "  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>}"
                      " : (tensor<1xHxSx64xf32>, tensor<1xHxSx64xf32>, tensor<1xHxSx64xf32>)"
                      " -> tensor<1xHxSx64xf32>\n  return %o : tensor<1xHxSx64xf32>\n}\n",
                      "xH", "x" + std::to_string(H)),
                  "xS", "x" + std::to_string(S)),
       // 4·B·H·S²·d, halved for causal (ANCHORS.md).
       2.0 * H * S * S * D, "GFLOP/s"});
  all.push_back(selectiveScanCase(L, E, N));
  // RecurrentGemma-2B's RG-LRU: lru_width 2560 in 10 blocks of 256. Work:
  // both block-diagonal gates, 2·2·L·W·bw FLOPs (the recurrence itself is
  // O(L·W)).
  {
    const int64_t W = quick ? 64 : 2560, heads = quick ? 2 : 10, bw = W / heads,
                  T = quick ? 64 : 2048;
    std::string x = "tensor<1x" + std::to_string(T) + "x" + std::to_string(W) + "xf32>",
                gate = "tensor<" + std::to_string(heads) + "x" + std::to_string(bw) + "x" +
                       std::to_string(bw) + "xf32>",
                bias = "tensor<" + std::to_string(heads) + "x" + std::to_string(bw) + "xf32>",
                lambda = "tensor<" + std::to_string(W) + "xf32>",
                state = "tensor<1x" + std::to_string(W) + "xf32>";
    Case lru{"rg_lru width=" + std::to_string(W) + " heads=" + std::to_string(heads) +
                 " L=" + std::to_string(T),
             "func.func @f(%x: " + x + ", %wi: " + gate + ", %bi: " + bias + ", %wa: " + gate +
                 ", %ba: " + bias + ", %l: " + lambda + ") -> " + x + " {\n"
                 "  %y, %h = hybrid.rg_lru %x, %wi, %bi, %wa, %ba, %l : (" + x + ", " + gate +
                 ", " + bias + ", " + gate + ", " + bias + ", " + lambda + ") -> (" + x + ", " +
                 state + ")\n  return %y : " + x + "\n}\n",
             4.0 * T * W * bw, "GFLOP/s"};
    lru.reference = quick;
    all.push_back(lru);
  }
  // Qwen3-Next-80B's gated delta rule: 16 key heads, 32 value heads,
  // dk = dv = 128, 2048 tokens, so the WY form over chunks of 64. The
  // inputs are drawn in [-1, 1]: g = −exp(x) and β = σ(x) make them a decay
  // and a write strength. Work: the chunked form's products, per chunk of C
  // and value head 2·(2C²·dk + C²·(dk + dv) + C²·dv + 3C·dk·dv) FLOPs (K·Kᵀ
  // and Q·Kᵀ; the triangular solve for U and W; P·V'; W·S, Q·S and Kᵀ·V').
  {
    const int64_t T = quick ? 64 : 2048, Hk = quick ? 1 : 16, Hv = quick ? 2 : 32,
                  dk = quick ? 16 : 128, dv = dk, C = 64;
    auto t = [](std::initializer_list<int64_t> dims) {
      std::string s = "tensor<";
      for (int64_t d : dims)
        s += std::to_string(d) + "x";
      return s + "f32>";
    };
    std::string qk = t({1, T, Hk, dk}), v = t({1, T, Hv, dv}), gate = t({1, T, Hv}),
                state = t({1, Hv, dk, dv});
    Case rule{"gated_delta_rule Hk=" + std::to_string(Hk) + " Hv=" + std::to_string(Hv) +
                  " d=" + std::to_string(dk) + " L=" + std::to_string(T),
              "func.func @f(%q: " + qk + ", %k: " + qk + ", %v: " + v + ", %a: " + gate +
                  ", %b: " + gate + ") -> " + v + " {\n"
                  "  %e = math.exp %a : " + gate + "\n"
                  "  %g = arith.negf %e : " + gate + "\n"
                  "  %beta = hybrid.activation %b {kind = #hybrid.act<sigmoid>} : " + gate + "\n"
                  "  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %beta {qk_l2norm} : (" +
                  qk + ", " + qk + ", " + v + ", " + gate + ", " + gate + ") -> (" + v + ", " +
                  state + ")\n  return %o : " + v + "\n}\n",
              2.0 * double(T / C) * double(Hv) *
                  (2.0 * C * C * dk + C * C * double(dk + dv) + C * C * dv + 3.0 * C * dk * dv),
              "GFLOP/s"};
    rule.reference = quick;
    all.push_back(rule);
  }
  // Mamba-2's SSD scan at a Mamba-2 130M layer's shape (24 heads of 64,
  // N = 128, one group), 2048 tokens: the chunked form over chunks of 64.
  // A = −exp(a) makes the drawn a a decay. Work: the chunked form's
  // products, per chunk of Q: 2Q²N for C·Bᵀ (once per group), and per head
  // 2Q²P (·X) + 4QNP (the state in and out).
  {
    const int64_t T = quick ? 64 : 2048, H = quick ? 2 : 24, P = quick ? 16 : 64,
                  Ns = quick ? 16 : 128, Q = 64;
    auto t = [](std::initializer_list<int64_t> dims) {
      std::string s = "tensor<";
      for (int64_t d : dims)
        s += std::to_string(d) + "x";
      return s + "f32>";
    };
    std::string x = t({1, T, H, P}), dt = t({1, T, H}), heads = t({H}), bc = t({1, T, 1, Ns}),
                state = t({1, H, P, Ns});
    Case ssd{"ssd_scan H=" + std::to_string(H) + " P=" + std::to_string(P) +
                 " N=" + std::to_string(Ns) + " L=" + std::to_string(T),
             "func.func @f(%x: " + x + ", %dt: " + dt + ", %a: " + heads + ", %B: " + bc +
                 ", %C: " + bc + ", %D: " + heads + ") -> " + x + " {\n"
                 "  %e = math.exp %a : " + heads + "\n"
                 "  %A = arith.negf %e : " + heads + "\n"
                 "  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) {dt_softplus} : (" + x +
                 ", " + dt + ", " + heads + ", " + bc + ", " + bc + ", " + heads + ") -> (" + x +
                 ", " + state + ")\n  return %y : " + x + "\n}\n",
             double(T / Q) *
                 (2.0 * Q * Q * Ns + double(H) * (2.0 * Q * Q * P + 4.0 * Q * Ns * P)),
             "GFLOP/s"};
    ssd.reference = quick;
    all.push_back(ssd);
  }
  all.push_back(linearCase(M, M, M, /*reference=*/true));
  if (gemmSweep)
    for (int64_t rows : {1, 8, 128, 512})
      for (auto [k, n] : {std::pair<int64_t, int64_t>{2048, 2048}, {2048, 8192}, {8192, 2048}})
        all.push_back(linearCase(rows, k, n, /*reference=*/false));
  if (suiteSweep) {
    for (int64_t length : {quick ? 32 : 512, quick ? 128 : 8192})
      all.push_back(selectiveScanCase(length, E, N));
    all.push_back(conv1dCase(L, E, 4));
    // Longformer at 4k and 16k tokens; the old dense-bias form (O(S²)
    // memory and work) side by side at 4k only: at 16k its bias alone is
    // 1 GiB.
    if (quick) {
      all.push_back(longformerCase(512, 2, true));
      all.push_back(longformerCase(512, 2, false));
    } else {
      all.push_back(longformerCase(4096, 12, true));
      all.push_back(longformerCase(4096, 12, false));
      all.push_back(longformerCase(16384, 12, true));
    }
    // Decode over a long cache (split-KV): one head (fewer (batch, head)
    // pairs than threads) and a GQA model's 8 heads over 2 key heads.
    all.push_back(decodeCase(1, 1, quick ? 1024 : 32768));
    all.push_back(decodeCase(8, 2, quick ? 1024 : 32768));
    if (quick) {
      all.push_back(moeCase(16, 4, 2, 32, 64));
    } else {
      // Mixtral's routing (8 experts, top 2) and OLMoE's (64, top 8) at
      // hidden 1024, over 512 tokens.
      all.push_back(moeCase(512, 8, 2, 1024, 2048));
      all.push_back(moeCase(512, 64, 8, 1024, 512));
    }
  }
  std::vector<Case> selected;
  for (Case &c : all)
    if (c.name.find(filter) != std::string::npos)
      selected.push_back(std::move(c));
  return selected;
}

double seconds(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - from)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  if (std::string error; !takeThreadsFlag(argc, argv, error)) {
    llvm::errs() << "hybrid-bench: error: " << error << "\n";
    return 1;
  }
  llvm::cl::ParseCommandLineOptions(
      argc, argv, std::string("hybrid-mlir benchmarks\n") + kThreadsFlagHelp);
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);

  if (!json)
    llvm::outs() << llvm::format("%-32s %11s %15s %11s %7s %11s %7s\n", "kernel", "compiled",
                                 "throughput", "baseline", "speedup", "reference",
                                 "speedup");
  for (const Case &c : cases()) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(c.source, &context);
    if (!module) {
      llvm::errs() << "hybrid-bench: error: cannot parse " << c.name << "\n";
      return 1;
    }
    if (failed(applyWeightType(*module, weightType))) {
      llvm::errs() << "hybrid-bench: error: --weight-type=" << stringifyWeightType(weightType)
                   << " failed on " << c.name << "\n";
      return 1;
    }
    auto func = module->lookupSymbol<func::FuncOp>("f");
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<HostTensor> args;
    for (Type type : func.getArgumentTypes()) {
      auto tensor = cast<RankedTensorType>(type);
      std::vector<float> values(tensor.getNumElements());
      for (float &v : values)
        v = dist(rng);
      args.push_back(HostTensor::fromFloats(
          {tensor.getShape().begin(), tensor.getShape().end()}, values));
      if (tensor.getElementType().isBF16())
        args.back() = args.back().roundedToBFloat16();
    }

    // Median of the timed runs after a warm-up, compiled with `options`.
    double compileSeconds = 0;
    std::vector<HostTensor> results;
    auto timeCompiled = [&](const CPUPipelineOptions &options, double &median) {
      std::string error;
      OwningOpRef<ModuleOp> lowered = module->clone();
      auto compileStart = std::chrono::steady_clock::now();
      std::unique_ptr<JitModule> jit = JitModule::compile(*lowered, error, &options);
      // Weights the code takes in panels, packed once (not timed).
      std::vector<HostTensor> callArgs =
          jit ? packPanelArguments(*jit->signature("f"), args) : args;
      if (!jit || !jit->run("f", callArgs, results, error)) { // warm-up
        llvm::errs() << "hybrid-bench: error: " << error << "\n";
        return false;
      }
      compileSeconds = seconds(compileStart);
      std::vector<double> times;
      for (unsigned n = 0; n < std::max(1u, unsigned(runs)); ++n) {
        auto start = std::chrono::steady_clock::now();
        jit->run("f", callArgs, results, error);
        times.push_back(seconds(start));
      }
      std::sort(times.begin(), times.end());
      median = times[times.size() / 2];
      return true;
    };
    double compiled = 0, plain = 0, ref = 0;
    if (baseline) {
      CPUPipelineOptions plainLoops;
      plainLoops.packedGemm = false;
      plainLoops.attentionKVSplits = kvSplits;
      if (!timeCompiled(plainLoops, plain))
        return 1;
    }
    CPUPipelineOptions defaults;
    defaults.attentionKVSplits = kvSplits;
    defaults.weightsInPanels = weightsInPanels;
    if (!timeCompiled(defaults, compiled))
      return 1;
    if (c.reference) {
      std::string error;
      auto start = std::chrono::steady_clock::now();
      std::vector<HostTensor> expected;
      if (!reference::interpret(func, args, expected, error)) {
        llvm::errs() << "hybrid-bench: error: " << error << "\n";
        return 1;
      }
      ref = seconds(start);
    }
    auto ms = [](double s) { return s > 0 ? llvm::formatv("{0:F2} ms", 1e3 * s).str() : std::string("-"); };
    if (json) {
      llvm::outs() << llvm::formatv(
          "{{\"name\": \"{0}\", \"seconds\": {1:E6}, \"work\": {2:E6}, \"unit\": \"{3}\", "
          "\"baseline_seconds\": {4:E6}, \"reference_seconds\": {5:E6}, "
          "\"compile_seconds\": {6:F3}, \"threads\": {7}}\n",
          c.name, compiled, c.work, c.unit, plain, ref, compileSeconds, threadCount());
      continue;
    }
    auto ratio = [](double other, double ours) {
      return other > 0 ? llvm::formatv("{0:F1}x", other / ours).str() : std::string("-");
    };
    llvm::outs() << llvm::format("%-32s %11s %7.1f %-7s %11s %7s %11s %7s  (compile %.2f s)\n",
                                 c.name.c_str(), ms(compiled).c_str(),
                                 c.work / compiled / 1e9, c.unit, ms(plain).c_str(),
                                 ratio(plain, compiled).c_str(), ms(ref).c_str(),
                                 ratio(ref, compiled).c_str(), compileSeconds);
  }
  return 0;
}
