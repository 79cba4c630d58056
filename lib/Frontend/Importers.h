//===- Importers.h - One importer per model type ----------------*- C++ -*-===//

#ifndef HYBRID_LIB_FRONTEND_IMPORTERS_H
#define HYBRID_LIB_FRONTEND_IMPORTERS_H

#include "HuggingFaceConfig.h"
#include "hybrid/Frontend/Frontend.h"

namespace mlir::hybrid::frontend {

OwningOpRef<ModuleOp> importGemma2(MLIRContext *context, HuggingFaceConfig &config,
                                   const ModelInputShape &shape, ModelInfo &info,
                                   std::string &error);

OwningOpRef<ModuleOp> importMamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_IMPORTERS_H
