//===- Cvt.cpp - Hugging Face CvtForImageClassification -------------------===//
//
// HF transformers' modeling_cvt.py and configuration_cvt.py (5.x), the
// truth for `cvt`. Pixels [B, C, H, W] in, logits [B, num_labels] out.
// Each stage: a convolutional token embedding (conv2d, then LayerNorm over
// the tokens), an optional cls token in front (the last stage of the
// released models), then pre-LN layers whose attention reads q, k and v
// through depthwise 3×3 convolutions with BatchNorm (k and v with stride 2,
// so attention sees 4× fewer keys) and linear projections, scale
// embed_dim^-½ (HF's, not head_dim^-½); the cls token skips the convolutions
// and joins q, k and v in front. The head: LayerNorm of the cls token (or of
// every token of the last stage, then their mean) and the classifier.
//
// BatchNorm in eval form is folded into its convolution: for
// s = γ / √(var + ε), BN(W ∗ x) = (s·W) ∗ x + (β − mean·s), computed on the
// weights in the IR, so the activations see one conv with a bias.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

namespace {

/// HF's nn.LayerNorm and nn.BatchNorm2d are built with torch's default
/// epsilon; config.layer_norm_eps is not read by modeling_cvt.py.
constexpr double kNormEps = 1e-5;
/// CvtConfig has no image size: the released checkpoints take 224×224.
constexpr int64_t kDefaultImageSize = 224;

struct CvtStage {
  int64_t patch, patchStride, patchPadding, dim, heads, depth, kernel, paddingQ,
      paddingKv, strideQ, strideKv, mlpHidden;
  bool qkvBias, clsToken;
};

struct CvtConfigValues {
  int64_t channels, labels;
  std::vector<CvtStage> stages;
};

/// Output size of a convolution along one axis (torch's formula); 0 when
/// the kernel does not fit the padded input.
int64_t convOut(int64_t size, int64_t kernel, int64_t stride, int64_t padding) {
  if (size + 2 * padding < kernel)
    return 0;
  return (size + 2 * padding - kernel) / stride + 1;
}

bool readCvtConfig(HuggingFaceConfig &config, CvtConfigValues &out, std::string &error) {
  const std::string type = config.file() + ": cvt: ";
  std::vector<int64_t> depth;
  // depth decides how many stages every other per-stage list has.
  if (!config.positive("num_channels", 3, out.channels)) {
    error = config.error;
    return false;
  }
  // HF indexes every per-stage list by stage: longer lists are fine.
  auto listSize = [&](const char *key) -> size_t {
    const llvm::json::Value *value = config.json().get(key);
    return value && value->getAsArray() ? value->getAsArray()->size() : 3;
  };
  const size_t count = listSize("depth");
  std::vector<int64_t> patch, patchStride, patchPadding, dims, heads, kernel, paddingQ,
      paddingKv, strideQ, strideKv;
  std::vector<double> mlpRatio, dropPath;
  std::vector<bool> qkvBias, cls;
  std::vector<std::string> methods;
  if (!config.integers("depth", {1, 2, 10}, count, 1, depth) ||
      !config.integers("patch_sizes", {7, 3, 3}, count, 1, patch) ||
      !config.integers("patch_stride", {4, 2, 2}, count, 1, patchStride) ||
      !config.integers("patch_padding", {2, 1, 1}, count, 0, patchPadding) ||
      !config.integers("embed_dim", {64, 192, 384}, count, 1, dims) ||
      !config.integers("num_heads", {1, 3, 6}, count, 1, heads) ||
      !config.integers("kernel_qkv", {3, 3, 3}, count, 1, kernel) ||
      !config.integers("padding_q", {1, 1, 1}, count, 0, paddingQ) ||
      !config.integers("padding_kv", {1, 1, 1}, count, 0, paddingKv) ||
      !config.integers("stride_q", {1, 1, 1}, count, 1, strideQ) ||
      !config.integers("stride_kv", {2, 2, 2}, count, 1, strideKv) ||
      !config.numbers("mlp_ratio", {4, 4, 4}, std::max(count, listSize("mlp_ratio")),
                      mlpRatio) ||
      !config.booleans("qkv_bias", {true, true, true}, count, qkvBias) ||
      !config.booleans("cls_token", {false, false, true}, count, cls) ||
      !config.strings("qkv_projection_method", methods)) {
    error = config.error;
    return false;
  }
  if (count == 0) {
    error = type + "'depth' must list at least one stage";
    return false;
  }
  if (methods.empty())
    methods.assign(count, "dw_bn");
  if (methods.size() < count) {
    error = type + "'qkv_projection_method' must list " + std::to_string(count) +
            " methods (one per stage), got " + std::to_string(methods.size());
    return false;
  }
  for (size_t s = 0; s < count; ++s) {
    const std::string stage = "[" + std::to_string(s) + "]";
    // HF builds a projection module only for dw_bn; "avg" and "linear" fail
    // in its own forward (no convolution_projection attribute).
    if (methods[s] != "dw_bn") {
      error = type + "'qkv_projection_method" + stage + "' is '" + methods[s] +
              "'; only 'dw_bn' is supported (HF's CvT runs only dw_bn)";
      return false;
    }
    if (dims[s] % heads[s] != 0) {
      error = type + "'embed_dim" + stage + "' (" + std::to_string(dims[s]) +
              ") must be a multiple of 'num_heads" + stage + "' (" +
              std::to_string(heads[s]) + ")";
      return false;
    }
    // HF's cls token is embed_dim[-1] wide wherever it is used.
    if (cls[s] && dims[s] != dims.back()) {
      error = type + "'cls_token" + stage + "' is true but 'embed_dim" + stage + "' (" +
              std::to_string(dims[s]) + ") differs from the last stage's (" +
              std::to_string(dims.back()) + "), the cls token's width";
      return false;
    }
    if (!(mlpRatio[s] > 0) || mlpRatio[s] * double(dims[s]) < 1 ||
        mlpRatio[s] * double(dims[s]) > double(1 << 26)) {
      error = type + "'mlp_ratio" + stage + "' must be > 0 and give a hidden width " +
              "in [1, 2^26]";
      return false;
    }
    out.stages.push_back({patch[s], patchStride[s], patchPadding[s], dims[s], heads[s],
                          depth[s], kernel[s], paddingQ[s], paddingKv[s], strideQ[s],
                          strideKv[s], int64_t(mlpRatio[s] * double(dims[s])), qkvBias[s],
                          cls[s]});
  }
  if (!config.numLabels(out.labels)) {
    error = config.error;
    return false;
  }
  return true;
}

/// A depthwise conv (no bias) followed by BatchNorm in eval form, folded:
/// one conv with the scaled weight and a bias.
Value depthwiseConvBatchNorm(ModelBuilder &m, Value image, const std::string &prefix,
                             int64_t kernel, int64_t stride, int64_t padding,
                             int64_t height, int64_t width) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t channels = shapeOf(image)[1];
  Value weight = m.weight(prefix + "convolution.weight", {channels, 1, kernel, kernel});
  const std::string bn = prefix + "normalization.";
  Value gamma = m.weight(bn + "weight", {channels});
  Value beta = m.weight(bn + "bias", {channels});
  Value mean = m.weight(bn + "running_mean", {channels});
  Value variance = m.weight(bn + "running_var", {channels});
  auto type = m.f32({channels});
  Value eps = arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getF32FloatAttr(float(kNormEps))));
  Value scale = arith::DivFOp::create(
      b, loc, gamma, math::SqrtOp::create(b, loc, m.add(variance, eps)));
  Value scaledWeight =
      m.mul(weight, m.broadcastTo(scale, {channels, 1, kernel, kernel}, {1, 2, 3}));
  Value bias = arith::SubFOp::create(b, loc, beta, m.mul(mean, scale));
  const int64_t outHeight = convOut(height, kernel, stride, padding),
                outWidth = convOut(width, kernel, stride, padding);
  return Conv2DOp::create(b, loc, m.f32({m.batch, channels, outHeight, outWidth}), image,
                          scaledWeight, bias, b.getDenseI64ArrayAttr({stride, stride}),
                          b.getDenseI64ArrayAttr({padding, padding}),
                          b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(channels));
}

/// One CvtLayer on tokens [B, (1 +) H·W, C].
Value cvtLayer(ModelBuilder &m, Value x, const CvtStage &stage, const std::string &prefix,
               int64_t height, int64_t width) {
  const int64_t dim = stage.dim, count = height * width;
  Value h = m.layerNorm(x, prefix + "layernorm_before", kNormEps);
  Value cls;
  if (stage.clsToken) {
    cls = m.seqSlice(h, 0, 1);
    h = m.seqSlice(h, 1, count);
  }
  Value image = m.tokensToImage(h, height, width);
  const std::string attention = prefix + "attention.attention.";
  auto project = [&](const char *which, int64_t stride, int64_t padding) {
    Value y = m.imageToTokens(depthwiseConvBatchNorm(
        m, image,
        attention + "convolution_projection_" + which + ".convolution_projection.",
        stage.kernel, stride, padding, height, width));
    if (cls)
      y = m.concat(cls, y, 1);
    y = m.linear(y, attention + "projection_" + which, dim, stage.qkvBias);
    return m.splitHeads(y, stage.heads, dim / stage.heads);
  };
  Value q = project("query", stage.strideQ, stage.paddingQ);
  Value k = project("key", stage.strideKv, stage.paddingKv);
  Value v = project("value", stage.strideKv, stage.paddingKv);
  ArrayRef<int64_t> qShape = shapeOf(q);
  Value o = AttentionOp::create(
      m.b, m.loc, m.f32(qShape), q, k, v, Value(),
      MaskAttr::get(m.b.getContext(), MaskSpec::none()),
      m.b.getF32FloatAttr(float(1.0 / std::sqrt(double(dim)))), FloatAttr(),
      m.b.getI64IntegerAttr(0));
  o = MergeHeadsOp::create(m.b, m.loc, m.f32({qShape[0], qShape[2], dim}), o);
  x = m.add(x, m.linear(o, prefix + "attention.output.dense", dim, true));
  Value mlp = m.layerNorm(x, prefix + "layernorm_after", kNormEps);
  mlp = m.linear(mlp, prefix + "intermediate.dense", stage.mlpHidden, true);
  mlp = ActivationOp::create(m.b, m.loc, mlp.getType(), mlp,
                             ActivationAttr::get(m.b.getContext(), Activation::gelu));
  return m.add(x, m.linear(mlp, prefix + "output.dense", dim, true));
}

} // namespace

OwningOpRef<ModuleOp> frontend::importCvt(MLIRContext *context, HuggingFaceConfig &config,
                                          const ModelInputShape &shape, ModelInfo &info,
                                          std::string &error) {
  const std::string type = config.file() + ": cvt: ";
  CvtConfigValues cvt;
  if (!readCvtConfig(config, cvt, error))
    return nullptr;
  std::vector<int64_t> image;
  if (!imageClassifierInput(type, shape, cvt.channels, kDefaultImageSize, kDefaultImageSize,
                            image, error))
    return nullptr;
  // Each stage's grid, checked before any IR is built.
  std::vector<std::pair<int64_t, int64_t>> grids;
  int64_t height = image[1], width = image[2];
  for (size_t s = 0; s < cvt.stages.size(); ++s) {
    const CvtStage &stage = cvt.stages[s];
    const std::string at = "[" + std::to_string(s) + "]";
    height = convOut(height, stage.patch, stage.patchStride, stage.patchPadding);
    width = convOut(width, stage.patch, stage.patchStride, stage.patchPadding);
    if (height < 1 || width < 1) {
      error = type + "'patch_sizes" + at + "' (" + std::to_string(stage.patch) +
              ") leaves no pixels of a " + std::to_string(image[1]) + "x" +
              std::to_string(image[2]) + " image at stage " + std::to_string(s);
      return nullptr;
    }
    // The attention output has a row per query; the residual needs one
    // per token, so q's convolution must keep the grid.
    if (convOut(height, stage.kernel, stage.strideQ, stage.paddingQ) != height ||
        convOut(width, stage.kernel, stage.strideQ, stage.paddingQ) != width) {
      error = type + "'stride_q" + at + "', 'padding_q" + at + "' and 'kernel_qkv" + at +
              "' must keep the " + std::to_string(height) + "x" + std::to_string(width) +
              " grid (the residual adds a row per query)";
      return nullptr;
    }
    if (convOut(height, stage.kernel, stage.strideKv, stage.paddingKv) < 1 ||
        convOut(width, stage.kernel, stage.strideKv, stage.paddingKv) < 1) {
      error = type + "'kernel_qkv" + at + "' leaves no keys of the " +
              std::to_string(height) + "x" + std::to_string(width) + " grid";
      return nullptr;
    }
    grids.push_back({height, width});
  }
  info.vocabSize = cvt.labels;
  const bool lastCls = cvt.stages.back().clsToken;
  ModelBuilder m(context, shape, height * width + (lastCls ? 1 : 0),
                 {shape.batch, image[0], image[1], image[2]});
  OpBuilder &b = m.b;
  Value x = m.ids(), tokens, cls;
  int64_t inChannels = cvt.channels;
  for (size_t s = 0; s < cvt.stages.size(); ++s) {
    const CvtStage &stage = cvt.stages[s];
    const auto [gridHeight, gridWidth] = grids[s];
    const std::string prefix = "cvt.encoder.stages." + std::to_string(s) + ".";
    const std::string embed = prefix + "embedding.convolution_embeddings.";
    Value w = m.weight(embed + "projection.weight",
                       {stage.dim, inChannels, stage.patch, stage.patch});
    Value bias = m.weight(embed + "projection.bias", {stage.dim});
    x = Conv2DOp::create(b, m.loc, m.f32({m.batch, stage.dim, gridHeight, gridWidth}), x, w,
                         bias, b.getDenseI64ArrayAttr({stage.patchStride, stage.patchStride}),
                         b.getDenseI64ArrayAttr({stage.patchPadding, stage.patchPadding}),
                         b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
    tokens = m.layerNorm(m.imageToTokens(x), embed + "normalization", kNormEps);
    if (stage.clsToken) {
      Value token = m.weight(prefix + "cls_token", {1, 1, stage.dim});
      Value flat = tensor::CollapseShapeOp::create(
          b, m.loc, m.f32({1, stage.dim}), token,
          SmallVector<ReassociationIndices>{{0, 1}, {2}});
      tokens = m.concat(m.broadcastTo(flat, {m.batch, 1, stage.dim}, {0}), tokens, 1);
    }
    for (int64_t l = 0; l < stage.depth; ++l) {
      m.beginLayer();
      tokens = cvtLayer(m, tokens, stage,
                        prefix + "layers." + std::to_string(l) + ".", gridHeight, gridWidth);
      m.endLayer();
    }
    if (stage.clsToken) {
      cls = m.seqSlice(tokens, 0, 1);
      tokens = m.seqSlice(tokens, 1, gridHeight * gridWidth);
    }
    x = m.tokensToImage(tokens, gridHeight, gridWidth);
    inChannels = stage.dim;
  }
  // CvtForImageClassification: the cls token's norm, or the mean of every
  // token's norm.
  Value features =
      m.meanOverTokens(m.layerNorm(lastCls ? cls : tokens, "layernorm", kNormEps));
  return m.finish(m.linear(features, "classifier", cvt.labels, true));
}
