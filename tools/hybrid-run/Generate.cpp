//===- Generate.cpp - hybrid-run --generate=N -----------------------------===//

#include "Generate.h"
#include "../common/GreedyGeneration.h"

#include "hybrid/Compiler/CompileCache.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::hybrid;

namespace {
int fail(const std::string &message) {
  llvm::errs() << "hybrid-run: error: " << message << "\n";
  return 1;
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}
} // namespace

int mlir::hybrid::generate(const GenerateOptions &options) {
  const HostTensor &prompt = options.prompt;
  if (prompt.isFloat() || prompt.rank() != 2)
    return fail("--generate needs token ids [batch, prompt length] in --input, got " +
                prompt.typeString());
  int64_t context = options.maxTokens;
  if (context == 0) {
    context = 256;
    while (context < prompt.dim(1) + options.tokens)
      context *= 2;
  }
  if (prompt.dim(1) + options.tokens > context)
    return fail("the prompt (" + std::to_string(prompt.dim(1)) + " tokens) and " +
                std::to_string(options.tokens) + " generated tokens exceed --max-tokens=" +
                std::to_string(context));
  const auto start = std::chrono::steady_clock::now();
  std::string error, how;
  std::unique_ptr<Model> model;
  if (options.target == Target::CPU && options.useCache) {
    ArtifactOptions artifact;
    artifact.batch = prompt.dim(0);
    artifact.maxTokens = context;
    artifact.checkpoint = options.checkpoint;
    artifact.verbose = true;
    const std::string directory = compileCacheDirectory(options.cacheDir);
    std::unique_ptr<ModelCode> code =
        loadCachedModel(options.description, artifact, directory, how, error);
    if (!code)
      return fail(error);
    model = Model::create(std::move(code), options.weights, error);
    how = "compile cache " + how + " in " + directory;
  } else {
    if (options.target == Target::CPU)
      llvm::errs() << "hybrid-run: compiling " << options.description << " (--no-cache)...\n";
    model = loadModel(options.description, options.weights, options.target, error, context);
    how = options.target == Target::CPU ? "compiled in memory" : "reference evaluator";
  }
  if (!model)
    return fail(error);
  // The session's functions are ready once it exists: the first token's
  // time is load + prefill.
  llvm::errs() << llvm::format("hybrid-run: %s ready in %.1f ms (%s; context %lld tokens)\n",
                               options.description.c_str(), millisecondsSince(start),
                               how.c_str(), (long long)context);
  GreedyOptions greedy;
  greedy.prompt = prompt;
  greedy.tokens = options.tokens;
  greedy.output = options.output;
  greedy.eosTokenIds = options.eosTokenIds;
  greedy.padTokenId = options.padTokenId;
  greedy.tool = "hybrid-run";
  return generateGreedy(*model, greedy);
}
