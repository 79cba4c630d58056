//===- TokenGeneration.cpp - Generating tokens through a Session ----------===//

#include "TokenGeneration.h"

#include "hybrid/Support/Npy.h"
#include "hybrid/Support/PrintableText.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace mlir::hybrid;

namespace {
double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                   start)
      .count();
}
} // namespace

int mlir::hybrid::generateTokens(Model &model, const GenerationOptions &options) {
  auto fail = [&](const std::string &message) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", options.tool.c_str(),
                 printableText(message).c_str());
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

  const int64_t batch = prompt.dim(0), promptLength = prompt.dim(1);
  // The ids generation may write must be tokens of the model.
  for (int64_t id : options.eosTokenIds)
    if (id >= model.vocabSize())
      return fail("end-of-sequence id " + std::to_string(id) + " (eos_token_id, or --eos) is "
                  "outside the vocabulary [0, " + std::to_string(model.vocabSize()) + ")");
  if (options.padTokenId && *options.padTokenId >= model.vocabSize())
    return fail("padding id " + std::to_string(*options.padTokenId) +
                " (pad_token_id) is outside the vocabulary [0, " +
                std::to_string(model.vocabSize()) + ")");
  // The last token is never fed back: P + N - 1 positions must fit.
  if (promptLength + options.tokens - 1 > model.maxTokens())
    return fail("a prompt of " + std::to_string(promptLength) + " tokens and --generate=" +
                std::to_string(options.tokens) + " need a context of " +
                std::to_string(promptLength + options.tokens - 1) +
                " tokens; the model holds " + std::to_string(model.maxTokens()) +
                " (--max-tokens)");
  std::vector<int64_t> generated(batch * options.tokens);
  // What each sequence has seen (its prompt, then its tokens), for the
  // repetition penalty; one generator draws for the whole batch, row by row.
  std::vector<std::vector<int64_t>> seen(batch);
  for (int64_t b = 0; b < batch; ++b)
    seen[b].assign(prompt.ints() + b * promptLength, prompt.ints() + (b + 1) * promptLength);
  Sampler sampler(options.sampling);
  auto choose = [&](const HostTensor &logits) {
    const int64_t seq = logits.dim(1), vocab = logits.dim(2);
    std::vector<int64_t> next(batch);
    for (int64_t b = 0; b < batch; ++b)
      next[b] = sampler.next(logits.floats() + (b * seq + seq - 1) * vocab, vocab, seen[b]);
    return HostTensor::fromInts({batch, 1}, next);
  };
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
      seen[b].push_back(id);
    }
    if (options.onStep) {
      options.onStep(step, next);
      return;
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
  HostTensor next = choose(logits);
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
    next = choose(logits);
    record(next, produced);
  }
  const double decodeMs = millisecondsSince(start);
  // With onStep, stdout is the caller's: the report goes to stderr.
  FILE *report = options.onStep ? stderr : stdout;
  if (options.onStep)
    options.onStep(-1, HostTensor());
  else
    std::printf("\n");
  if (produced < options.tokens)
    std::fprintf(report, "stopped after %lld tokens: every sequence produced an end-of-sequence id\n",
                (long long)produced);
  const int64_t steps = produced - 1;
  std::fprintf(report, "prefill: %lld tokens in %.2f ms (%.0f tokens/s); decode: %lld tokens, "
              "%.3f ms/token (%.0f tokens/s); state: %lld bytes\n",
              (long long)(prompt.numel()), prefillMs, prompt.numel() / (prefillMs / 1e3),
              (long long)steps, steps ? decodeMs / steps : 0.0,
              steps ? batch * steps / (decodeMs / 1e3) : 0.0,
              (long long)session->stateBytes());
  std::fflush(report);
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
