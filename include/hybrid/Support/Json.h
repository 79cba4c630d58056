//===- Json.h - A small JSON reader and writer in plain C++ -----*- C++ -*-===//
//
// What the runtime reads and writes (safetensors headers, HF's index.json
// and generation_config.json, compiled-model manifests) without LLVM, so
// that the runtime library and hybrid-run-module link no LLVM at all. The
// frontend keeps llvm::json for model descriptions.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_JSON_H
#define HYBRID_SUPPORT_JSON_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::hybrid::json {

struct Value {
  enum class Kind { Null, Bool, Integer, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0; ///< Kind::Integer: a literal without fraction or exponent
  double number = 0;   ///< Kind::Number, and Kind::Integer as a double
  std::string string;
  std::vector<Value> array;
  /// Members in the order they were written.
  std::vector<std::pair<std::string, Value>> object;

  bool isNull() const { return kind == Kind::Null; }
  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
  bool isString() const { return kind == Kind::String; }
  /// The member `key` of an object, or null.
  const Value *get(const std::string &key) const;
  /// An integer literal's value (nothing for other kinds).
  std::optional<int64_t> asInteger() const;
  std::optional<std::string> asString() const;

  static Value makeInteger(int64_t v);
  static Value makeString(std::string v);
  static Value makeBool(bool v);
  static Value makeArray(std::vector<Value> v);
  static Value makeObject(std::vector<std::pair<std::string, Value>> v = {});
  /// Appends a member to an object.
  void set(std::string key, Value value);
};

/// Parses `text`; false with `error` naming the line and column.
bool parse(const std::string &text, Value &out, std::string &error);
/// Python's json module (transformers 4.x's config.json) writes the
/// non-standard literals Infinity, -Infinity and NaN; this rewrites each,
/// outside strings, as transformers 5 writes them, {"__float__": "Infinity"},
/// so that a standard parser reads the file. Other text is unchanged.
std::string fromPythonJson(const std::string &text);

/// The deepest JSON nesting `parse` accepts.
constexpr int kMaxNestingDepth = 256;

/// False, with `error` set, when `text` nests arrays and objects deeper
/// than kMaxNestingDepth: checked before handing text to a recursive parser
/// (llvm::json) that would otherwise overflow the stack.
bool checkNestingDepth(const std::string &text, std::string &error);
/// Compact JSON text of `value`.
std::string write(const Value &value);

} // namespace mlir::hybrid::json

#endif // HYBRID_SUPPORT_JSON_H
