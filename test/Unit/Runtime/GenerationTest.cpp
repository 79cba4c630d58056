//===- GenerationTest.cpp - Prefill and decode with carried state ---------===//
//
// The runtime's Session against one pass over the whole sequence, on the
// reference evaluator and compiled, for Mamba (conv and SSM state), Gemma 2
// (a ring of exactly W slots for sliding layers, a KV cache for global ones)
// and Jamba (both), Qwen3-Next (conv and delta-rule state, a KV cache),
// from HF configs and our JSON format, and for the JSON
// conv, linear-attention, parallel and memory examples: token-by-token
// decoding, a prompt prefilled in chunks, and restore-then-continue all give
// the logits of the single pass (tolerance 1e-4 of the logits' scale: only
// summation order differs; the single pass is a session's first call, which
// runs the tiled causal attention instead of the cache path). 18 tokens is more than 4 windows of gemma2-tiny
// (W = 4). The state's size does not grow with the tokens. (Jamba runs on
// the reference only: five compiles of it take ~45 s; its compiled decoding
// is checked token for token by test/Integration/Generation.)
//
//===----------------------------------------------------------------------===//

#include "../Frontend/ModelRunner.h"
#include "../TestUtils.h"
#include "hybrid/Compiler/ModelCompiler.h"

#include <gtest/gtest.h>

#include <map>

using namespace mlir;
using namespace mlir::hybrid;
using mlir::hybrid::testing::closeTo;

namespace {

/// Tokens [from, from + count) of two fixed sequences, as [2, count].
HostTensor tokens(int64_t from, int64_t count) {
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = from; i < from + count; ++i)
      ids.push_back((i * 29 + 7 + b * 13) % 61);
  return HostTensor::fromInts({2, count}, ids);
}

/// Rows [from, from + count) of dim 1 of logits [2, S, V].
HostTensor rows(const HostTensor &t, int64_t from, int64_t count) {
  const int64_t seq = t.dim(1), n = t.dim(2);
  std::vector<float> values;
  for (int64_t b = 0; b < t.dim(0); ++b)
    values.insert(values.end(), t.floats() + (b * seq + from) * n,
                  t.floats() + (b * seq + from + count) * n);
  return HostTensor::fromFloats({t.dim(0), count, n}, std::move(values));
}

struct Case {
  const char *description;
  Target target;
};

class Generation : public ::testing::TestWithParam<Case> {};

TEST_P(Generation, DecodeChunksAndRestoreMatchOnePass) {
  std::string error;
  std::unique_ptr<Model> model =
      loadModel(std::string(HYBRID_SOURCE_DIR) + "/" + GetParam().description,
                  Weights::random(3), GetParam().target, error);
  ASSERT_TRUE(model) << error;
  const int64_t total = 18;

  auto whole = model->newSession(2, error);
  ASSERT_TRUE(whole) << error;
  HostTensor all;
  ASSERT_TRUE(whole->prefill(tokens(0, total), all, error)) << error;

  // Token by token; the state keeps its size however far it goes.
  auto stepwise = model->newSession(2, error);
  ASSERT_TRUE(stepwise) << error;
  ASSERT_FALSE(stepwise->stateLayout().empty());
  const int64_t bytes = stepwise->stateBytes();
  for (int64_t i = 0; i < total; ++i) {
    HostTensor logits;
    ASSERT_TRUE(stepwise->decode(tokens(i, 1), logits, error)) << error;
    EXPECT_TRUE(closeTo(logits, rows(all, i, 1), 1e-4)) << "token " << i;
  }
  EXPECT_EQ(stepwise->stateBytes(), bytes);
  EXPECT_EQ(stepwise->tokens(), total);

  // A prompt in chunks of 4 and 14 (longer than a sliding window's ring).
  auto chunked = model->newSession(2, error);
  HostTensor first, second;
  ASSERT_TRUE(chunked->prefill(tokens(0, 4), first, error)) << error;
  ASSERT_TRUE(chunked->prefill(tokens(4, total - 4), second, error)) << error;
  EXPECT_TRUE(closeTo(first, rows(all, 0, 4), 1e-4));
  EXPECT_TRUE(closeTo(second, rows(all, 4, total - 4), 1e-4));

  // Snapshot after 4 tokens, wander off, restore, continue.
  auto session = model->newSession(2, error);
  HostTensor logits;
  ASSERT_TRUE(session->prefill(tokens(0, 4), logits, error)) << error;
  Snapshot at4 = session->snapshot();
  ASSERT_TRUE(session->prefill(tokens(20, 5), logits, error)) << error;
  ASSERT_TRUE(session->restore(at4, error)) << error;
  EXPECT_EQ(session->tokens(), 4);
  ASSERT_TRUE(session->prefill(tokens(4, total - 4), logits, error)) << error;
  EXPECT_TRUE(closeTo(logits, rows(all, 4, total - 4), 1e-4));

  // reset() is a fresh session again (a memory layer back at memory_init).
  session->reset();
  EXPECT_EQ(session->tokens(), 0);
  ASSERT_TRUE(session->prefill(tokens(0, total), logits, error)) << error;
  EXPECT_TRUE(closeTo(logits, all, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(
    StatefulModels, Generation,
    ::testing::Values(Case{"examples/hf/mamba-tiny/config.json", Target::Reference},
                      Case{"examples/hf/mamba-tiny/config.json", Target::CPU},
                      Case{"examples/models/mamba.json", Target::CPU},
                      Case{"examples/hf/gemma2-tiny/config.json", Target::Reference},
                      Case{"examples/hf/gemma2-tiny/config.json", Target::CPU},
                      Case{"examples/hf/jamba-tiny/config.json", Target::Reference},
                      Case{"examples/hf/qwen3-next-tiny/config.json", Target::Reference},
                      Case{"examples/models/gemma2_style.json", Target::Reference},
                      Case{"examples/models/jamba_style.json", Target::Reference},
                      Case{"examples/models/conv_hybrid.json", Target::Reference},
                      Case{"examples/models/linear_attention_hybrid.json",
                           Target::Reference},
                      Case{"examples/models/linear_attention_hybrid.json", Target::CPU},
                      Case{"examples/models/parallel_hybrid.json", Target::Reference},
                      Case{"examples/models/memory_augmented.json", Target::Reference}));

TEST(Generation, MemoryLayerStartsAtItsLearnedMemory) {
  // A fresh session's memory is memory_init ({hybrid.state_init}), not
  // zeros: its logits and written memory are the stateless model's, which
  // reads memory_init itself. Same weights through a checkpoint.
  const std::string path = HYBRID_SOURCE_DIR "/examples/models/memory_augmented.json";
  const std::string file = ::testing::TempDir() + "/memory-generation.safetensors";
  ASSERT_TRUE(mlir::hybrid::testing::writeModelWeights(path, {2, 6, 0}, file));
  std::string error;
  auto model = loadModel(path, Weights::fromFile(file), Target::Reference, error);
  ASSERT_TRUE(model) << error;
  std::vector<HostTensor> stateless =
      mlir::hybrid::testing::runModel(path, {2, 6, 0}, {tokens(0, 6)}, false);
  ASSERT_EQ(stateless.size(), 2u); // logits, the written memory
  // A batch out of range is an error before anything is compiled.
  EXPECT_FALSE(model->newSession(0, error));
  EXPECT_EQ(error, "session: batch must be in [1, 4096], got 0");
  EXPECT_FALSE(model->newSession(int64_t(1) << 40, error));
  auto session = model->newSession(2, error);
  ASSERT_TRUE(session) << error;
  HostTensor logits;
  ASSERT_TRUE(session->prefill(tokens(0, 6), logits, error)) << error;
  EXPECT_TRUE(closeTo(logits, stateless[0], 1e-4));
  EXPECT_TRUE(closeTo(session->snapshot().tensors.at("layers.1.mixer.memory"),
                      stateless[1], 1e-4));
}

class TransformerXLGeneration : public ::testing::TestWithParam<Target> {};

TEST_P(TransformerXLGeneration, CarriesExactlyItsMemoryLength) {
  // examples/models/transformer_xl.json keeps memory_length 8 rows per layer.
  // The oracle is the stateless model run by segments (SegmentMemoryTest
  // ties it to one pass; hf-compare.test to HF's TransfoXLModel), with the
  // same weights written to a checkpoint the Session loads.
  const std::string path = HYBRID_SOURCE_DIR "/examples/models/transformer_xl.json";
  const std::string file = ::testing::TempDir() + "/txl-generation.safetensors";
  ASSERT_TRUE(mlir::hybrid::testing::writeModelWeights(path, {2, 8, 0}, file));
  std::string error;
  auto model = loadModel(path, Weights::fromFile(file), GetParam(), error);
  ASSERT_TRUE(model) << error;
  using mlir::hybrid::testing::runModel;
  // Results: logits, then each layer's memory (the last 8 layer inputs).
  std::vector<HostTensor> whole = runModel(path, {2, 8, 0}, {tokens(0, 8)}, false);
  ASSERT_EQ(whole.size(), 3u);

  // While the memory still holds every earlier token, decoding token by
  // token and a prompt in chunks (3 + 5) give the one pass.
  auto stepwise = model->newSession(2, error);
  ASSERT_TRUE(stepwise) << error;
  EXPECT_EQ(stepwise->stateBytes(), 2 * (2 * 8 * 32) * 4);
  for (int64_t i = 0; i < 8; ++i) {
    HostTensor logits;
    ASSERT_TRUE(stepwise->decode(tokens(i, 1), logits, error)) << error;
    EXPECT_TRUE(closeTo(logits, rows(whole[0], i, 1), 1e-4)) << "token " << i;
  }
  auto chunked = model->newSession(2, error);
  HostTensor first, second;
  ASSERT_TRUE(chunked->prefill(tokens(0, 3), first, error)) << error;
  ASSERT_TRUE(chunked->prefill(tokens(3, 5), second, error)) << error;
  EXPECT_TRUE(closeTo(first, rows(whole[0], 0, 3), 1e-4));
  EXPECT_TRUE(closeTo(second, rows(whole[0], 3, 5), 1e-4));

  // Past memory_length each token is a one-token segment over the last 8
  // rows (HF's TransfoXL with mem_len 8), not the one pass: the state stays
  // 8 rows and equals the stateless memory.
  std::vector<HostTensor> memories{whole[1], whole[2]};
  for (int64_t i = 8; i < 14; ++i) {
    std::vector<HostTensor> segment =
        runModel(path, {2, 1, 8}, {tokens(i, 1), memories[0], memories[1]}, false);
    ASSERT_EQ(segment.size(), 3u);
    HostTensor logits;
    ASSERT_TRUE(stepwise->decode(tokens(i, 1), logits, error)) << error;
    EXPECT_TRUE(closeTo(logits, segment[0], 1e-4)) << "token " << i;
    memories = {segment[1], segment[2]};
  }
  Snapshot state = stepwise->snapshot();
  EXPECT_TRUE(closeTo(state.tensors.at("layers.0.mixer.memory"), memories[0], 1e-4));
  EXPECT_TRUE(closeTo(state.tensors.at("layers.1.mixer.memory"), memories[1], 1e-4));
  EXPECT_EQ(stepwise->stateBytes(), 2 * (2 * 8 * 32) * 4);
}

INSTANTIATE_TEST_SUITE_P(BothTargets, TransformerXLGeneration,
                         ::testing::Values(Target::Reference, Target::CPU));

class AnyLength : public ::testing::TestWithParam<const char *> {};

TEST_P(AnyLength, EveryPromptLengthRunsOnTheFunctionsOfNewSession) {
  // Compiled, prompts of 1 to 150 tokens (150 = 128 as a first call, 16,
  // then six single tokens) each give the logits of the stateless model
  // built for exactly that length and run on the reference evaluator
  // (tolerance 1e-4 of the logits' scale: summation order, and the cache
  // path's attention, differ). Nothing compiles after newSession, neither
  // for a new length nor for decoding.
  const std::string path = std::string(HYBRID_SOURCE_DIR) + "/" + GetParam();
  const std::string file = ::testing::TempDir() + "/any-length.safetensors";
  ASSERT_TRUE(mlir::hybrid::testing::writeModelWeights(path, ModelInputShape{}, file));
  std::string error;
  auto model = loadModel(path, Weights::fromFile(file), Target::CPU, error,
                           /*maxTokens=*/200);
  ASSERT_TRUE(model) << error;
  EXPECT_EQ(model->chunkSizes(), (std::vector<int64_t>{128, 16, 1}));
  auto session = model->newSession(1, error);
  ASSERT_TRUE(session) << error;
  const int64_t compiled = model->compiledFunctions();
  for (int64_t length : {1, 5, 16, 21, 150}) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < length; ++i)
      ids.push_back((i * 37 + 11) % 61);
    HostTensor prompt = HostTensor::fromInts({1, length}, ids), logits;
    session->reset();
    ASSERT_TRUE(session->prefill(prompt, logits, error)) << error;
    std::vector<HostTensor> expected = mlir::hybrid::testing::runModel(
        path, ModelInputShape{1, length}, {prompt}, /*compiled=*/false);
    ASSERT_FALSE(expected.empty());
    EXPECT_TRUE(closeTo(logits, expected[0], 1e-4)) << length << " tokens";
    HostTensor next;
    ASSERT_TRUE(session->decode(HostTensor::fromInts({1, 1}, {3}), next, error)) << error;
  }
  EXPECT_EQ(model->compiledFunctions(), compiled);
}

INSTANTIATE_TEST_SUITE_P(Models, AnyLength,
                         ::testing::Values("examples/hf/gemma2-tiny/config.json",
                                           "examples/hf/mamba-tiny/config.json"));

TEST(Generation, SlidingLayersKeepExactlyTheirWindow) {
  // gemma2-tiny: layer 0 slides over 4 tokens, layer 1 is global; 2 kv heads
  // of 16. After 18 tokens the sliding caches still hold 4 slots.
  std::string error;
  auto model = loadModel(HYBRID_SOURCE_DIR "/examples/hf/gemma2-tiny/config.json",
                           Weights::random(1), Target::Reference, error,
                           /*maxTokens=*/32);
  ASSERT_TRUE(model) << error;
  auto session = model->newSession(1, error);
  HostTensor logits;
  ASSERT_TRUE(session->prefill(HostTensor::fromInts({1, 18}, std::vector<int64_t>(18, 5)),
                               logits, error))
      << error;
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const StateInfo &s : session->stateLayout())
    shapes[s.name] = s.shape;
  EXPECT_EQ(shapes["model.layers.0.self_attn.k_cache"], (std::vector<int64_t>{1, 2, 4, 16}));
  EXPECT_EQ(shapes["model.layers.0.self_attn.v_cache"], (std::vector<int64_t>{1, 2, 4, 16}));
  EXPECT_EQ(shapes["model.layers.1.self_attn.k_cache"], (std::vector<int64_t>{1, 2, 32, 16}));
  Snapshot snapshot = session->snapshot();
  EXPECT_EQ(snapshot.tensors.at("model.layers.0.self_attn.k_cache").dim(2), 4);
  // The context is bounded by the global layer's cache.
  EXPECT_FALSE(session->prefill(HostTensor::fromInts({1, 15}, std::vector<int64_t>(15, 5)),
                                logits, error));
  EXPECT_EQ(error, "session: the context is full: 18 + 15 tokens exceed maxTokens 32 "
                   "(the context the model was compiled for)");
}

TEST(GenerationErrors, EncodersDoNotGenerate) {
  std::string error;
  EXPECT_FALSE(loadModel(HYBRID_SOURCE_DIR "/examples/hf/longformer-tiny/config.json",
                           Weights::random(1), Target::Reference, error));
  EXPECT_EQ(error, HYBRID_SOURCE_DIR "/examples/hf/longformer-tiny/config.json: longformer: an "
                   "encoder (bidirectional attention) does not generate token by token");
}

TEST(GenerationErrors, DecodeTakesOneToken) {
  std::string error;
  auto model = loadModel(HYBRID_SOURCE_DIR "/examples/hf/mamba-tiny/config.json",
                           Weights::random(1), Target::Reference, error);
  ASSERT_TRUE(model) << error;
  auto session = model->newSession(2, error);
  HostTensor logits;
  EXPECT_FALSE(session->decode(tokens(0, 2), logits, error));
  EXPECT_EQ(error, "session: decode takes one token per sequence [2, 1], got 2x2xi64");
  EXPECT_FALSE(session->prefill(HostTensor::fromInts({1, 3}, {1, 2, 3}), logits, error));
  EXPECT_EQ(error, "session: expected token ids [2, n] (int32 or int64), got 1x3xi64");
}

TEST(GenerationErrors, RestoreRefusesForeignSnapshots) {
  // Restoring another batch's state corrupted the heap; an empty snapshot
  // made the next call throw from std::map::at. Each is now refused, and the
  // session keeps its own state.
  std::string error;
  const char *config = HYBRID_SOURCE_DIR "/examples/hf/mamba-tiny/config.json";
  auto model = loadModel(config, Weights::random(1), Target::Reference, error, 16);
  auto other = loadModel(config, Weights::random(1), Target::Reference, error, 16);
  ASSERT_TRUE(model && other) << error;
  auto session = model->newSession(2, error);
  auto single = model->newSession(1, error);
  auto foreign = other->newSession(2, error);
  HostTensor logits;
  ASSERT_TRUE(session->prefill(tokens(0, 3), logits, error)) << error;
  const Snapshot good = session->snapshot();

  EXPECT_FALSE(session->restore(foreign->snapshot(), error));
  EXPECT_EQ(error, "session: cannot restore this snapshot: it was taken from another model");
  EXPECT_FALSE(session->restore(single->snapshot(), error));
  EXPECT_EQ(error, "session: cannot restore this snapshot: it holds 1 sequences, this session 2");
  Snapshot bad = good;
  bad.position = -5;
  EXPECT_FALSE(session->restore(bad, error));
  EXPECT_EQ(error, "session: cannot restore this snapshot: its position -5 is outside "
                   "[0, maxTokens = 16]");
  bad = good;
  bad.tensors.clear();
  EXPECT_FALSE(session->restore(bad, error));
  EXPECT_NE(error.find("it has 0 state tensors"), std::string::npos) << error;
  bad = good;
  bad.tensors.begin()->second = HostTensor::zeros({1, 1});
  EXPECT_FALSE(session->restore(bad, error));
  EXPECT_NE(error.find("is 1x1xf32, the session's layout says"), std::string::npos) << error;

  EXPECT_EQ(session->tokens(), 3);
  EXPECT_TRUE(session->restore(good, error)) << error;
  EXPECT_TRUE(session->decode(tokens(3, 1), logits, error)) << error;
}

} // namespace

TEST(Generation, GatedDeltaNetPrefillMatchesDecoding) {
  // 2000 tokens through examples/hf/qwen3-next-tiny, compiled: a prefill
  // (calls of 128 tokens, each two 64-step chunks of the delta rule's WY
  // form, then a recurrent tail) against 2000 one-token decode steps (the
  // recurrence), every position's logits within 2e-4 of their scale: the
  // chunk's triangular solve and 64-term products round differently from
  // 2000 single steps (measured: ~5e-5 typical, 1.1e-4 at worst, with no
  // growth along the sequence; the op itself is within 1e-4 of the double
  // reference in Differential.GatedDeltaRule*).
  std::string error;
  std::unique_ptr<Model> model =
      loadModel(std::string(HYBRID_SOURCE_DIR) + "/examples/hf/qwen3-next-tiny/config.json",
                Weights::random(5), Target::CPU, error);
  ASSERT_TRUE(model) << error;
  const int64_t total = 2000;
  auto whole = model->newSession(2, error);
  ASSERT_TRUE(whole) << error;
  HostTensor all;
  ASSERT_TRUE(whole->prefill(tokens(0, total), all, error)) << error;
  auto stepwise = model->newSession(2, error);
  ASSERT_TRUE(stepwise) << error;
  for (int64_t i = 0; i < total; ++i) {
    HostTensor logits;
    ASSERT_TRUE(stepwise->decode(tokens(i, 1), logits, error)) << error;
    ASSERT_TRUE(closeTo(logits, rows(all, i, 1), 2e-4)) << "token " << i;
  }
}
