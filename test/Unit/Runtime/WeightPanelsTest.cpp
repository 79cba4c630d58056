//===- WeightPanelsTest.cpp - Weights packed once at load ----------------===//
//
// The layout the runtime packs weights into (hand-computed), and products
// compiled with weights-in-panels against the reference evaluator, which
// reads W's rows: every kernel variant (matrix-vector for 1 to 15 rows, at
// each register budget and stream count; the packed GEMM with A packed and in place; several
// k blocks; a K that is no multiple of the vector width). Tolerance 1e-4 of
// the output's scale, as every differential test: the kernels' sums over k
// run in another order than the reference's (FMA chains, k blocks).
// And a model whose functions take one weight in different layouts gets
// each its own, and a state starting at that weight its rows.
// (Checked to fail with the panel index's n % P and n / P swapped.)
//
//===----------------------------------------------------------------------===//

#include "Differential.h"

#include "hybrid/Compiler/JitModule.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Runtime/Model.h"
#include "hybrid/Support/RandomWeights.h"
#include "hybrid/Support/WeightPanels.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <tuple>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

TEST(WeightPanels, PackedLayoutByHand) {
  // W [4, 3], W[n][k] = 10n + k, in panels of 2 rows: [2, 3, 2].
  std::vector<float> rows;
  for (int n = 0; n < 4; ++n)
    for (int k = 0; k < 3; ++k)
      rows.push_back(float(10 * n + k));
  HostTensor w = HostTensor::fromFloats({4, 3}, rows);
  HostTensor packed = packWeightPanels(w, 2);
  const std::vector<float> expected = {0, 10, 1, 11, 2, 12, 20, 30, 21, 31, 22, 32};
  ASSERT_EQ(packed.shape(), w.shape());
  EXPECT_EQ(std::vector<float>(packed.floats(), packed.floats() + 12), expected);
  HostTensor back = unpackWeightPanels(packed, 2);
  EXPECT_EQ(std::vector<float>(back.floats(), back.floats() + 12), rows);
}

/// @f: y = x·Wᵀ for x [M, K], W [N, K] (a weight).
std::string product(int64_t m, int64_t n, int64_t k) {
  return hybrid::testing::format(
      "func.func @f(%x: tensor<{M}x{K}xf32>, %w: tensor<{N}x{K}xf32> {hybrid.weight = \"w\"})"
      " -> tensor<{M}x{N}xf32> {\n"
      "  %y = hybrid.linear %x, %w : (tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>)"
      " -> tensor<{M}x{N}xf32>\n"
      "  return %y : tensor<{M}x{N}xf32>\n}\n",
      {{"M", std::to_string(m)}, {"N", std::to_string(n)}, {"K", std::to_string(k)}});
}

/// The rows per panel in which @f's code takes W (0: rows).
int64_t panelRowsOfW(const std::string &source, const CPUPipelineOptions &options) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  std::string error;
  std::unique_ptr<JitModule> jit = module ? JitModule::compile(*module, error, &options)
                                          : nullptr;
  EXPECT_TRUE(jit) << error;
  return jit ? jit->signature("f")->args[1].panelRows : -1;
}

TEST(WeightPanels, ProductsMatchReference) {
  CPUPipelineOptions options;
  options.weightsInPanels = true;
  struct Shape {
    int64_t m, n, k;
  };
  // Rows: matrix-vector kernels (1, 2, 3: every vector of a panel per pass,
  // as 4, 3 and 2 streams over parts of K, with a tail of K's remainder
  // where it does not divide; 7, 9: half the vectors per pass, block by
  // block of 64 k's over four parts of K and the remainder; 13: one), then
  // the packed GEMM (16, 40); N = 320 is more than four panels (A packed);
  // K = 1100 is three k blocks, K = 37 not a multiple of the vector width.
  for (Shape s : {Shape{1, 128, 512}, Shape{1, 64, 37}, Shape{2, 128, 100},
                  Shape{3, 64, 37}, Shape{7, 192, 100}, Shape{9, 128, 1103},
                  Shape{13, 128, 64}, Shape{16, 192, 1100}, Shape{40, 320, 37},
                  Shape{40, 64, 200}}) {
    SCOPED_TRACE("M=" + std::to_string(s.m) + " N=" + std::to_string(s.n) +
                 " K=" + std::to_string(s.k));
    const std::string source = product(s.m, s.n, s.k);
    EXPECT_GT(panelRowsOfW(source, options), 0) << "W is not taken in panels";
    EXPECT_TRUE(hybrid::testing::matchesReference(source, "f", /*seed=*/s.m + s.n + s.k, {}, 1e-4,
                                          &options));
  }
}

TEST(WeightPanels, RowsWhereNoWholePanels) {
  // N = 100 is no whole number of panels (of 16 or 64 rows): W stays rows.
  CPUPipelineOptions options;
  options.weightsInPanels = true;
  const std::string source = product(4, 100, 64);
  EXPECT_EQ(panelRowsOfW(source, options), 0);
  EXPECT_TRUE(hybrid::testing::matchesReference(source, "f", 5, {}, 1e-4, &options));
}

} // namespace

namespace {

/// Code whose functions take weight "w" [4, 3] in different layouts
/// (one token: panels of 2 rows; two tokens: rows) and a state "s" that
/// starts at "w"; run() keeps the weight each call was given.
class LayoutRecordingCode : public ModelCode {
public:
  LayoutRecordingCode() {
    model.model = "test";
    model.modelType = "test";
    model.vocabSize = 4;
    model.maxTokens = 8;
    model.chunkSizes = {2, 1};
    for (auto [tokens, firstCall, panelRows] :
         {std::tuple<int64_t, bool, int64_t>{1, false, 2}, {2, false, 0}, {2, true, 0}}) {
      ProgramFunction fn;
      fn.symbol = "f" + std::to_string(tokens) + (firstCall ? "_first" : "");
      fn.tokens = tokens;
      fn.firstCall = firstCall;
      fn.arguments.push_back({ArgumentKind::Ids, "", "", {1, tokens}, DType::I64});
      fn.arguments.push_back({ArgumentKind::Weight, "w", "", {4, 3}, DType::F32});
      fn.arguments.back().panelRows = panelRows;
      fn.arguments.push_back({ArgumentKind::State, "s", "w", {4, 3}, DType::F32});
      fn.stateResults = {"s"};
      for (const ProgramArgument &arg : fn.arguments)
        fn.signature.args.push_back({arg.shape, arg.dtype, arg.panelRows});
      fn.signature.results = {{{1, tokens, 4}, DType::F32}, {{4, 3}, DType::F32}};
      model.functions.push_back(fn);
    }
  }
  const ModelInterface &interface() const override { return model; }
  const ProgramFunction *function(int64_t batch, int64_t tokens, bool firstCall,
                                  std::string &error) override {
    const ProgramFunction *fn = model.find(batch, tokens, firstCall);
    if (!fn)
      error = "no such function";
    return fn;
  }
  bool run(const ProgramFunction &fn, const std::vector<const HostTensor *> &args,
           std::vector<HostTensor> &results, std::string &) override {
    passed[fn.symbol] = *args[1];
    results = {HostTensor::zeros({1, fn.tokens, 4}), *args[2]};
    return true;
  }
  ModelInterface model;
  std::map<std::string, HostTensor> passed;
};

std::vector<float> values(const HostTensor &t) {
  return std::vector<float>(t.floats(), t.floats() + t.numel());
}

TEST(WeightPanels, ModelPassesEachFunctionItsLayout) {
  auto owned = std::make_unique<LayoutRecordingCode>();
  LayoutRecordingCode *code = owned.get();
  std::string error;
  // Loaded in panels (the first function's layout); the others' rows are
  // unpacked from them, and the state starts at the rows.
  std::unique_ptr<Model> model = Model::create(std::move(owned), Weights::random(3), error);
  ASSERT_TRUE(model) << error;
  const HostTensor rows = randomWeight("w", {4, 3}, 3);
  std::unique_ptr<Session> session = model->newSession(1, error);
  ASSERT_TRUE(session) << error;
  EXPECT_EQ(values(session->snapshot().tensors.at("s")), values(rows));
  HostTensor logits;
  ASSERT_TRUE(session->prefill(HostTensor::fromInts({1, 2}, {1, 2}), logits, error)) << error;
  ASSERT_TRUE(session->decode(HostTensor::fromInts({1, 1}, {3}), logits, error)) << error;
  EXPECT_EQ(values(code->passed.at("f2_first")), values(rows));
  EXPECT_EQ(values(code->passed.at("f1")), values(packWeightPanels(rows, 2)));
}

} // namespace
