//===- Model.h - Loading a model and generating with carried state -*- C++ -*-===//
//
// The runtime API of DESIGN.md §7: a model's compiled functions with its
// weights, sessions that prefill a prompt (in one or several chunks), decode
// token by token, snapshot and restore the whole state. The state's layout
// comes from the compiler (ModelInterface), so the runtime hard-codes
// nothing about layers. This library links no LLVM or MLIR: the code comes
// from a compiled-model artifact (Artifact.h) or, on the tools' side, from
// the compiler (hybrid/Compiler/ModelCompiler.h: loadModel).
//
//   std::string error;
//   auto model = hybrid::Model::create(hybrid::loadArtifact("m.hybrid", error),
//                                      hybrid::Weights::fromFile("model.safetensors"), error);
//   auto session = model->newSession(/*batch=*/1, error);
//   HostTensor logits;
//   session->prefill(promptIds, logits, error);   // [1, P] -> [1, P, V]
//   session->decode(nextId, logits, error);       // [1, 1] -> [1, 1, V]
//
// A session runs any number of tokens on a fixed set of functions, compiled
// when it is opened: chunks of 128, 16 and 1 tokens continuing from the
// state, and 128 as a session's first call (docs/design.md says why chunks
// rather than a dynamic sequence dimension). Prompts of any length, and
// decoding, compile nothing more.
// Carried state: Mamba layers' conv and SSM state, causal attention layers'
// KV caches (a ring of exactly W slots for sliding-window layers), linear
// attention's running sums, conv mixers' last inputs, Transformer-XL's
// memory_length rows of memory, memory layers' memory matrix. Models that
// cannot generate (encoders, depth recurrence) are refused by load.
// A Model and its Sessions are not thread-safe: callers serialise their
// calls (the Python package holds one lock per model).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_MODEL_H
#define HYBRID_RUNTIME_MODEL_H

#include "hybrid/Runtime/ModelInterface.h"
#include "hybrid/Support/HostTensor.h"

#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

/// Where a model's weights come from.
struct Weights {
  std::string file; ///< a .safetensors file or HF's .index.json of shards, or
  int seed = -1;    ///< hybrid-run's --random-weights=SEED when file is empty
  static Weights fromFile(std::string path) { return {std::move(path), -1}; }
  static Weights random(int seed) { return {"", seed}; }
};

/// One named state tensor, as the compiler describes it.
struct StateInfo {
  std::string name; ///< e.g. "backbone.layers.0.mixer.ssm_state"
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  /// The weight a fresh session starts it at, copied to every sequence
  /// ({hybrid.state_init}); empty: zeros.
  std::string initialWeight;
  int64_t bytes() const;
};

class Session;

class Model {
public:
  ~Model();
  /// A model whose functions come from `code` (a loaded artifact, or the
  /// compiler: hybrid/Compiler/ModelCompiler.h), with the weights its
  /// functions name read from `weights` (or drawn per name). Null with
  /// `error` set.
  static std::unique_ptr<Model> create(std::unique_ptr<ModelCode> code,
                                       const Weights &weights, std::string &error);

  /// A fresh session for `batch` sequences (state at zeros, or where the
  /// compiler says a layer starts: a memory layer's learned memory), or null
  /// when the model cannot carry state. Every function the session can call
  /// is compiled (or looked up in the artifact) here.
  std::unique_ptr<Session> newSession(int64_t batch, std::string &error);

  int64_t vocabSize() const { return code->interface().vocabSize; }
  int64_t maxTokens() const { return code->interface().maxTokens; }
  /// The token counts a session's calls are split into, largest first.
  const std::vector<int64_t> &chunkSizes() const { return code->interface().chunkSizes; }
  /// How many functions the compiler compiled for this model so far.
  int64_t compiledFunctions() const { return code->compiledFunctions(); }
  const ModelInterface &interface() const { return code->interface(); }

private:
  friend class Session;
  Model() = default;
  /// Weight `name` in the layout an argument takes (`panelRows` rows a
  /// panel, 0: rows as the checkpoint stores them): as loaded, or, the first
  /// time another layout is asked for, repacked into it and kept.
  const HostTensor &weight(const std::string &name, int64_t panelRows);
  std::unique_ptr<ModelCode> code;
  /// Each weight in the layout of the first function that took it (packed
  /// once, at load, where that function reads it in panels)...
  std::map<std::string, HostTensor> weightValues;
  std::map<std::string, int64_t> weightPanelRows;
  /// ... and in any other layout a later function took.
  std::map<std::pair<std::string, int64_t>, HostTensor> otherLayouts;
  std::mutex layoutsMutex;
};

/// The whole carried state of a session, to restore later (prefix reuse).
/// It records the model and batch it came from; Session::restore refuses
/// it anywhere else.
struct Snapshot {
  std::map<std::string, HostTensor> tensors;
  int64_t position = 0;
  const Model *model = nullptr;
  int64_t batch = 0;
};

class Session {
public:
  /// Runs `ids` [batch, n] (any n ≥ 1) from the current state: `logits`
  /// [batch, n, vocab], and the state moves past the n tokens. prefill and
  /// decode are the same call; decode checks that n is 1.
  bool prefill(const HostTensor &ids, HostTensor &logits, std::string &error);
  bool decode(const HostTensor &ids, HostTensor &logits, std::string &error);

  Snapshot snapshot() const { return {state, position, &model, batch}; }
  /// Back to `snapshot`'s state. False with `error` set, and the session
  /// unchanged, for a snapshot of another model or batch, with a position
  /// outside [0, maxTokens], or whose tensors are not this session's layout.
  bool restore(const Snapshot &snapshot, std::string &error);
  /// Back to a fresh session's state (zeros, or a layer's learned start).
  void reset();

  /// The state's layout and size, as the compiler described it.
  const std::vector<StateInfo> &stateLayout() const { return layout; }
  int64_t stateBytes() const;
  /// Tokens processed so far.
  int64_t tokens() const { return position; }

private:
  friend class Model;
  Session(Model &model, int64_t batch) : model(model), batch(batch) {}
  /// One call of the function for `ids`' [batch, n], a chunk of a request
  /// that ends at position `extent` (exclusive).
  bool runChunk(const HostTensor &ids, int64_t extent, HostTensor &logits,
                std::string &error);
  Model &model;
  int64_t batch;
  int64_t position = 0;
  std::vector<StateInfo> layout;
  std::map<std::string, HostTensor> state;
  /// The state the last call replaced: the next call writes its new state
  /// into these buffers (no allocation or zero fill per call).
  std::map<std::string, HostTensor> spare;
};

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_MODEL_H
