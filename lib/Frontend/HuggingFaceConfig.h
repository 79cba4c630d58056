//===- HuggingFaceConfig.h - Reading fields of a config.json ----*- C++ -*-===//
//
// Typed access to an HF config.json with HF's defaults for absent keys and
// errors naming the key: "config.json: 'hidden_size' must be a positive
// integer, got "wide"".
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_HUGGINGFACECONFIG_H
#define HYBRID_LIB_FRONTEND_HUGGINGFACECONFIG_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mlir::hybrid::frontend {

class HuggingFaceConfig {
public:
  HuggingFaceConfig(const llvm::json::Object &object, std::string path)
      : object(object), path(std::move(path)) {}

  /// A positive integer (or `fallback` when absent).
  bool positive(const char *key, int64_t fallback, int64_t &out);
  /// An integer ≥ 0 (layer offsets, token ids), or `fallback` when absent.
  bool nonNegative(const char *key, int64_t fallback, int64_t &out);
  /// A causal convolution's width, at least 2: the importers carry its last
  /// width − 1 inputs as state, which a width of 1 would leave empty.
  bool convWidth(const char *key, int64_t fallback, int64_t &out);
  /// "auto" (or absent): `autoValue`; else a positive integer (Mamba's
  /// time_step_rank, Jamba's mamba_dt_rank).
  bool autoOrPositive(const char *key, int64_t autoValue, int64_t &out);
  /// A finite number within f32's range (every such value becomes an f32
  /// attribute; a larger one would silently become infinity).
  bool number(const char *key, double fallback, double &out);
  /// A normalisation epsilon: a number >= 0 within f32's range (a negative
  /// one makes the norm NaN for small rows).
  bool epsilon(const char *key, double fallback, double &out);
  /// A width given as `key` (a number, `fallback` when absent) times
  /// `hidden`, Mamba's expand: HF's int(key · hidden_size), which must be in
  /// [1, 2^26] like every size.
  bool scaledWidth(const char *key, double fallback, int64_t hidden, int64_t &out);
  bool boolean(const char *key, bool fallback, bool &out);
  bool string(const char *key, const std::string &fallback, std::string &out);
  /// A positive integer, `ifAbsent` when the key is absent and `ifNull` when
  /// it is null (num_key_value_heads: null means num_attention_heads).
  bool positiveOrNull(const char *key, int64_t ifAbsent, int64_t ifNull,
                      int64_t &out);
  /// A number that may be null (absent: `fallback`).
  bool optionalNumber(const char *key, std::optional<double> fallback,
                      std::optional<double> &out);
  /// A list of `count` numbers (Infinity allowed, as Python writes it);
  /// absent: `fallback`.
  bool numbers(const char *key, std::vector<double> fallback, size_t count,
               std::vector<double> &out);
  /// An array of strings; absent: empty.
  bool strings(const char *key, std::vector<std::string> &out);
  /// A positive integer or an array of `count` positive integers (one per
  /// layer, like Longformer's attention_window); absent: `fallback` each.
  bool perLayer(const char *key, int64_t fallback, int64_t count,
                std::vector<int64_t> &out);
  /// A vision model's per-stage list: at least `count` integers, each at
  /// least `minimum`; the first `count` are read (HF indexes them by stage
  /// and ignores the rest). Absent: `fallback`'s first `count`.
  bool integers(const char *key, std::vector<int64_t> fallback, size_t count,
                int64_t minimum, std::vector<int64_t> &out);
  /// The same for booleans.
  bool booleans(const char *key, std::vector<bool> fallback, size_t count,
                std::vector<bool> &out);
  /// A classifier's label count: id2label's size (what transformers
  /// writes), else num_labels, else 2 (PretrainedConfig's default).
  bool numLabels(int64_t &out);
  /// Whether `key` is present.
  bool has(const char *key) const { return object.get(key) != nullptr; }
  /// Whether `key` is present and not null (HF's "not given").
  bool given(const char *key) const {
    const llvm::json::Value *value = object.get(key);
    return value && !value->getAsNull();
  }
  /// The JSON object itself, and the file it came from (for messages).
  const llvm::json::Object &json() const { return object; }
  const std::string &file() const { return path; }
  /// The major version of the `transformers_version` that wrote the file
  /// (4 when absent: files without it predate 5). False, naming the key,
  /// when it is there but not a version ("4.46.3"): a default that changed
  /// between versions would otherwise be guessed.
  bool transformersMajor(int &major);
  /// The checkpoint's tensor names, when the caller knows them: which of the
  /// layouts HF writes the weights are in.
  void setCheckpointTensors(const std::vector<std::string> &names) {
    checkpoint.insert(names.begin(), names.end());
  }
  /// The same checkpoint's names for a config nested in this one (a
  /// vision-language model's text_config).
  void shareCheckpointTensors(const HuggingFaceConfig &outer) { checkpoint = outer.checkpoint; }
  /// Whether the checkpoint's names are known.
  bool checkpointKnown() const { return !checkpoint.empty(); }
  /// Whether the checkpoint has `name` (false when it is not known).
  bool checkpointHas(const std::string &name) const {
    return checkpoint.count(name) != 0;
  }

  std::string error;

private:
  bool fail(const char *key, const std::string &expected);
  /// The first `count` items of the list `key`, each read by `item`.
  template <typename T>
  bool stageList(const char *key, std::vector<T> fallback, size_t count,
                 const std::string &expected,
                 llvm::function_ref<std::optional<T>(const llvm::json::Value &)> item,
                 std::vector<T> &out);
  /// An integer ≥ `minimum`, else an error saying `expected`.
  bool integerAtLeast(const char *key, int64_t fallback, int64_t minimum,
                      const char *expected, int64_t &out);
  const llvm::json::Object &object;
  std::string path;
  std::set<std::string> checkpoint;
};

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_HUGGINGFACECONFIG_H
