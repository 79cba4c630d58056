//===- Frontend.cpp - Model descriptions to hybrid IR ---------------------===//

#include "hybrid/Frontend/Frontend.h"
#include "Importers.h"
#include "hybrid/Frontend/ImportedLocations.h"
#include "hybrid/Support/Json.h"
#include "hybrid/Support/MappedFile.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

namespace {
using Importer = OwningOpRef<ModuleOp> (*)(MLIRContext *, HuggingFaceConfig &,
                                           const ModelInputShape &, ModelInfo &,
                                           std::string &);
/// Every Hugging Face model_type, its importer, and whether it is a causal
/// decoder (its plain forward runs as a session's prefill).
struct ModelType {
  const char *name;
  Importer import;
  bool causal;
};
const ModelType kModelTypes[] = {
    {"bamba", importBamba, true},
    {"cvt", importCvt, false},
    {"falcon_h1", importFalconH1, true},
    {"falcon_mamba", importMamba, true},
    {"gemma2", importGemma2, true},
    {"granitemoehybrid", importGraniteMoeHybrid, true},
    {"jamba", importJamba, true},
    {"lfm2", importLfm2, true},
    {"lfm2_moe", importLfm2, true},
    {"longformer", importLongformer, false},
    {"mamba", importMamba, true},
    {"mamba2", importMamba2, true},
    {"nemotron_h", importNemotronH, true},
    {"qwen3_5", importQwen3Next, true},
    {"qwen3_5_moe", importQwen3Next, true},
    {"qwen3_5_moe_text", importQwen3Next, true},
    {"qwen3_5_text", importQwen3Next, true},
    {"qwen3_next", importQwen3Next, true},
    {"recurrent_gemma", importRecurrentGemma, true},
    {"swin", importSwin, false},
    {"zamba2", importZamba2, true},
};

const ModelType *findModelType(llvm::StringRef name) {
  for (const ModelType &type : kModelTypes)
    if (name == type.name)
      return &type;
  return nullptr;
}

/// The JSON of a model description: a regular file (a device or pipe would
/// never end), Python's Infinity/NaN rewritten, its depth bounded before
/// llvm::json, which recurses per level, parses it.
std::optional<llvm::json::Value> readConfigJson(const std::string &path,
                                                std::string &error) {
  if (!checkRegularFile(path, error))
    return std::nullopt;
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file) {
    error = path + ": cannot open file (" + file.getError().message() + ")";
    return std::nullopt;
  }
  const std::string text = json::fromPythonJson((*file)->getBuffer().str());
  if (std::string depthError; !json::checkNestingDepth(text, depthError)) {
    error = path + ": malformed JSON: " + depthError;
    return std::nullopt;
  }
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) {
    // llvm::json reports "[line:column, byte=N]: what".
    error = path + ": malformed JSON " + llvm::toString(json.takeError());
    return std::nullopt;
  }
  return std::move(*json);
}
} // namespace

const std::vector<std::string> &mlir::hybrid::supportedModelTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> names;
    for (const ModelType &type : kModelTypes)
      names.push_back(type.name);
    return names;
  }();
  return types;
}

OwningOpRef<ModuleOp> mlir::hybrid::importModel(MLIRContext *context,
                                                const std::string &path,
                                                const ModelInputShape &shape,
                                                ModelInfo &info,
                                                std::string &error,
                                                const std::vector<std::string> *checkpointTensors) {
  std::optional<llvm::json::Value> json = readConfigJson(path, error);
  if (!json)
    return nullptr;
  const llvm::json::Object *object = json->getAsObject();
  if (!object) {
    error = path + ": expected a JSON object";
    return nullptr;
  }
  // Every op names the file it came from (ImportedLocations.h).
  auto named = [&](OwningOpRef<ModuleOp> module) {
    if (module)
      attachModelFile(*module, path);
    return module;
  };
  if (object->get("format")) {
    info.modelType = "hybrid-model";
    return named(importHybridModel(context, *object, path, shape, info, error));
  }
  std::optional<llvm::StringRef> modelType = object->getString("model_type");
  std::string supported;
  for (const std::string &type : supportedModelTypes())
    supported += (supported.empty() ? "" : ", ") + type;
  if (!modelType) {
    error = path + ": no 'model_type' (supported: " + supported +
            ") and no \"format\": \"hybrid-model\" (docs/model-format.md)";
    return nullptr;
  }
  info.modelType = modelType->str();
  HuggingFaceConfig config(*object, path);
  if (checkpointTensors)
    config.setCheckpointTensors(*checkpointTensors);
  if (const ModelType *type = findModelType(*modelType))
    return named(type->import(context, config, shape, info, error));
  error = path + ": unknown model_type '" + modelType->str() +
          "' (supported: " + supported + ")";
  return nullptr;
}

bool mlir::hybrid::forwardRunsInSession(const std::string &path) {
  std::string error;
  std::optional<llvm::json::Value> json = readConfigJson(path, error);
  if (!json)
    return false;
  const llvm::json::Object *object = json->getAsObject();
  if (!object || object->get("format"))
    return false;
  std::optional<llvm::StringRef> modelType = object->getString("model_type");
  const ModelType *type = modelType ? findModelType(*modelType) : nullptr;
  return type && type->causal;
}
