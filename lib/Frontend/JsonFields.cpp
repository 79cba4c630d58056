//===- JsonFields.cpp - Reading a JSON object with path-named errors ------===//

#include "JsonFields.h"
#include "FieldLimits.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <limits>

using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

std::string frontend::indexPath(const std::string &path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string JsonFields::pathOf(llvm::StringRef key) const {
  return path.empty() ? key.str() : path + "." + key.str();
}

bool JsonFields::fail(const std::string &fieldPath, const std::string &message) {
  error = fieldPath + ": " + message;
  return false;
}

const llvm::json::Value *JsonFields::get(llvm::StringRef key) {
  used.insert(key);
  return object.get(key);
}

bool JsonFields::wrongType(llvm::StringRef key, const std::string &expected) {
  std::string got;
  llvm::raw_string_ostream os(got);
  os << *object.get(key);
  return fail(pathOf(key), "must be " + expected + ", got " + got);
}

bool JsonFields::integer(llvm::StringRef key, std::optional<int64_t> fallback,
                         int64_t &out, int64_t min) {
  const llvm::json::Value *value = get(key);
  if (!value) {
    if (!fallback)
      return fail(pathOf(key), "required field is missing");
    out = *fallback;
    return true;
  }
  // Bounded as config.json's fields are (FieldLimits.h).
  const int64_t max = fieldLimit(key);
  std::optional<int64_t> v = value->getAsInteger();
  if (!v || *v < min || *v > max)
    return wrongType(key, "an integer in [" + std::to_string(min) + ", " +
                              std::to_string(max) + "]");
  out = *v;
  return true;
}

bool JsonFields::positiveNumber(llvm::StringRef key,
                                std::optional<double> fallback, double &out,
                                bool allowZero) {
  const llvm::json::Value *value = get(key);
  if (!value) {
    if (!fallback)
      return fail(pathOf(key), "required field is missing");
    out = *fallback;
    return true;
  }
  std::optional<double> v = value->getAsNumber();
  // Every such number becomes an f32 attribute; past f32's range it would
  // silently become infinity.
  const bool inRange = v && *v <= double(std::numeric_limits<float>::max());
  if (!inRange || !(allowZero ? *v >= 0 : *v > 0))
    return wrongType(key, allowZero ? "a number >= 0 within f32's range"
                                    : "a number > 0 within f32's range");
  out = *v;
  return true;
}

bool JsonFields::optionalPositive(llvm::StringRef key,
                                  std::optional<double> &out) {
  const llvm::json::Value *value = get(key);
  out.reset();
  if (!value || value->getAsNull())
    return true;
  double v;
  if (!positiveNumber(key, std::nullopt, v))
    return false;
  out = v;
  return true;
}

bool JsonFields::boolean(llvm::StringRef key, bool fallback, bool &out) {
  const llvm::json::Value *value = get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  std::optional<bool> v = value->getAsBoolean();
  if (!v)
    return wrongType(key, "true or false");
  out = *v;
  return true;
}

bool JsonFields::choice(llvm::StringRef key,
                        const std::vector<std::string> &choices,
                        std::optional<std::string> fallback, std::string &out) {
  std::string list;
  for (const std::string &c : choices)
    list += (list.empty() ? "\"" : ", \"") + c + "\"";
  const llvm::json::Value *value = get(key);
  if (!value) {
    if (!fallback)
      return fail(pathOf(key), "required field is missing (one of " + list + ")");
    out = *fallback;
    return true;
  }
  std::optional<llvm::StringRef> v = value->getAsString();
  if (!v || std::find(choices.begin(), choices.end(), v->str()) == choices.end())
    return wrongType(key, "one of " + list);
  out = v->str();
  return true;
}

bool JsonFields::nested(llvm::StringRef key, bool required,
                        const llvm::json::Object *&out) {
  const llvm::json::Value *value = get(key);
  out = nullptr;
  if (!value || value->getAsNull()) {
    if (required)
      return fail(pathOf(key), "required field is missing");
    return true;
  }
  out = value->getAsObject();
  if (!out)
    return wrongType(key, "an object");
  return true;
}

bool JsonFields::array(llvm::StringRef key, bool required,
                       const llvm::json::Array *&out) {
  const llvm::json::Value *value = get(key);
  out = nullptr;
  if (!value) {
    if (required)
      return fail(pathOf(key), "required field is missing");
    return true;
  }
  out = value->getAsArray();
  if (!out)
    return wrongType(key, "an array");
  return true;
}

bool JsonFields::noOtherFields() {
  for (const auto &entry : object)
    if (!used.contains(entry.first)) {
      std::vector<std::string> sorted;
      for (const auto &key : used)
        sorted.push_back(key.getKey().str());
      std::sort(sorted.begin(), sorted.end());
      std::string known;
      for (const std::string &k : sorted)
        known += (known.empty() ? "" : ", ") + k;
      return fail(pathOf(entry.first.str()),
                  "unknown field (known here: " + known + ")");
    }
  return true;
}
