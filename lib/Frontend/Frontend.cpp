//===- Frontend.cpp - Model descriptions to hybrid IR ---------------------===//

#include "hybrid/Frontend/Frontend.h"
#include "Importers.h"
#include "hybrid/Support/Json.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

const std::vector<std::string> &mlir::hybrid::supportedModelTypes() {
  static const std::vector<std::string> types = {
      "bamba",      "falcon_h1",    "falcon_mamba", "gemma2", "granitemoehybrid",
      "jamba",      "lfm2",         "lfm2_moe",   "longformer", "mamba",
      "mamba2",     "nemotron_h",   "zamba2"};
  return types;
}

OwningOpRef<ModuleOp> mlir::hybrid::importModel(MLIRContext *context,
                                                const std::string &path,
                                                const ModelInputShape &shape,
                                                ModelInfo &info,
                                                std::string &error,
                                                const std::vector<std::string> *checkpointTensors) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file) {
    error = path + ": cannot open file (" + file.getError().message() + ")";
    return nullptr;
  }
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse(json::fromPythonJson((*file)->getBuffer().str()));
  if (!json) {
    // llvm::json reports "[line:column, byte=N]: what".
    error = path + ": malformed JSON " + llvm::toString(json.takeError());
    return nullptr;
  }
  const llvm::json::Object *object = json->getAsObject();
  if (!object) {
    error = path + ": expected a JSON object";
    return nullptr;
  }
  if (object->get("format")) {
    info.modelType = "hybrid-model";
    return importHybridModel(context, *object, path, shape, info, error);
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
  if (*modelType == "mamba" || *modelType == "falcon_mamba")
    return importMamba(context, config, shape, info, error);
  if (*modelType == "mamba2")
    return importMamba2(context, config, shape, info, error);
  if (*modelType == "bamba")
    return importBamba(context, config, shape, info, error);
  if (*modelType == "lfm2" || *modelType == "lfm2_moe")
    return importLfm2(context, config, shape, info, error);
  if (*modelType == "zamba2")
    return importZamba2(context, config, shape, info, error);
  if (*modelType == "nemotron_h")
    return importNemotronH(context, config, shape, info, error);
  if (*modelType == "falcon_h1")
    return importFalconH1(context, config, shape, info, error);
  if (*modelType == "granitemoehybrid")
    return importGraniteMoeHybrid(context, config, shape, info, error);
  if (*modelType == "gemma2")
    return importGemma2(context, config, shape, info, error);
  if (*modelType == "jamba")
    return importJamba(context, config, shape, info, error);
  if (*modelType == "longformer")
    return importLongformer(context, config, shape, info, error);
  error = path + ": unknown model_type '" + modelType->str() +
          "' (supported: " + supported + ")";
  return nullptr;
}

bool mlir::hybrid::forwardRunsInSession(const std::string &path) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return false;
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse(json::fromPythonJson((*file)->getBuffer().str()));
  if (!json) {
    llvm::consumeError(json.takeError());
    return false;
  }
  const llvm::json::Object *object = json->getAsObject();
  if (!object || object->get("format"))
    return false;
  std::optional<llvm::StringRef> modelType = object->getString("model_type");
  return modelType && llvm::is_contained(
                            {"mamba", "falcon_mamba", "mamba2", "bamba", "gemma2",
                             "jamba", "lfm2", "lfm2_moe", "granitemoehybrid", "falcon_h1",
                             "nemotron_h", "zamba2"},
                            *modelType);
}
