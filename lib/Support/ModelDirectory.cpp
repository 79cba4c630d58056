//===- ModelDirectory.cpp - A Hugging Face checkpoint directory -----------===//

#include "hybrid/Support/ModelDirectory.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir::hybrid;

namespace {
std::string join(const std::string &dir, const char *name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// The ids of `key` in `object` (one integer or a list), appended to `out`.
bool readIds(const llvm::json::Object &object, const char *key,
             const std::string &file, std::vector<int64_t> &out,
             std::string &error) {
  const llvm::json::Value *value = object.get(key);
  if (!value || value->kind() == llvm::json::Value::Null)
    return true;
  auto one = [&](const llvm::json::Value &v) {
    std::optional<int64_t> id = v.getAsInteger();
    if (!id || *id < 0) {
      error = file + ": '" + key + "' must be a non-negative integer or a list of them";
      return false;
    }
    out.push_back(*id);
    return true;
  };
  if (const llvm::json::Array *list = value->getAsArray()) {
    for (const llvm::json::Value &v : *list)
      if (!one(v))
        return false;
    return true;
  }
  return one(*value);
}

/// Parses `path` as a JSON object; false with `error` if it is not one.
bool readObject(const std::string &path, llvm::json::Value &json,
                std::string &error) {
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!text) {
    error = path + ": cannot open file (" + text.getError().message() + ")";
    return false;
  }
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse((*text)->getBuffer());
  if (!parsed) {
    error = path + ": malformed JSON " + llvm::toString(parsed.takeError());
    return false;
  }
  if (!parsed->getAsObject()) {
    error = path + ": expected a JSON object";
    return false;
  }
  json = std::move(*parsed);
  return true;
}
} // namespace

bool mlir::hybrid::isDirectory(const std::string &path) {
  return llvm::sys::fs::is_directory(path);
}

bool mlir::hybrid::openModelDirectory(const std::string &dir, ModelDirectory &out,
                                      std::string &error) {
  out = ModelDirectory();
  out.config = join(dir, "config.json");
  if (!llvm::sys::fs::exists(out.config)) {
    error = dir + ": not a model directory (no config.json)";
    return false;
  }
  for (const char *name : {"model.safetensors", "model.safetensors.index.json"})
    if (std::string path = join(dir, name); llvm::sys::fs::exists(path)) {
      out.weights = path;
      break;
    }
  // generation_config.json decides; without one, config.json's ids (HF
  // builds its generation config from the model config then).
  std::string generation = join(dir, "generation_config.json");
  const std::string &source =
      llvm::sys::fs::exists(generation) ? generation : out.config;
  llvm::json::Value json(nullptr);
  if (!readObject(source, json, error))
    return false;
  std::vector<int64_t> pad;
  if (!readIds(*json.getAsObject(), "eos_token_id", source, out.eosTokenIds, error) ||
      !readIds(*json.getAsObject(), "pad_token_id", source, pad, error))
    return false;
  if (pad.size() > 1) {
    error = source + ": 'pad_token_id' must be one id";
    return false;
  }
  if (!pad.empty())
    out.padTokenId = pad[0];
  return true;
}
