//===- hybrid-run-module.cpp - Run a compiled-model artifact --------------===//
//
//   hybrid-run-module m.hybrid --weights=model.safetensors|--random-weights=SEED
//       --input=@ids.npy|--input=1x5xi64=1,2,3,4,5
//       [--output=@logits.npy] [--expected-output=@logits.npy [--tolerance=T]]
//       [--generate=N [--eos=ID]... [--output=@ids.npy] [--do-sample ...]]
//       [--threads=N]
//       [--print-signature]
//
// In the spirit of iree-run-module: loads an artifact written by
// `hybrid-compile MODEL --emit=module` (docs/artifact.md) and the model's
// weights, then runs a forward pass over the token ids (the logits of
// every position, as a fresh session's prefill gives them) or greedy
// generation. It links no LLVM or MLIR: this binary, its artifact and the
// weights are all another machine needs. An artifact compiled for the GPU
// (--target=cuda) runs there through the CUDA driver it finds
// (lib/Runtime/CudaDevice.cpp), or is refused with "no CUDA device".
//
//===----------------------------------------------------------------------===//

#include "../common/SamplingFlags.h"
#include "../common/TokenGeneration.h"
#include "../common/TensorText.h"

#include "hybrid/Runtime/Artifact.h"
#include "hybrid/Runtime/Model.h"
#include "../common/ThreadsFlag.h"
#include "hybrid/Support/Npy.h"
#include "hybrid/Support/PrintableText.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace mlir::hybrid;

namespace {
const char *kUsage =
    "usage: hybrid-run-module ARTIFACT.hybrid (--weights=FILE | --random-weights=SEED)\n"
    "           --input=@ids.npy|--input=BxNxi64=ids [--output=@file.npy]\n"
    "           [--expected-output=@logits.npy] [--tolerance=T]\n"
    "           [--generate=N] [--eos=ID]... [--threads=N] [--print-signature]\n"
    "Runs a compiled-model artifact (hybrid-compile MODEL --emit=module -o ARTIFACT;\n"
    "with --target=cuda, on this machine's NVIDIA GPU).\n";

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "hybrid-run-module: error: %s\n", printableText(message).c_str());
  return 1;
}

/// "--name=value": the value, if `arg` is that flag.
bool flag(const std::string &arg, const char *name, std::string &value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.compare(0, prefix.size(), prefix) != 0)
    return false;
  value = arg.substr(prefix.size());
  return true;
}

bool integerValue(const std::string &text, int64_t &out) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0)
    return false;
  out = v;
  return true;
}

void printSignature(const ModelInterface &model) {
  std::printf("model: %s (%s), vocab %lld, context %lld tokens, chunks of",
              model.model.c_str(), model.modelType.c_str(), (long long)model.vocabSize,
              (long long)model.maxTokens);
  for (int64_t size : model.chunkSizes)
    std::printf(" %lld", (long long)size);
  std::printf(" tokens\n");
  if (model.target == "cuda")
    std::printf("target: cuda, kernels for %s (and its PTX), host code for %s\n",
                model.gpuChip.c_str(), model.cpu.c_str());
  for (const ProgramFunction &fn : model.functions) {
    int64_t weights = 0, states = 0;
    for (const ProgramArgument &arg : fn.arguments) {
      weights += arg.kind == ArgumentKind::Weight;
      states += arg.kind == ArgumentKind::State;
    }
    std::printf("function %s: batch %lld x %lld tokens%s, %zu arguments (%lld weights, "
                "%lld state), %zu results\n",
                fn.symbol.c_str(), (long long)fn.batch, (long long)fn.tokens,
                fn.firstCall ? " (first call)" : "", fn.arguments.size(),
                (long long)weights, (long long)states, fn.signature.results.size());
  }
  if (!model.functions.empty())
    for (const ProgramArgument &arg : model.functions.front().arguments)
      if (arg.kind == ArgumentKind::State)
        std::printf("state %s: %s%s\n", arg.name.c_str(),
                    HostTensor::zeros(arg.shape, arg.dtype).typeString().c_str(),
                    arg.initialWeight.empty() ? ""
                                              : (" from " + arg.initialWeight).c_str());
}
} // namespace

int main(int argc, char **argv) {
  std::string artifact, weightsFile, input, output, expected;
  int64_t seed = -1, generate = 0;
  double tolerance = 1e-4;
  bool showSignature = false;
  std::vector<int64_t> eos;
  if (std::string error; !takeThreadsFlag(argc, argv, error))
    return fail(error);
  SamplingFlags samplingFlags;
  if (std::string error; !takeSamplingFlags(argc, argv, samplingFlags, error))
    return fail(error);
  SamplingOptions sampling;
  if (std::string error; !samplingFlags.applyTo(sampling, error))
    return fail(error);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (arg == "--help" || arg == "-h") {
      std::printf("%s%s%s", kUsage, kThreadsFlagHelp, kSamplingFlagsHelp);
      return 0;
    }
    if (flag(arg, "weights", value)) {
      weightsFile = value;
    } else if (flag(arg, "random-weights", value)) {
      if (!integerValue(value, seed) || seed < 0)
        return fail("--random-weights takes a non-negative seed, got '" + value + "'");
    } else if (flag(arg, "input", value)) {
      if (!input.empty())
        return fail("one --input: the token ids [batch, n]");
      input = value;
    } else if (flag(arg, "output", value)) {
      output = value;
    } else if (flag(arg, "expected-output", value)) {
      expected = value;
    } else if (flag(arg, "tolerance", value)) {
      char *end = nullptr;
      tolerance = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(tolerance >= 0))
        return fail("--tolerance takes a non-negative number, got '" + value + "'");
    } else if (flag(arg, "generate", value)) {
      if (!integerValue(value, generate) || generate < 1)
        return fail("--generate takes a positive number of tokens, got '" + value + "'");
    } else if (flag(arg, "eos", value)) {
      int64_t id;
      if (!integerValue(value, id) || id < 0)
        return fail("--eos takes a token id, got '" + value + "'");
      eos.push_back(id);
    } else if (arg == "--print-signature") {
      showSignature = true;
    } else if (arg.rfind("--", 0) == 0) {
      return fail("unknown option '" + arg + "'\n" + kUsage);
    } else if (artifact.empty()) {
      artifact = arg;
    } else {
      return fail("one artifact, got '" + artifact + "' and '" + arg + "'");
    }
  }
  if (artifact.empty())
    return fail(std::string("no artifact given\n") + kUsage);

  const auto start = std::chrono::steady_clock::now();
  std::string error;
  // The signature alone needs no code loaded (nor the GPU a CUDA artifact's
  // code needs).
  if (showSignature && input.empty()) {
    ModelInterface interface;
    if (!readArtifactInterface(artifact, interface, error))
      return fail(error);
    printSignature(interface);
    return 0;
  }
  std::unique_ptr<ModelCode> code = loadArtifact(artifact, error);
  if (!code)
    return fail(error);
  if (showSignature) {
    printSignature(code->interface());
    if (input.empty())
      return 0;
  }
  if (weightsFile.empty() && seed < 0)
    return fail("--weights=FILE.safetensors or --random-weights=SEED is needed");
  std::unique_ptr<Model> model = Model::create(
      std::move(code), weightsFile.empty() ? Weights::random(int(seed)) : Weights::fromFile(weightsFile),
      error);
  if (!model)
    return fail(error);
  std::fprintf(stderr, "hybrid-run-module: %s loaded in %.1f ms\n", artifact.c_str(),
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                         start)
                   .count());
  if (input.empty())
    return fail("--input with the token ids [batch, n] is needed");
  HostTensor ids;
  if (!readInput(input, ids, error))
    return fail("--input: " + error);
  if (output.size() && output[0] != '@')
    return fail("--output=" + output + ": expected @file.npy");

  if (seed >= 0 && !weightsFile.empty())
    return fail("give --weights or --random-weights, not both");
  if (samplingFlags.any() && generate == 0)
    return fail("--do-sample and the other sampling flags need --generate=N");
  if (generate > 0 && !expected.empty())
    return fail("--expected-output is for a forward pass; --generate writes its tokens "
                "with --output=@ids.npy");
  if (generate > 0) {
    GenerationOptions options;
    options.sampling = sampling;
    options.prompt = ids;
    options.tokens = generate;
    options.output = output.empty() ? "" : output.substr(1);
    options.eosTokenIds = eos;
    options.tool = "hybrid-run-module";
    return generateTokens(*model, options);
  }
  // A forward pass: a fresh session's prefill gives every position's logits.
  if (ids.isFloat() || ids.rank() != 2)
    return fail("--input: expected token ids [batch, n], got " + ids.typeString());
  std::unique_ptr<Session> session = model->newSession(ids.dim(0), error);
  HostTensor logits;
  if (!session || !session->prefill(ids, logits, error))
    return fail(error);
  if (!expected.empty()) {
    HostTensor want;
    if (expected[0] != '@' || !readNpy(expected.substr(1), want, error))
      return fail("--expected-output=" + expected + ": " +
                  (error.empty() ? "expected @file.npy" : error));
    std::string report;
    if (!matchesExpected(0, logits, want, tolerance, error, report))
      return fail(error);
    std::printf("%s\n", report.c_str());
    return 0;
  }
  if (!output.empty()) {
    if (!writeNpy(output.substr(1), logits, error))
      return fail(error);
    return 0;
  }
  std::printf("result[0]: %s\n", formatTensor(logits).c_str());
  return 0;
}
