//===- Generate.h - hybrid-run --generate=N ---------------------*- C++ -*-===//
//
// Generation (tools/common/TokenGeneration.h: greedy or sampled) of a model description
// compiled here: for the CPU through the compile cache (an artifact per
// model, batch and context, loaded by the same runtime as
// hybrid-run-module's), or in memory with --no-cache; on the reference
// evaluator for --target=reference. A plain forward pass of a causal HF
// model on the CPU runs through the same session functions.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
#define HYBRID_TOOLS_HYBRID_RUN_GENERATE_H

#include "hybrid/Compiler/ModelCompiler.h"
#include "hybrid/Runtime/Sampling.h"
#include "hybrid/Text/Tokenizer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

struct GenerateOptions {
  std::string description; ///< config.json or hybrid model JSON
  Weights weights;
  /// The checkpoint whose names pick HF's layout (the weights' file, or "").
  std::string checkpoint;
  Target target = Target::CPU;
  /// --target=cuda: the chip (empty: the GPU's own) and the toolkit.
  std::string gpuChip, cudaPath;
  HostTensor prompt;  ///< token ids [batch, P]
  int64_t tokens = 0; ///< how many to generate
  /// The context a session holds; 0: the next power of two ≥ max(256, P + N),
  /// so that prompts of many lengths share one compiled model.
  int64_t maxTokens = 0;
  WeightType weightType = WeightType::F32;
  std::string output; ///< .npy for the generated ids [batch, steps], or ""
  std::vector<int64_t> eosTokenIds;
  std::optional<int64_t> padTokenId;
  bool useCache = true;
  std::string cacheDir; ///< empty: compileCacheDirectory's default
  SamplingOptions sampling; ///< greedy by default
  /// --prompt: the tokenizer that encoded the prompt; the generated text is
  /// printed through it as it comes, instead of the ids.
  const Tokenizer *tokenizer = nullptr;
  std::string promptText;
};

/// Returns the process exit code; errors go to stderr.
int generate(const GenerateOptions &options);

/// A plain forward pass over `options.prompt` [batch, S] through a session
/// (the same compiled functions for every S up to the context, cached like
/// generate's): `logits` [batch, S, vocab]. Returns the process exit code.
int forwardInSession(const GenerateOptions &options, HostTensor &logits);

/// `text` encoded as HF's tokenizer does: ids [1, n].
std::unique_ptr<HostTensor> encodePrompt(const Tokenizer &tokenizer, const std::string &text,
                                         std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
