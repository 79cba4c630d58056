//===- Frontend.h - Model descriptions to hybrid IR -------------*- C++ -*-===//
//
// Imports a model description into the hybrid dialect: one
//   func.func @forward(%input_ids: tensor<BxSxi64>, %w0 {hybrid.weight = "..."},
//                      ...) -> tensor<BxSxVxf32>
// for the whole forward pass, embedding to logits. Weights are arguments
// carrying their checkpoint names, so `hybrid-run --weights=model.safetensors`
// binds a Hugging Face checkpoint unchanged.
//
// Supported: Hugging Face config.json with the model types of
// docs/models.md (Mamba, Gemma 2, Jamba, RecurrentGemma, the Mamba-2
// hybrids, LFM2, ...; Longformer takes a second input,
// global_attention_mask [batch, seq], zeros when omitted), and the project's
// own format, "format": "hybrid-model" (docs/model-format.md). With
// ModelInputShape::carryState the function takes and returns the state of
// its recurrent layers and KV caches (docs/generation.md).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_FRONTEND_FRONTEND_H
#define HYBRID_FRONTEND_FRONTEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace mlir::hybrid {

/// The static shape of the token ids the function is built for.
struct ModelInputShape {
  int64_t batch = 1;
  int64_t seq = 1;
  /// Rows of carried segment memory each Transformer-XL layer takes (0: the
  /// first segment, no memory inputs).
  int64_t memory = 0;
  /// Image models: the pixels' [channels, height, width] when the caller has
  /// them (empty: the model's own size).
  std::vector<int64_t> image;
  /// Generation: recurrent layers take their state as inputs and return the
  /// state after the last token, so a prompt can be processed in chunks and
  /// then one token at a time (see docs/generation.md).
  bool carryState = false;
  /// With carryState: the longest context the KV caches of global attention
  /// layers hold (sliding-window layers keep exactly their window).
  int64_t maxTokens = 2048;
  /// With carryState: the call is a session's first (positions from 0, every
  /// state at its start), so attention needs no cache reads and runs the
  /// tiled causal kernel over the prompt; the caches are still written.
  bool firstCall = false;
};

/// What an importer learned about the model besides its IR.
struct ModelInfo {
  std::string modelType;
  int64_t vocabSize = 0;
};

/// Imports the model described by the JSON file at `path`. Returns null with
/// `error` set: malformed JSON (with line and column), an unknown
/// `model_type` (listing the supported ones), a bad field value.
/// `checkpointTensors`, the tensor names of the checkpoint the weights will
/// come from when the caller knows it, lets an importer follow the layout HF
/// wrote (transformers 5's fused expert tensors, Longformer's
/// lm_head.decoder.bias); without it the 4.x layout is assumed.
OwningOpRef<ModuleOp>
importModel(MLIRContext *context, const std::string &path,
            const ModelInputShape &shape, ModelInfo &info, std::string &error,
            const std::vector<std::string> *checkpointTensors = nullptr);

/// Whether a plain forward pass of the model at `path` is exactly a fresh
/// session's prefill: the causal HF types (mamba, gemma2, jamba). Not
/// Longformer (an encoder sees later tokens) and not the project's own
/// format, whose models may carry inputs a session holds differently
/// (Transformer-XL's memory). False for an unreadable file, which
/// importModel then reports.
bool forwardRunsInSession(const std::string &path);

/// The Hugging Face model types importModel understands.
const std::vector<std::string> &supportedModelTypes();

} // namespace mlir::hybrid

#endif // HYBRID_FRONTEND_FRONTEND_H
