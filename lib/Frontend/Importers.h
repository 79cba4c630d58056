//===- Importers.h - One importer per model type ----------------*- C++ -*-===//

#ifndef HYBRID_LIB_FRONTEND_IMPORTERS_H
#define HYBRID_LIB_FRONTEND_IMPORTERS_H

#include "HuggingFaceConfig.h"
#include "ModelBuilder.h"
#include "hybrid/Frontend/Frontend.h"

namespace mlir::hybrid::frontend {

/// The Mamba-1 mixer of HF's MambaMixer / JambaMambaMixer.
struct MambaMixerConfig {
  int64_t inner, state, kernel, rank;
  bool projBias, convBias;
  /// Jamba: RMSNorms (eps `normEps`) on Δ, B and C after x_proj.
  bool innerNorms = false;
  double normEps = 1e-6;
};

/// in_proj → [x | z]; conv1d + SiLU; x_proj → Δ, B, C; Δ = softplus(dt_proj(Δ));
/// selective scan with A = −exp(A_log), D and the SiLU(z) gate; out_proj.
/// `prefix` names the weights ("backbone.layers.3.mixer.").
Value buildMambaMixer(ModelBuilder &m, Value x, const MambaMixerConfig &config,
                      const std::string &prefix, int64_t hidden);

OwningOpRef<ModuleOp> importJamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);

OwningOpRef<ModuleOp> importGemma2(MLIRContext *context, HuggingFaceConfig &config,
                                   const ModelInputShape &shape, ModelInfo &info,
                                   std::string &error);

/// The project's own format (docs/model-format.md), `"format": "hybrid-model"`.
OwningOpRef<ModuleOp> importHybridModel(MLIRContext *context,
                                        const llvm::json::Object &top,
                                        const std::string &path,
                                        const ModelInputShape &shape,
                                        ModelInfo &info, std::string &error);
OwningOpRef<ModuleOp> importLongformer(MLIRContext *context,
                                       HuggingFaceConfig &config,
                                       const ModelInputShape &shape,
                                       ModelInfo &info, std::string &error);
OwningOpRef<ModuleOp> importMamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_IMPORTERS_H
