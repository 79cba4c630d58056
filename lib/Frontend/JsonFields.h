//===- JsonFields.h - Reading a JSON object with path-named errors -*- C++ -*-===//
//
// The hybrid model format's reader: typed access to the fields of one JSON
// object that knows its path in the document, so every message names the
// field ("layers[3].mixer.window: must be an integer >= 1, got 0"), and that
// rejects fields nobody asked for (a misspelt key is an error, not a silently
// ignored default).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_JSONFIELDS_H
#define HYBRID_LIB_FRONTEND_JSONFIELDS_H

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid::frontend {

class JsonFields {
public:
  /// `path` is the object's own path ("" for the document, "layers[3].mixer").
  JsonFields(const llvm::json::Object &object, std::string path,
             std::string &error)
      : object(object), path(std::move(path)), error(error) {}

  /// The path of `key` inside this object.
  std::string pathOf(llvm::StringRef key) const;

  /// Integer >= `min`; absent: `fallback` (nullopt: the field is required).
  bool integer(llvm::StringRef key, std::optional<int64_t> fallback,
               int64_t &out, int64_t min = 1);
  /// Number > 0 (or >= 0 with `allowZero`); absent: `fallback`.
  bool positiveNumber(llvm::StringRef key, std::optional<double> fallback,
                      double &out, bool allowZero = false);
  /// An optional positive number: absent or null gives nullopt.
  bool optionalPositive(llvm::StringRef key, std::optional<double> &out);
  bool boolean(llvm::StringRef key, bool fallback, bool &out);
  /// One of `choices`; absent: `fallback` (nullopt: required).
  bool choice(llvm::StringRef key, const std::vector<std::string> &choices,
              std::optional<std::string> fallback, std::string &out);
  /// A nested object (null when absent and not `required`).
  bool nested(llvm::StringRef key, bool required,
              const llvm::json::Object *&out);
  /// An array (null when absent and not `required`).
  bool array(llvm::StringRef key, bool required, const llvm::json::Array *&out);
  /// Marks a key as read without reading it (handled elsewhere).
  void touch(llvm::StringRef key) { used.insert(key); }
  /// Fails on the first key no getter asked for.
  bool noOtherFields();

  /// Whether `key` is present (not null).
  bool has(llvm::StringRef key) const {
    const llvm::json::Value *v = object.get(key);
    return v && v->kind() != llvm::json::Value::Null;
  }
  /// Records "`path`: `message`" as the error; returns false.
  bool fail(const std::string &fieldPath, const std::string &message);

private:
  const llvm::json::Value *get(llvm::StringRef key);
  bool wrongType(llvm::StringRef key, const std::string &expected);

  const llvm::json::Object &object;
  std::string path;
  std::string &error;
  llvm::StringSet<> used;
};

/// "path[index]".
std::string indexPath(const std::string &path, size_t index);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_JSONFIELDS_H
