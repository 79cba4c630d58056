//===- Importers.h - One importer per model type ----------------*- C++ -*-===//

#ifndef HYBRID_LIB_FRONTEND_IMPORTERS_H
#define HYBRID_LIB_FRONTEND_IMPORTERS_H

#include "HuggingFaceConfig.h"
#include "ModelBuilder.h"
#include "hybrid/Frontend/Frontend.h"

#include <array>

namespace mlir::hybrid::frontend {

/// The Mamba-1 mixer of HF's MambaMixer / JambaMambaMixer.
struct MambaMixerConfig {
  int64_t inner, state, kernel, rank;
  bool projBias, convBias;
  /// Jamba: RMSNorms (eps `normEps`) on Δ, B and C after x_proj.
  bool innerNorms = false;
  double normEps = 1e-6;
  /// Falcon-Mamba: those norms have no weight.
  bool weightlessInnerNorms = false;
};

/// in_proj → [x | z]; conv1d + SiLU; x_proj → Δ, B, C; Δ = softplus(dt_proj(Δ));
/// selective scan with A = −exp(A_log), D and the SiLU(z) gate; out_proj.
/// `prefix` names the weights ("backbone.layers.3.mixer.").
Value buildMambaMixer(ModelBuilder &m, Value x, const MambaMixerConfig &config,
                      const std::string &prefix, int64_t hidden);

/// The Mamba-2 mixer of HF's Mamba2Mixer / BambaMixer (see Mamba2.cpp).
struct Mamba2MixerConfig {
  int64_t inner, heads, headDim, groups, state, kernel, chunk;
  bool projBias, convBias;
  double normEps;
  /// Δ's clamp, where it binds: [dtMin, dtMax].
  std::optional<double> dtMin, dtMax;
  /// Falcon-H1: out_proj's bias (projectors_bias) differs from in_proj's.
  std::optional<bool> outBias;
  /// Falcon-H1's muP: the input × inScale, and the sections of in_proj's
  /// output (gate, x, B, C, dt) × sectionScales.
  double inScale = 1.0;
  std::array<double, 5> sectionScales = {1, 1, 1, 1, 1};
  /// How y meets the gate: RMSNorm(y · silu(gate)) (Mamba-2), RMSNorm(y) ·
  /// silu(gate) (Falcon-H1's norm_before_gate) or y · silu(gate) alone.
  enum class GatedNorm { AfterGate, BeforeGate, None } gatedNorm = GatedNorm::AfterGate;
};

/// time_step_limit [lo, hi] as Δ's clamp where it binds (softplus > 0, so
/// lo = 0 and hi = inf are left out); false with `error` ("FILE: TYPE: ...")
/// when the key is malformed or the range empty.
bool readStepLimit(HuggingFaceConfig &config, const std::string &type,
                   Mamba2MixerConfig &out, std::string &error);
/// The mamba_* keys Bamba, Granite 4.0 and Falcon-H1 share (mamba_n_heads,
/// mamba_d_head, mamba_n_groups, mamba_d_state, mamba_d_conv,
/// mamba_chunk_size, mamba_conv_bias, mamba_proj_bias, time_step_limit) for
/// a mixer `inner` channels wide, `width` naming that width in messages.
bool readMamba2Keys(HuggingFaceConfig &config, const std::string &type,
                    int64_t inner, const std::string &width, double normEps,
                    Mamba2MixerConfig &out, std::string &error);

/// in_proj → [gate | xBC | dt]; conv1d + SiLU over xBC; SSD scan with
/// grouped B/C, D and dt_bias; RMSNorm(y · silu(gate)) per group; out_proj.
Value buildMamba2Mixer(ModelBuilder &m, Value x, const Mamba2MixerConfig &config,
                       const std::string &prefix, int64_t hidden);

OwningOpRef<ModuleOp> importJamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);

OwningOpRef<ModuleOp> importGemma2(MLIRContext *context, HuggingFaceConfig &config,
                                   const ModelInputShape &shape, ModelInfo &info,
                                   std::string &error);

OwningOpRef<ModuleOp> importRecurrentGemma(MLIRContext *context, HuggingFaceConfig &config,
                                           const ModelInputShape &shape, ModelInfo &info,
                                           std::string &error);

/// qwen3_next, qwen3_5_text and qwen3_5_moe_text (info.modelType says which),
/// and the language model of qwen3_5 / qwen3_5_moe (text_config).
OwningOpRef<ModuleOp> importQwen3Next(MLIRContext *context, HuggingFaceConfig &config,
                                      const ModelInputShape &shape, ModelInfo &info,
                                      std::string &error);

/// HF's ACT2FN names the dialect has an activation for (gelu, gelu_new and
/// gelu_pytorch_tanh, relu, silu and swish, quick_gelu); nullopt for the
/// rest, whose names kHuggingFaceActivationNames lists for messages.
std::optional<Activation> huggingFaceActivation(const std::string &name);
extern const char *const kHuggingFaceActivationNames;

/// The pixels [C, H, W] an image classifier is built for: the caller's
/// (`shape.image`), else the model's own `height` × `width`. False with
/// `error` (after `where`, "FILE: TYPE: ") when the channels differ from
/// `channels` or the caller asks for a generation session.
bool imageClassifierInput(const std::string &where, const ModelInputShape &shape,
                          int64_t channels, int64_t height, int64_t width,
                          std::vector<int64_t> &image, std::string &error);

/// CvtForImageClassification: pixels [B, C, H, W] (224×224 when the
/// caller gives no image) to logits [B, num_labels].
OwningOpRef<ModuleOp> importCvt(MLIRContext *context, HuggingFaceConfig &config,
                                const ModelInputShape &shape, ModelInfo &info,
                                std::string &error);

/// SwinForImageClassification: pixels [B, C, H, W] (image_size when the
/// caller gives no image) to logits [B, num_labels].
OwningOpRef<ModuleOp> importSwin(MLIRContext *context, HuggingFaceConfig &config,
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
/// `mamba` and `falcon_mamba` (Mamba-1 with weightless norms on Δ, B, C).
OwningOpRef<ModuleOp> importMamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);
OwningOpRef<ModuleOp> importBamba(MLIRContext *context, HuggingFaceConfig &config,
                                  const ModelInputShape &shape, ModelInfo &info,
                                  std::string &error);
OwningOpRef<ModuleOp> importZamba2(MLIRContext *context, HuggingFaceConfig &config,
                                   const ModelInputShape &shape, ModelInfo &info,
                                   std::string &error);
OwningOpRef<ModuleOp> importNemotronH(MLIRContext *context, HuggingFaceConfig &config,
                                      const ModelInputShape &shape, ModelInfo &info,
                                      std::string &error);
OwningOpRef<ModuleOp> importFalconH1(MLIRContext *context, HuggingFaceConfig &config,
                                     const ModelInputShape &shape, ModelInfo &info,
                                     std::string &error);
OwningOpRef<ModuleOp> importGraniteMoeHybrid(MLIRContext *context,
                                             HuggingFaceConfig &config,
                                             const ModelInputShape &shape,
                                             ModelInfo &info, std::string &error);
OwningOpRef<ModuleOp> importLfm2(MLIRContext *context, HuggingFaceConfig &config,
                                 const ModelInputShape &shape, ModelInfo &info,
                                 std::string &error);
OwningOpRef<ModuleOp> importMamba2(MLIRContext *context, HuggingFaceConfig &config,
                                   const ModelInputShape &shape, ModelInfo &info,
                                   std::string &error);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_IMPORTERS_H
