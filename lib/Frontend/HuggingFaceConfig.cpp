//===- HuggingFaceConfig.cpp - Reading fields of a config.json ------------===//

#include "HuggingFaceConfig.h"
#include "FieldLimits.h"

#include <cmath>
#include <limits>
#include <sstream>

using namespace mlir::hybrid::frontend;

bool HuggingFaceConfig::fail(const char *key, const std::string &expected) {
  std::string got;
  llvm::raw_string_ostream os(got);
  os << *object.get(key);
  error = path + ": '" + key + "' must be " + expected + ", got " + got;
  return false;
}


bool HuggingFaceConfig::integerAtLeast(const char *key, int64_t fallback,
                                       int64_t minimum, const char *expected,
                                       int64_t &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  std::optional<int64_t> v = value->getAsInteger();
  if (!v || *v < minimum)
    return fail(key, expected);
  if (const int64_t limit = fieldLimit(key); *v > limit)
    return fail(key, std::string(expected) + " at most " + std::to_string(limit) +
                         " (the importer's limit)");
  out = *v;
  return true;
}

bool HuggingFaceConfig::positive(const char *key, int64_t fallback,
                                 int64_t &out) {
  return integerAtLeast(key, fallback, 1, "a positive integer", out);
}

bool HuggingFaceConfig::nonNegative(const char *key, int64_t fallback,
                                    int64_t &out) {
  return integerAtLeast(key, fallback, 0, "a non-negative integer", out);
}

bool HuggingFaceConfig::convWidth(const char *key, int64_t fallback,
                                  int64_t &out) {
  return integerAtLeast(key, fallback, 2, "an integer >= 2", out);
}

bool HuggingFaceConfig::autoOrPositive(const char *key, int64_t autoValue,
                                       int64_t &out) {
  const llvm::json::Value *value = object.get(key);
  std::optional<llvm::StringRef> text = value ? value->getAsString() : std::nullopt;
  if (!value || (text && *text == "auto")) {
    out = autoValue;
    return true;
  }
  std::optional<int64_t> v = value->getAsInteger();
  if (!v || *v < 1)
    return fail(key, "\"auto\" or a positive integer");
  if (*v > kMaxSize)
    return fail(key, "\"auto\" or a positive integer at most " + std::to_string(kMaxSize));
  out = *v;
  return true;
}

namespace {
/// A JSON number, or a float Python's json cannot write as one
/// ({"__float__": "Infinity"}, as transformers 5 writes it, or 4.x's bare
/// Infinity after json::fromPythonJson).
std::optional<double> numberOf(const llvm::json::Value &value) {
  if (std::optional<double> v = value.getAsNumber())
    return v;
  const llvm::json::Object *object = value.getAsObject();
  if (!object || object->size() != 1)
    return std::nullopt;
  std::optional<llvm::StringRef> text = object->getString("__float__");
  if (!text)
    return std::nullopt;
  if (*text == "Infinity")
    return std::numeric_limits<double>::infinity();
  if (*text == "-Infinity")
    return -std::numeric_limits<double>::infinity();
  if (*text == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}
} // namespace

bool HuggingFaceConfig::numbers(const char *key, std::vector<double> fallback,
                                size_t count, std::vector<double> &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = std::move(fallback);
    return true;
  }
  const llvm::json::Array *array = value->getAsArray();
  const std::string expected =
      "a list of " + std::to_string(count) + " numbers (Infinity allowed)";
  if (!array || array->size() != count)
    return fail(key, expected);
  out.clear();
  for (const llvm::json::Value &item : *array) {
    std::optional<double> v = numberOf(item);
    if (!v || std::isnan(*v))
      return fail(key, expected);
    out.push_back(*v);
  }
  return true;
}

bool HuggingFaceConfig::scaledWidth(const char *key, double fallback, int64_t hidden,
                                    int64_t &out) {
  double factor;
  if (!number(key, fallback, factor))
    return false;
  const double width = factor * double(hidden);
  if (!(width >= 1 && width <= double(kMaxSize))) {
    std::ostringstream got;
    got << width;
    error = path + ": '" + key + "' × hidden_size must be in [1, 2^26], got " + got.str();
    return false;
  }
  out = int64_t(width);
  return true;
}

bool HuggingFaceConfig::number(const char *key, double fallback, double &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  std::optional<double> v = numberOf(*value);
  if (!v || !(std::fabs(*v) <= double(std::numeric_limits<float>::max())))
    return fail(key, "a finite number within f32's range");
  out = *v;
  return true;
}

bool HuggingFaceConfig::epsilon(const char *key, double fallback, double &out) {
  if (!number(key, fallback, out))
    return false;
  if (!(out >= 0))
    return fail(key, "a number >= 0");
  return true;
}

bool HuggingFaceConfig::boolean(const char *key, bool fallback, bool &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  std::optional<bool> v = value->getAsBoolean();
  if (!v)
    return fail(key, "true or false");
  out = *v;
  return true;
}

bool HuggingFaceConfig::string(const char *key, const std::string &fallback,
                               std::string &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  std::optional<llvm::StringRef> v = value->getAsString();
  if (!v)
    return fail(key, "a string");
  out = v->str();
  return true;
}

bool HuggingFaceConfig::positiveOrNull(const char *key, int64_t ifAbsent,
                                       int64_t ifNull, int64_t &out) {
  const llvm::json::Value *value = object.get(key);
  if (value && value->kind() == llvm::json::Value::Null) {
    out = ifNull;
    return true;
  }
  return positive(key, ifAbsent, out);
}

bool HuggingFaceConfig::optionalNumber(const char *key,
                                       std::optional<double> fallback,
                                       std::optional<double> &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    out = fallback;
    return true;
  }
  if (value->kind() == llvm::json::Value::Null) {
    out = std::nullopt;
    return true;
  }
  std::optional<double> v = numberOf(*value);
  if (!v || !(std::fabs(*v) <= double(std::numeric_limits<float>::max())))
    return fail(key, "a finite number within f32's range, or null");
  out = *v;
  return true;
}

bool HuggingFaceConfig::strings(const char *key, std::vector<std::string> &out) {
  out.clear();
  const llvm::json::Value *value = object.get(key);
  if (!value)
    return true;
  const llvm::json::Array *array = value->getAsArray();
  if (!array)
    return fail(key, "an array of strings");
  for (const llvm::json::Value &item : *array) {
    std::optional<llvm::StringRef> text = item.getAsString();
    if (!text)
      return fail(key, "an array of strings");
    out.push_back(text->str());
  }
  return true;
}

bool HuggingFaceConfig::perLayer(const char *key, int64_t fallback,
                                 int64_t count, std::vector<int64_t> &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value || value->getAsInteger()) {
    int64_t one;
    if (!positive(key, fallback, one))
      return false;
    out.assign(count, one);
    return true;
  }
  const llvm::json::Array *array = value->getAsArray();
  const std::string expected = "a positive integer or a list of " +
                               std::to_string(count) +
                               " positive integers (one per layer)";
  if (!array || int64_t(array->size()) != count)
    return fail(key, expected);
  out.clear();
  for (const llvm::json::Value &item : *array) {
    std::optional<int64_t> v = item.getAsInteger();
    if (!v || *v < 1)
      return fail(key, expected);
    out.push_back(*v);
  }
  return true;
}

template <typename T>
bool HuggingFaceConfig::stageList(const char *key, std::vector<T> fallback, size_t count,
                                  const std::string &expected,
                                  llvm::function_ref<std::optional<T>(const llvm::json::Value &)> item,
                                  std::vector<T> &out) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    if (fallback.size() < count) {
      error = path + ": '" + key + "' is absent and its default has " +
              std::to_string(fallback.size()) + " items; give " + expected;
      return false;
    }
    out.assign(fallback.begin(), fallback.begin() + count);
    return true;
  }
  const llvm::json::Array *array = value->getAsArray();
  if (!array || array->size() < count)
    return fail(key, expected);
  out.clear();
  for (size_t n = 0; n < count; ++n) {
    std::optional<T> v = item((*array)[n]);
    if (!v)
      return fail(key, expected);
    out.push_back(*v);
  }
  return true;
}

bool HuggingFaceConfig::integers(const char *key, std::vector<int64_t> fallback,
                                 size_t count, int64_t minimum, std::vector<int64_t> &out) {
  return stageList<int64_t>(
      key, std::move(fallback), count,
      "a list of (at least) " + std::to_string(count) + " integers >= " +
          std::to_string(minimum),
      [&](const llvm::json::Value &item) -> std::optional<int64_t> {
        std::optional<int64_t> v = item.getAsInteger();
        if (!v || *v < minimum || *v > kMaxSize)
          return std::nullopt;
        return v;
      },
      out);
}

bool HuggingFaceConfig::booleans(const char *key, std::vector<bool> fallback, size_t count,
                                 std::vector<bool> &out) {
  return stageList<bool>(key, std::move(fallback), count,
                         "a list of (at least) " + std::to_string(count) + " booleans",
                         [](const llvm::json::Value &item) { return item.getAsBoolean(); }, out);
}

bool HuggingFaceConfig::numLabels(int64_t &out) {
  // transformers writes id2label, not num_labels, to config.json.
  out = 2;
  if (const llvm::json::Object *labels = object.getObject("id2label")) {
    out = int64_t(labels->size());
    if (out < 1) {
      error = path + ": 'id2label' must name at least one label";
      return false;
    }
    return true;
  }
  return positive("num_labels", 2, out);
}

bool HuggingFaceConfig::transformersMajor(int &major) {
  major = 4;
  const llvm::json::Value *value = object.get("transformers_version");
  if (!value || value->getAsNull())
    return true;
  std::optional<llvm::StringRef> text = value->getAsString();
  if (!text || text->split('.').first.getAsInteger(10, major) || major < 1)
    return fail("transformers_version", "a version string such as \"4.46.3\"");
  return true;
}
