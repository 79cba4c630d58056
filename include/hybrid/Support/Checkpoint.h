//===- Checkpoint.h - A model's weights: one file or HF shards --*- C++ -*-===//
//
// Hugging Face writes a model's weights as one `model.safetensors`, or, past
// `max_shard_size`, as shards listed by `model.safetensors.index.json`
// ({"weight_map": {tensor name: shard file}}). A Checkpoint is either, read
// by tensor name; every shard the index names must exist and hold exactly
// the tensors the index says it holds, or opening fails naming the shard.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_CHECKPOINT_H
#define HYBRID_SUPPORT_CHECKPOINT_H

#include "hybrid/Support/SafeTensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::hybrid {

class Checkpoint {
public:
  ~Checkpoint();
  /// A `.safetensors` file, or an `.index.json` and the shards beside it.
  /// Returns null with `error` set.
  static std::unique_ptr<Checkpoint> open(const std::string &path,
                                          std::string &error);

  /// Tensor names over all shards, sorted.
  std::vector<std::string> names() const;
  /// Reads `name` as f32 from its shard (see SafeTensors::read).
  bool read(const std::string &name, HostTensor &tensor, std::string &error,
            const std::vector<int64_t> &expectedShape = {}) const;
  /// How many files the weights are in.
  size_t numShards() const { return shards.size(); }

private:
  Checkpoint() = default;
  std::string path;
  std::vector<std::unique_ptr<SafeTensors>> shards;
  std::map<std::string, const SafeTensors *> shardOf;
};

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_CHECKPOINT_H
