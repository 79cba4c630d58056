//===- generate.cpp - The runtime API in a few lines ----------------------===//
//
// Loads a model description with random weights, prefills a prompt, decodes
// greedily with the carried state, then restores a snapshot taken after the
// prompt and decodes again from there: the same tokens come out.
//
//   generate MODEL.json [TOKENS]
//
//===----------------------------------------------------------------------===//

#include "hybrid/Compiler/ModelCompiler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using mlir::hybrid::HostTensor;
using mlir::hybrid::Model;
using mlir::hybrid::Weights;

static int64_t argmaxOfLast(const HostTensor &logits) {
  const int64_t seq = logits.dim(1), vocab = logits.dim(2);
  const float *row = logits.floats() + (seq - 1) * vocab;
  return std::max_element(row, row + vocab) - row;
}

static std::vector<int64_t> decode(mlir::hybrid::Session &session, int64_t first,
                                   int count) {
  std::vector<int64_t> out{first};
  HostTensor logits;
  std::string error;
  while (int(out.size()) < count) {
    if (!session.decode(HostTensor::fromInts({1, 1}, {out.back()}), logits, error)) {
      std::fprintf(stderr, "decode: %s\n", error.c_str());
      std::exit(1);
    }
    out.push_back(argmaxOfLast(logits));
  }
  return out;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: generate MODEL.json [TOKENS]\n");
    return 2;
  }
  const int count = argc > 2 ? std::atoi(argv[2]) : 8;
  std::string error;
  // KV caches of global attention layers hold the prompt and what follows.
  auto model = mlir::hybrid::loadModel(argv[1], Weights::random(1), mlir::hybrid::Target::CPU, error,
                           /*maxTokens=*/4 + count);
  auto session = model ? model->newSession(/*batch=*/1, error) : nullptr;
  if (!session) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  for (const auto &state : session->stateLayout())
    std::printf("state %s: %lld bytes\n", state.name.c_str(),
                (long long)state.bytes());

  HostTensor logits;
  if (!session->prefill(HostTensor::fromInts({1, 4}, {1, 2, 3, 4}), logits, error)) {
    std::fprintf(stderr, "prefill: %s\n", error.c_str());
    return 1;
  }
  auto afterPrompt = session->snapshot();
  const int64_t first = argmaxOfLast(logits);
  std::vector<int64_t> tokens = decode(*session, first, count);
  if (!session->restore(afterPrompt, error)) {
    std::fprintf(stderr, "restore: %s\n", error.c_str());
    return 1;
  }
  std::vector<int64_t> again = decode(*session, first, count);

  std::printf("generated:");
  for (int64_t t : tokens)
    std::printf(" %lld", (long long)t);
  std::printf("\nafter restore: %s\n", tokens == again ? "same tokens" : "DIFFERENT");
  return tokens == again ? 0 : 1;
}
