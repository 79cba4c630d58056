//===- Generate.cpp - hybrid-run --generate=N -----------------------------===//

#include "Generate.h"
#include "../common/PrintableErrorStream.h"
#include "../common/TokenGeneration.h"

#include "hybrid/Compiler/CompileCache.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::hybrid;

namespace {
int fail(const std::string &message) {
  errorStream() << "hybrid-run: error: " << message << "\n";
  return 1;
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}
} // namespace

namespace {
/// The context a session holds for `tokens` tokens: --max-tokens, else the
/// next power of two ≥ max(`least`, tokens), so that prompts of many
/// lengths share one compiled model. 0 when `tokens` exceed --max-tokens.
int64_t sessionContext(const GenerateOptions &options, int64_t tokens, int64_t least) {
  int64_t context = options.maxTokens;
  if (context == 0) {
    context = least;
    while (context < tokens)
      context *= 2;
  }
  return tokens > context ? 0 : context;
}

/// Checks `ids` against the model's vocabulary before anything compiles
/// (a cold compile takes seconds): the import alone, milliseconds, knows
/// the vocabulary, and reports a bad description as loading would.
bool checkTokenIds(const GenerateOptions &options, const HostTensor &ids, std::string &error) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  ModelInfo info;
  if (!importModel(&context, options.description, ModelInputShape{1, 1}, info, error))
    return false;
  // No vocabulary (an image model): loading says what is wrong.
  for (int64_t n = 0; info.vocabSize > 0 && n < ids.numel(); ++n) {
    const int64_t id = ids.ints()[n];
    if (id < 0 || id >= info.vocabSize) {
      error = "token id " + std::to_string(id) + " at position " + std::to_string(n) +
              " is outside the vocabulary [0, " + std::to_string(info.vocabSize) + ")";
      return false;
    }
  }
  return true;
}

/// The model with every function a session of `ids`' batch calls, once
/// the ids are checked: through the compile cache, compiled in memory
/// (--no-cache), or on the reference evaluator. Prints how it came and how
/// long that took.
std::unique_ptr<Model> loadSessionModel(const GenerateOptions &options, const HostTensor &ids,
                                        int64_t context, std::string &error) {
  if (!checkTokenIds(options, ids, error))
    return nullptr;
  const auto start = std::chrono::steady_clock::now();
  if (options.target != Target::Reference && !options.useCache)
    errorStream() << "hybrid-run: compiling " << options.description << " (--no-cache)...\n";
  SessionModelOptions load;
  load.target = options.target;
  load.batch = ids.dim(0);
  load.maxTokens = context;
  load.checkpoint = options.checkpoint;
  load.useCache = options.useCache;
  load.cacheDir = options.cacheDir;
  load.verbose = true;
  load.weightType = options.weightType;
  load.gpuChip = options.gpuChip;
  load.cudaPath = options.cudaPath;
  std::string how;
  std::unique_ptr<Model> model =
      loadModelForSessions(options.description, options.weights, load, how, error);
  if (!model)
    return nullptr;
  // The session's functions are ready once it exists: the first token's
  // time is load + prefill.
  errorStream() << llvm::format("hybrid-run: %s ready in %.1f ms (%s; context %lld tokens)\n",
                               options.description.c_str(), millisecondsSince(start),
                               how.c_str(), (long long)context);
  return model;
}
} // namespace

int mlir::hybrid::forwardInSession(const GenerateOptions &options, HostTensor &logits) {
  const HostTensor &ids = options.prompt;
  if (ids.dim(0) < 1 || ids.dim(1) < 1)
    return fail("input ids need at least one sequence of at least one token, got " +
                ids.typeString());
  // One compiled model for every length up to 2048 (generation sizes its
  // context to the prompt instead: a decode step copies the KV caches).
  const int64_t context = sessionContext(options, ids.dim(1), /*least=*/2048);
  if (context == 0)
    return fail("the input's " + std::to_string(ids.dim(1)) + " tokens exceed --max-tokens=" +
                std::to_string(options.maxTokens));
  std::string error;
  std::unique_ptr<Model> model = loadSessionModel(options, ids, context, error);
  if (!model)
    return fail(error);
  std::unique_ptr<Session> session = model->newSession(ids.dim(0), error);
  if (!session)
    return fail(error);
  const auto start = std::chrono::steady_clock::now();
  if (!session->prefill(ids, logits, error))
    return fail(error);
  errorStream() << llvm::format("hybrid-run: forward over %lld tokens in %.1f ms\n",
                               (long long)ids.dim(1), millisecondsSince(start));
  return 0;
}

int mlir::hybrid::generate(const GenerateOptions &options) {
  const HostTensor &prompt = options.prompt;
  if (prompt.isFloat() || prompt.rank() != 2)
    return fail("--generate needs token ids [batch, prompt length] in --input, got " +
                prompt.typeString());
  if (prompt.dim(0) < 1 || prompt.dim(1) < 1)
    return fail("--generate needs at least one prompt of at least one token, got " +
                prompt.typeString());
  const int64_t context = sessionContext(options, prompt.dim(1) + options.tokens, /*least=*/256);
  if (context == 0)
    return fail("the prompt (" + std::to_string(prompt.dim(1)) + " tokens) and " +
                std::to_string(options.tokens) + " generated tokens exceed --max-tokens=" +
                std::to_string(options.maxTokens));
  std::string error;
  std::unique_ptr<Model> model = loadSessionModel(options, prompt, context, error);
  if (!model)
    return fail(error);
  GenerationOptions generation;
  generation.prompt = prompt;
  generation.tokens = options.tokens;
  generation.output = options.output;
  generation.eosTokenIds = options.eosTokenIds;
  generation.padTokenId = options.padTokenId;
  generation.sampling = options.sampling;
  generation.tool = "hybrid-run";
  if (!options.tokenizer)
    return generateTokens(*model, generation);

  // --prompt: the prompt, then the new text as each token completes it.
  TextStream stream(*options.tokenizer);
  generation.onStep = [&](int64_t step, const HostTensor &tokens) {
    std::string text = step < 0 ? stream.finish() + "\n" : stream.add(tokens.ints()[0]);
    if (step == 0)
      text = options.promptText + text;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  return generateTokens(*model, generation);
}

std::unique_ptr<HostTensor> mlir::hybrid::encodePrompt(const Tokenizer &tokenizer,
                                                       const std::string &text,
                                                       std::string &error) {
  std::vector<int64_t> ids;
  if (!tokenizer.encode(text, ids, error)) {
    error = "--prompt: " + error;
    return nullptr;
  }
  if (ids.empty()) {
    error = "--prompt: the prompt encodes to no tokens";
    return nullptr;
  }
  const int64_t length = static_cast<int64_t>(ids.size());
  return std::make_unique<HostTensor>(HostTensor::fromInts({1, length}, std::move(ids)));
}
