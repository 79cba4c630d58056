//===- GreedyGeneration.cpp - Greedy decoding through a Session -----------===//

#include "GreedyGeneration.h"

#include "hybrid/Support/Npy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace mlir::hybrid;

namespace {
/// The arg-max over the vocabulary of the last position of each sequence.
HostTensor greedy(const HostTensor &logits) {
  const int64_t batch = logits.dim(0), seq = logits.dim(1), vocab = logits.dim(2);
  std::vector<int64_t> next(batch);
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = logits.floats() + (b * seq + seq - 1) * vocab;
    next[b] = std::max_element(row, row + vocab) - row;
  }
  return HostTensor::fromInts({batch, 1}, next);
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}
} // namespace

int mlir::hybrid::generateGreedy(Model &model, const GreedyOptions &options) {
  auto fail = [&](const std::string &message) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", options.tool.c_str(), message.c_str());
    return 1;
  };
  const HostTensor &prompt = options.prompt;
  if (prompt.isFloat() || prompt.rank() != 2)
    return fail("--generate needs token ids [batch, prompt length] in --input, got " +
                prompt.typeString());
  std::string error;
  std::unique_ptr<Session> session = model.newSession(prompt.dim(0), error);
  if (!session)
    return fail(error);

  const int64_t batch = prompt.dim(0);
  std::vector<int64_t> generated(batch * options.tokens);
  const std::vector<int64_t> &eos = options.eosTokenIds;
  const int64_t pad = options.padTokenId ? *options.padTokenId
                                         : (eos.empty() ? 0 : eos[0]);
  std::vector<bool> finished(batch, false);
  // HF's rule: a finished sequence gets the padding id; one that produces an
  // eos id is finished from the next step on.
  auto record = [&](HostTensor &next, int64_t step) {
    for (int64_t b = 0; b < batch; ++b) {
      int64_t &id = next.ints()[b];
      if (finished[b])
        id = pad;
      else if (std::find(eos.begin(), eos.end(), id) != eos.end())
        finished[b] = true;
      generated[b * options.tokens + step] = id;
    }
    std::printf("%s", step == 0 ? "generated:" : "");
    for (int64_t b = 0; b < batch; ++b)
      std::printf("%s%lld", b ? "," : " ", (long long)next.ints()[b]);
    std::fflush(stdout);
  };
  HostTensor logits;
  auto start = std::chrono::steady_clock::now();
  if (!session->prefill(prompt, logits, error))
    return fail(error);
  const double prefillMs = millisecondsSince(start);
  HostTensor next = greedy(logits);
  record(next, 0);
  auto allFinished = [&] {
    return !eos.empty() &&
           std::all_of(finished.begin(), finished.end(), [](bool f) { return f; });
  };
  int64_t produced = 1;
  start = std::chrono::steady_clock::now();
  for (; produced < options.tokens && !allFinished(); ++produced) {
    if (!session->decode(next, logits, error))
      return fail(error);
    next = greedy(logits);
    record(next, produced);
  }
  const double decodeMs = millisecondsSince(start);
  std::printf("\n");
  if (produced < options.tokens)
    std::printf("stopped after %lld tokens: every sequence produced an end-of-sequence id\n",
                (long long)produced);
  const int64_t steps = produced - 1;
  std::printf("prefill: %lld tokens in %.2f ms (%.0f tokens/s); decode: %lld tokens, "
              "%.3f ms/token (%.0f tokens/s); state: %lld bytes\n",
              (long long)(prompt.numel()), prefillMs, prompt.numel() / (prefillMs / 1e3),
              (long long)steps, steps ? decodeMs / steps : 0.0,
              steps ? batch * steps / (decodeMs / 1e3) : 0.0,
              (long long)session->stateBytes());
  std::fflush(stdout);
  if (!options.output.empty()) {
    std::vector<int64_t> kept;
    for (int64_t b = 0; b < batch; ++b)
      kept.insert(kept.end(), generated.begin() + b * options.tokens,
                  generated.begin() + b * options.tokens + produced);
    HostTensor ids = HostTensor::fromInts({batch, produced}, kept);
    if (!writeNpy(options.output, ids, error))
      return fail(error);
  }
  return 0;
}
