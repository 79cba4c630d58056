//===- ModelInterfaceTest.cpp - The signature as data, in JSON ------------===//
//
// An artifact's manifest: a hand-built interface survives toJson/fromJson
// unchanged (every role, initial weights, result states, signatures, state
// updated in place, a bf16 weight, a weight packed in panels), and
// each malformed field is refused with its path.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/ModelInterface.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {
ModelInterface example() {
  ModelInterface model;
  model.model = "config.json";
  model.modelType = "gemma2";
  model.vocabSize = 128;
  model.maxTokens = 256;
  model.chunkSizes = {128, 16, 1};
  ProgramFunction fn;
  fn.symbol = "forward_b2_t16";
  fn.batch = 2;
  fn.tokens = 16;
  fn.firstCall = true;
  auto add = [&](ArgumentKind kind, std::string name, std::vector<int64_t> shape,
                 DType dtype, std::string init = "") {
    fn.arguments.push_back({kind, name, init, shape, dtype});
    fn.signature.args.push_back({shape, dtype});
  };
  add(ArgumentKind::Ids, "", {2, 16}, DType::I64);
  add(ArgumentKind::Positions, "", {2, 16}, DType::I64);
  add(ArgumentKind::Extent, "", {1}, DType::I64);
  add(ArgumentKind::Zeros, "", {2, 16}, DType::I64);
  add(ArgumentKind::State, "memory.1", {2, 8, 4}, DType::F32, "memory_init");
  add(ArgumentKind::Weight, "memory_init", {8, 4}, DType::F32);
  add(ArgumentKind::Weight, "lm_head.weight", {128, 4}, DType::BF16); // --weight-type=bf16
  add(ArgumentKind::Weight, "proj.weight", {64, 4}, DType::F32); // packed at load
  fn.arguments.back().panelRows = 32;
  fn.signature.args.back().panelRows = 32;
  fn.signature.results = {{{2, 16, 128}, DType::F32}, {{2, 8, 4}, DType::F32}};
  fn.stateResults = {"memory.1"};
  fn.stateInPlace = true;
  model.functions.push_back(fn);
  return model;
}
} // namespace

TEST(ModelInterface, JsonRoundTrip) {
  const ModelInterface model = example();
  ModelInterface back;
  std::string error;
  ASSERT_TRUE(ModelInterface::fromJson(model.toJson(), back, error)) << error;
  EXPECT_EQ(back.toJson(), model.toJson());
  ASSERT_EQ(back.functions.size(), 1u);
  const ProgramFunction &fn = back.functions[0];
  EXPECT_EQ(fn.symbol, "forward_b2_t16");
  EXPECT_TRUE(fn.firstCall);
  EXPECT_EQ(fn.arguments[2].kind, ArgumentKind::Extent);
  EXPECT_EQ(fn.arguments[4].kind, ArgumentKind::State);
  EXPECT_EQ(fn.arguments[4].initialWeight, "memory_init");
  EXPECT_EQ(fn.arguments[6].dtype, DType::BF16);
  EXPECT_EQ(fn.signature.args[6].dtype, DType::BF16);
  EXPECT_EQ(fn.arguments[5].shape, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(fn.arguments[5].panelRows, 0);
  EXPECT_EQ(fn.arguments[7].panelRows, 32);
  EXPECT_EQ(fn.signature.args[7].panelRows, 32);
  EXPECT_EQ(fn.signature.results[0].shape, (std::vector<int64_t>{2, 16, 128}));
  EXPECT_EQ(fn.stateResults, std::vector<std::string>{"memory.1"});
  EXPECT_EQ(back.find(2, 16, true), &back.functions[0]);
  EXPECT_EQ(back.find(2, 16, false), nullptr);
  // The state result is updated in argument 4's buffer.
  EXPECT_TRUE(fn.stateInPlace);
  EXPECT_EQ(fn.inPlaceArgument(0), 4);
}

// Which state results are written in place: the one with a state argument
// of the same name, shape and type, and only when the code says so (older
// manifests have no "state_in_place" and return every state).
TEST(ModelInterface, InPlaceStatePairs) {
  ProgramFunction fn = example().functions[0];
  EXPECT_EQ(fn.inPlaceArgument(0), 4);
  EXPECT_EQ(fn.inPlaceArgument(1), -1);
  fn.signature.results[1].shape = {2, 9, 4};
  EXPECT_EQ(fn.inPlaceArgument(0), -1);
  fn = example().functions[0];
  fn.stateResults = {"memory.2"};
  EXPECT_EQ(fn.inPlaceArgument(0), -1);
  fn = example().functions[0];
  fn.stateInPlace = false;
  EXPECT_EQ(fn.inPlaceArgument(0), -1);
  std::string text = example().toJson();
  const std::string key = "\"state_in_place\":true,";
  ASSERT_NE(text.find(key), std::string::npos);
  text.erase(text.find(key), key.size());
  ModelInterface old;
  std::string error;
  ASSERT_TRUE(ModelInterface::fromJson(text, old, error)) << error;
  EXPECT_FALSE(old.functions[0].stateInPlace);
}

// A CUDA artifact's manifest says so; a CPU one keeps its old form.
TEST(ModelInterface, CudaTargetRoundTrips) {
  ModelInterface model = example();
  EXPECT_EQ(model.toJson().find("\"target\""), std::string::npos);
  model.target = "cuda";
  model.gpuChip = "sm_90a";
  ModelInterface back;
  std::string error;
  ASSERT_TRUE(ModelInterface::fromJson(model.toJson(), back, error)) << error;
  EXPECT_EQ(back.target, "cuda");
  EXPECT_EQ(back.gpuChip, "sm_90a");
  EXPECT_EQ(back.toJson(), model.toJson());
  std::string text = model.toJson();
  auto replaced = [](std::string text, const std::string &from, const std::string &to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  EXPECT_FALSE(ModelInterface::fromJson(replaced(text, "\"cuda\"", "\"tpu\""), back, error));
  EXPECT_EQ(error, "'target' must be \"cpu\" or \"cuda\", got 'tpu'");
  EXPECT_FALSE(
      ModelInterface::fromJson(replaced(text, "\"sm_90a\"", "\"hopper\""), back, error));
  EXPECT_EQ(error, "'gpu_chip' must name the GPU the kernels were compiled for (sm_80, ...)");
}

TEST(ModelInterface, MalformedManifestsNameTheField) {
  const std::string good = example().toJson();
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string text = good;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  struct Case {
    std::string text, message;
  } cases[] = {
      {"[1]", "the manifest must be an object"},
      {replaced("\"vocab_size\":128", "\"vocab_size\":0"), "'vocab_size' must be an integer >= 1"},
      {replaced("\"role\":\"zeros\"", "\"role\":\"bias\""),
       "'functions[0].arguments[3].role' must be ids, positions, extent, state, zeros or weight, got 'bias'"},
      {replaced("\"dtype\":\"f32\"", "\"dtype\":\"f64\""),
       "'functions[0].arguments[4].dtype' must be f32, bf16, i32 or i64, got 'f64'"},
      {replaced("\"first_call\":true", "\"first_call\":1"),
       "'functions[0].first_call' must be true or false"},
      {replaced("\"state_in_place\":true", "\"state_in_place\":\"yes\""),
       "'functions[0].state_in_place' must be true or false"},
      {replaced(",\"state\":\"memory.1\"", ""), "'functions[0].results[1].state' must be a string"},
      // The manifest must agree with the code's shapes: an edited vocab_size
      // would let ids past the embedding through.
      {replaced("\"vocab_size\":128", "\"vocab_size\":100000"),
       "'functions[0].results[0]' (the logits) must be [batch, tokens, vocab_size] = [2, 16, 100000]"},
      // Panels are for f32 weights [N, K] whose N they divide.
      {replaced("\"panel_rows\":32", "\"panel_rows\":0"),
       "'functions[0].arguments[7].panel_rows' must be an integer >= 1"},
      {replaced("\"panel_rows\":32", "\"panel_rows\":48"),
       "'functions[0].arguments[7].panel_rows' is only for an f32 weight [N, K] with N a "
       "multiple of it"},
      {good.substr(0, 40), ""},
  };
  for (const Case &c : cases) {
    ModelInterface out;
    std::string error;
    EXPECT_FALSE(ModelInterface::fromJson(c.text, out, error)) << c.text;
    if (!c.message.empty())
      EXPECT_EQ(error, c.message);
    else
      EXPECT_EQ(error.rfind("malformed JSON (line 1, column ", 0), 0u) << error;
  }
}
