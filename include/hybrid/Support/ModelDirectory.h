//===- ModelDirectory.h - A Hugging Face checkpoint directory ---*- C++ -*-===//
//
// What `save_pretrained` writes, found by name: config.json, the weights
// (model.safetensors, or model.safetensors.index.json and its shards) and
// generation_config.json, whose end-of-sequence and padding ids end greedy
// generation as HF's generate does.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_MODELDIRECTORY_H
#define HYBRID_SUPPORT_MODELDIRECTORY_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

/// Sampling settings by HF's names (do_sample, temperature, top_k, top_p,
/// min_p, repetition_penalty) and a seed; unset ones keep the defaults they
/// are applied to. What generation_config.json sets, and what the tools'
/// flags set on top (tools/common/SamplingFlags.h).
struct SamplingSettings {
  std::optional<bool> doSample;
  std::optional<double> temperature, topP, minP, repetitionPenalty;
  std::optional<int64_t> topK;
  std::optional<uint64_t> seed;
};

struct ModelDirectory {
  std::string config;  ///< DIR/config.json
  std::string weights; ///< the .safetensors file or the index; empty if none
  /// generation_config.json's eos_token_id (one id or a list; config.json's
  /// when there is no generation config), and its pad_token_id.
  std::vector<int64_t> eosTokenIds;
  std::optional<int64_t> padTokenId;
  /// The sampling defaults generation_config.json sets, each checked for
  /// range; absent or null: not set.
  SamplingSettings sampling;
};

/// Whether `path` is a directory (a checkpoint directory, not a file).
bool isDirectory(const std::string &path);

/// Reads the checkpoint directory `dir`. Returns false with `error` set: no
/// config.json, a malformed generation_config.json, ids that are not
/// non-negative integers.
bool openModelDirectory(const std::string &dir, ModelDirectory &out,
                        std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_MODELDIRECTORY_H
