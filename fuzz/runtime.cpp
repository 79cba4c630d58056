//===- runtime.cpp - Fuzzing the runtime API ------------------------------===//
//
// Any bytes, read as a program of runtime calls on the compiled-model
// artifact named by HYBRID_FUZZ_ARTIFACT (random weights): new sessions of
// any batch, prefill and decode with any ids and shapes, snapshots restored
// as taken, into another session, or altered. Every call succeeds or
// returns false with a message; a success gives logits of the right shape,
// all finite, and moves the session by exactly its tokens.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/Artifact.h"
#include "hybrid/Runtime/Model.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

namespace {

/// The input's bytes, one at a time; zeros once they run out.
struct Bytes {
  const uint8_t *data;
  size_t size;
  size_t next = 0;
  bool done() const { return next >= size; }
  int64_t take() { return next < size ? data[next++] : 0; }
};

Model &model() {
  static std::unique_ptr<Model> loaded = [] {
    const char *path = std::getenv("HYBRID_FUZZ_ARTIFACT");
    if (!path) {
      fprintf(stderr, "fuzz-runtime: set HYBRID_FUZZ_ARTIFACT to a compiled-model artifact\n");
      exit(2);
    }
    std::string error;
    std::unique_ptr<Model> model = Model::create(loadArtifact(path, error), Weights::random(1), error);
    if (!model) {
      fprintf(stderr, "fuzz-runtime: %s\n", error.c_str());
      exit(2);
    }
    return model;
  }();
  return *loaded;
}

void check(bool ok, const std::string &error) {
  if (!ok && error.empty()) {
    fprintf(stderr, "a call failed without a message\n");
    abort();
  }
}

/// Ids mostly inside the vocabulary, sometimes just outside it.
int64_t tokenId(Bytes &in, int64_t vocab) {
  const int64_t b = in.take();
  if (b == 255)
    return vocab;
  if (b == 254)
    return -1;
  return b % vocab;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Model &m = model();
  const int64_t vocab = m.vocabSize();
  Bytes in{data, size};
  std::unique_ptr<Session> sessions[2];
  Snapshot saved;
  for (int step = 0; step < 32 && !in.done(); ++step) {
    const int64_t op = in.take() % 8;
    Session *session = sessions[in.take() % 2].get();
    std::string error;
    switch (op) {
    case 0: { // A new session; batches around the compiled one and silly ones.
      const int64_t choice = in.take();
      const int64_t batch = choice < 200 ? choice % 3 : choice < 250 ? -choice : int64_t(1) << 40;
      std::unique_ptr<Session> made = m.newSession(batch, error);
      check(made != nullptr, error);
      if (made)
        sessions[choice % 2] = std::move(made);
      break;
    }
    case 1:   // prefill of 0 to 40 tokens
    case 2: { // decode of 0 to 2 tokens
      if (!session)
        break;
      const int64_t count = op == 1 ? in.take() % 41 : in.take() % 3;
      const int64_t batch = in.take() % 4 == 0 ? 2 : 1;
      std::vector<int64_t> ids(batch * count);
      for (int64_t &id : ids)
        id = tokenId(in, vocab);
      const HostTensor input = HostTensor::fromInts({batch, count}, ids);
      const int64_t before = session->tokens();
      HostTensor logits;
      const bool ok = op == 1 ? session->prefill(input, logits, error)
                              : session->decode(input, logits, error);
      check(ok, error);
      if (!ok) {
        if (session->tokens() != before)
          abort(); // a refused call moved the session
        break;
      }
      if (session->tokens() != before + count ||
          logits.shape() != std::vector<int64_t>{batch, count, vocab})
        abort();
      for (int64_t n = 0; n < logits.numel(); ++n)
        if (!std::isfinite(logits.floats()[n]))
          abort();
      break;
    }
    case 3: // ids that are not [batch, n] integers
      if (session) {
        HostTensor logits;
        const int64_t kind = in.take() % 3;
        const HostTensor input = kind == 0   ? HostTensor::fromInts({3}, {1, 2, 3})
                                 : kind == 1 ? HostTensor::fromFloats({1, 2}, {1, 2})
                                             : HostTensor::fromInts({1, 1, 2}, {1, 2});
        check(session->prefill(input, logits, error), error);
      }
      break;
    case 4:
      if (session)
        saved = session->snapshot();
      break;
    case 5: // the saved snapshot, as taken (maybe from the other session)
      if (session)
        check(session->restore(saved, error), error);
      break;
    case 6: { // the saved snapshot altered
      if (!session)
        break;
      Snapshot altered = saved;
      const int64_t how = in.take() % 5;
      if (how == 0)
        altered.position += static_cast<int8_t>(in.take());
      else if (how == 1 && !altered.tensors.empty())
        altered.tensors.erase(altered.tensors.begin());
      else if (how == 2 && !altered.tensors.empty())
        altered.tensors.begin()->second = HostTensor::zeros({1});
      else if (how == 3)
        altered.batch += 1;
      else
        altered.tensors["not-a-state"] = HostTensor::zeros({2});
      check(session->restore(altered, error), error);
      break;
    }
    case 7:
      if (session)
        session->reset();
      break;
    }
  }
  return 0;
}
