//===- ModelDirectory.cpp - A Hugging Face checkpoint directory -----------===//

#include "hybrid/Support/ModelDirectory.h"

#include "hybrid/Support/Json.h"
#include "hybrid/Support/MappedFile.h"

#include <limits>
#include <sys/stat.h>

using namespace mlir::hybrid;

namespace {
std::string join(const std::string &dir, const char *name) {
  if (dir.empty() || dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

bool exists(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

/// The ids of `key` in `object` (one integer or a list), appended to `out`.
bool readIds(const json::Value &object, const char *key,
             const std::string &file, std::vector<int64_t> &out,
             std::string &error) {
  const json::Value *value = object.get(key);
  if (!value || value->isNull())
    return true;
  auto one = [&](const json::Value &v) {
    std::optional<int64_t> id = v.asInteger();
    if (!id || *id < 0) {
      error = file + ": '" + key + "' must be a non-negative integer or a list of them";
      return false;
    }
    out.push_back(*id);
    return true;
  };
  if (value->isArray()) {
    for (const json::Value &v : value->array)
      if (!one(v))
        return false;
    return true;
  }
  return one(*value);
}

/// Parses `path` as a JSON object; false with `error` if it is not one.
bool readObject(const std::string &path, json::Value &value, std::string &error) {
  std::string text, jsonError;
  if (!readTextFile(path, text, error))
    return false;
  if (!json::parse(json::fromPythonJson(text), value, jsonError)) {
    error = path + ": malformed JSON (" + jsonError + ")";
    return false;
  }
  if (!value.isObject()) {
    error = path + ": expected a JSON object";
    return false;
  }
  return true;
}
} // namespace

bool mlir::hybrid::isDirectory(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool mlir::hybrid::openModelDirectory(const std::string &dir, ModelDirectory &out,
                                      std::string &error) {
  out = ModelDirectory();
  out.config = join(dir, "config.json");
  if (!exists(out.config)) {
    error = dir + ": not a model directory (no config.json)";
    return false;
  }
  for (const char *name : {"model.safetensors", "model.safetensors.index.json"})
    if (std::string path = join(dir, name); exists(path)) {
      out.weights = path;
      break;
    }
  // generation_config.json decides; without one, config.json's ids (HF
  // builds its generation config from the model config then).
  std::string generation = join(dir, "generation_config.json");
  const std::string &source =
      exists(generation) ? generation : out.config;
  json::Value json;
  if (!readObject(source, json, error))
    return false;
  std::vector<int64_t> pad;
  if (!readIds(json, "eos_token_id", source, out.eosTokenIds, error) ||
      !readIds(json, "pad_token_id", source, pad, error))
    return false;
  if (pad.size() > 1) {
    error = source + ": 'pad_token_id' must be one id";
    return false;
  }
  if (!pad.empty())
    out.padTokenId = pad[0];
  // Sampling defaults, as HF's generate takes them from the file.
  auto number = [&](const char *key, std::optional<double> &value, double low, bool lowOpen,
                    double high, const char *range) {
    const json::Value *v = json.get(key);
    if (!v || v->isNull())
      return true;
    std::optional<double> x;
    if (v->kind == json::Value::Kind::Integer || v->kind == json::Value::Kind::Number)
      x = v->number;
    if (!x || !(lowOpen ? *x > low : *x >= low) || !(*x <= high)) {
      error = source + ": '" + key + "' must be a number in " + range;
      return false;
    }
    value = *x;
    return true;
  };
  if (const json::Value *v = json.get("do_sample"); v && !v->isNull()) {
    if (v->kind != json::Value::Kind::Bool) {
      error = source + ": 'do_sample' must be true or false";
      return false;
    }
    out.sampling.doSample = v->boolean;
  }
  if (const json::Value *v = json.get("top_k"); v && !v->isNull()) {
    std::optional<int64_t> k = v->asInteger();
    if (!k || *k < 0) {
      error = source + ": 'top_k' must be a non-negative integer";
      return false;
    }
    out.sampling.topK = *k;
  }
  const double inf = std::numeric_limits<double>::infinity();
  SamplingSettings &sampling = out.sampling;
  return number("temperature", sampling.temperature, 0, true, inf, "(0, inf)") &&
         number("top_p", sampling.topP, 0, true, 1, "(0, 1]") &&
         number("min_p", sampling.minP, 0, false, 1, "[0, 1]") &&
         number("repetition_penalty", sampling.repetitionPenalty, 0, true, inf, "(0, inf)");
}
