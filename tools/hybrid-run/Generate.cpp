//===- Generate.cpp - hybrid-run --generate=N -----------------------------===//

#include "Generate.h"

#include "hybrid/Support/Npy.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

int fail(const std::string &message) {
  llvm::errs() << "hybrid-run: error: " << message << "\n";
  return 1;
}

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

int mlir::hybrid::generate(const GenerateOptions &options) {
  std::string error;
  const HostTensor &prompt = options.prompt;
  if (prompt.isFloat() || prompt.rank() != 2)
    return fail("--generate needs token ids [batch, prompt length] in --input, got " +
                prompt.typeString());
  auto start = std::chrono::steady_clock::now();
  // KV caches of global attention layers hold exactly the prompt and the
  // tokens to generate.
  std::unique_ptr<Model> model =
      Model::load(options.description, options.weights, options.target, error,
                  prompt.dim(1) + options.tokens);
  if (!model)
    return fail(error);
  std::unique_ptr<Session> session = model->newSession(prompt.dim(0), error);
  if (!session)
    return fail(error);
  if (options.verbose)
    llvm::errs() << llvm::format("hybrid-run: loaded %s in %.1f ms; state %lld "
                                 "bytes in %zu tensors\n",
                                 options.description.c_str(),
                                 millisecondsSince(start),
                                 (long long)session->stateBytes(),
                                 session->stateLayout().size());
  // Compile the one-token step before timing anything.
  llvm::errs() << "hybrid-run: compiling prefill (" << prompt.dim(1)
               << " tokens) and decode (1 token)...\n";
  HostTensor logits;
  std::unique_ptr<Session> warm = model->newSession(prompt.dim(0), error);
  if (!warm || !warm->prefill(prompt, logits, error) ||
      !warm->decode(greedy(logits), logits, error))
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
    llvm::outs() << (step == 0 ? "generated:" : "");
    for (int64_t b = 0; b < batch; ++b)
      llvm::outs() << (b ? "," : " ") << next.ints()[b];
    llvm::outs().flush();
  };
  start = std::chrono::steady_clock::now();
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
  llvm::outs() << "\n";
  if (produced < options.tokens)
    llvm::outs() << "stopped after " << produced
                 << " tokens: every sequence produced an end-of-sequence id\n";
  const int64_t steps = produced - 1;
  llvm::outs() << llvm::format(
      "prefill: %lld tokens in %.2f ms (%.0f tokens/s); decode: %lld tokens, "
      "%.3f ms/token (%.0f tokens/s); state: %lld bytes\n",
      (long long)(prompt.numel()), prefillMs, prompt.numel() / (prefillMs / 1e3),
      (long long)steps, steps ? decodeMs / steps : 0.0,
      steps ? batch * steps / (decodeMs / 1e3) : 0.0,
      (long long)session->stateBytes());
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
