//===- HybridModelImporter.h - Building the hybrid model format -*- C++ -*-===//
//
// The importer of docs/model-format.md, shared by its three files:
// HybridModel.cpp (the top level, layers and norms), HybridModelMixers.cpp
// (token mixers and FFNs) and HybridModelImage.cpp (pixels, the conv stem,
// pooling).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_HYBRIDMODELIMPORTER_H
#define HYBRID_LIB_FRONTEND_HYBRIDMODELIMPORTER_H

#include "Importers.h"
#include "JsonFields.h"
#include "ModelBuilder.h"

namespace mlir::hybrid::frontend {

using llvm::json::Array;
using llvm::json::Object;

/// The activation names the format accepts, and their dialect kinds.
extern const std::vector<std::string> kActivations;
Activation activationNamed(const std::string &name);

/// The pixels an image model takes and the tokens its convolutional stem
/// makes of them (read before the function exists: its signature needs both).
struct ImageGeometry {
  std::vector<int64_t> pixels; // [B, C, H, W]; empty for token models
  int64_t tokens = 0;
};

/// Reads "input" and "stem" and computes the token count; checks `shape`'s
/// pixels against the model's. Token models leave `geometry` empty.
bool readImageGeometry(const Object &top, const ModelInputShape &shape,
                       ImageGeometry &geometry, std::string &error);

/// Builds @forward of one description into `m`; every bool-returning member
/// sets `error` (a JSON path and a message) when it returns false.
class HybridModelImporter {
public:
  HybridModelImporter(ModelBuilder &m, std::string &error)
      : m(m), b(m.b), loc(m.loc), context(b.getContext()), error(error) {}

  /// The whole description: `logits` (or hidden states / class logits) and
  /// the vocabulary size for the ids' range check (0 for image models).
  bool importTop(const Object &top, Value &logits, int64_t &vocabOut);
  /// Rows of Transformer-XL memory the caller passes in (0: none).
  void setMemoryRows(int64_t rows) { memoryRows = rows; }
  /// The carried memory of each rel_attention or memory layer, in order.
  ArrayRef<Value> memories() const { return newMemories; }

private:
  /// CvT's convolutional token embedding: convolutions (each but the last
  /// followed by its activation), pixels to tokens, a norm.
  bool imageStem(const Array &stages, Value &tokens);
  Value norm(Value x, const std::string &name);
  bool layer(const Object &object, const std::string &path,
             const std::string &prefix, Value h, Value &out);
  bool mixer(const Object &object, const std::string &path,
             const std::string &prefix, Value x, Value &out);
  bool attention(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool relAttention(JsonFields &f, const std::string &prefix, Value x,
                    Value &out);
  bool memoryMixer(JsonFields &f, const std::string &prefix, Value x,
                   Value &out);
  bool mamba(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool linearAttention(JsonFields &f, const std::string &prefix, Value x,
                       Value &out);
  bool conv(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool parallel(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool ffn(const Object &object, const std::string &path,
           const std::string &prefix, Value x, Value &out);
  bool stack(const Array *layers, const Array *pattern, int64_t numLayers,
             Value h, Value &out);

  ModelBuilder &m;
  OpBuilder &b;
  Location loc;
  MLIRContext *context;
  std::string &error;
  int64_t hidden = 0;
  std::string normKind;
  double normEps = 1e-5;
  /// Transformer-XL: rows of memory given (m) and kept (memory_length).
  int64_t memoryRows = 0, memoryLength = 0;
  /// Whether any layer is rel_attention (the only reader of memory_length).
  bool hasRelAttention = false;
  std::vector<Value> newMemories;
  /// The memory input of the layer being built (null: none given).
  Value layerMemory;
};

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_HYBRIDMODELIMPORTER_H
