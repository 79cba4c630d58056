//===- hybrid-bench.cpp - Compiled kernels against the reference ----------===//
//
// Times compiled code (hybrid-cpu-pipeline + JIT) and the reference evaluator
// side by side in one process on the same inputs, and prints throughput and
// the ratio. Figures only: nothing here is asserted, the machines are shared.
//
//   hybrid-bench [--runs=N] [--quick]
//
//===----------------------------------------------------------------------===//

#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Compiler/JitModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
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

struct Case {
  std::string name, source;
  double work;          // FLOPs, or bytes for memory-bound kernels
  const char *unit;     // "GFLOP/s" or "GB/s"
  int64_t intMax = 0;   // integer inputs in [0, intMax)
};

std::string replaceAll(std::string text, const std::string &key,
                       const std::string &value) {
  for (size_t at = text.find(key); at != std::string::npos;
       at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
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
  all.push_back({"selective_scan d_inner=" + std::to_string(E) + " N=16 L=" +
                     std::to_string(L),
                 scan, 4.0 * (4.0 * L * E + 2.0 * L * N), "GB/s"});
  std::string m = std::to_string(M);
  all.push_back({"matmul " + m + "^3 (hybrid.linear)",
                 "func.func @f(%x: tensor<1x" + m + "x" + m + "xf32>, %w: tensor<" + m +
                     "x" + m + "xf32>) -> tensor<1x" + m + "x" + m + "xf32> {\n"
                     "  %y = hybrid.linear %x, %w : (tensor<1x" + m + "x" + m +
                     "xf32>, tensor<" + m + "x" + m + "xf32>) -> tensor<1x" + m + "x" + m +
                     "xf32>\n  return %y : tensor<1x" + m + "x" + m + "xf32>\n}\n",
                 2.0 * M * M * M, "GFLOP/s"});
  return all;
}

double seconds(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - from)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv, "hybrid-mlir benchmarks\n");
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);

  llvm::outs() << llvm::format("%-44s %12s %12s %12s %10s\n", "kernel",
                               "compiled", "reference", "compiled", "speedup");
  for (const Case &c : cases()) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(c.source, &context);
    if (!module) {
      llvm::errs() << "hybrid-bench: error: cannot parse " << c.name << "\n";
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
    }

    std::string error;
    OwningOpRef<ModuleOp> lowered = module->clone();
    auto compileStart = std::chrono::steady_clock::now();
    std::unique_ptr<JitModule> jit = JitModule::compile(*lowered, error);
    if (!jit) {
      llvm::errs() << "hybrid-bench: error: " << error << "\n";
      return 1;
    }
    double compileSeconds = seconds(compileStart);
    std::vector<HostTensor> results;
    if (!jit->run("f", args, results, error)) { // warm-up
      llvm::errs() << "hybrid-bench: error: " << error << "\n";
      return 1;
    }
    std::vector<double> times;
    for (unsigned n = 0; n < std::max(1u, unsigned(runs)); ++n) {
      auto start = std::chrono::steady_clock::now();
      jit->run("f", args, results, error);
      times.push_back(seconds(start));
    }
    std::sort(times.begin(), times.end());
    double compiled = times[times.size() / 2];
    auto start = std::chrono::steady_clock::now();
    if (!reference::interpret(func, args, results, error)) {
      llvm::errs() << "hybrid-bench: error: " << error << "\n";
      return 1;
    }
    double ref = seconds(start);
    llvm::outs() << llvm::format(
        "%-44s %9.2f ms %9.2f ms %7.2f %s %9.1fx   (compile %.2f s)\n",
        c.name.c_str(), 1e3 * compiled, 1e3 * ref, c.work / compiled / 1e9,
        c.unit, ref / compiled, compileSeconds);
  }
  return 0;
}
