//===- Swin.cpp - Hugging Face SwinForImageClassification -----------------===//
//
// HF transformers' modeling_swin.py and configuration_swin.py (5.x), the
// truth for `swin`. Pixels [B, C, H, W] in (padded at the right and bottom
// to a multiple of patch_size), logits [B, num_labels] out.
//
// Patch embedding (a conv with kernel = stride = patch_size, LayerNorm, the
// absolute position embeddings where configured), then stages of pre-LN
// blocks at halving resolutions and doubling width, joined by patch merging
// (each 2×2 neighbourhood concatenated as (0,0), (1,0), (0,1), (1,1),
// LayerNorm, a linear 4C → 2C without bias). Block j of a stage attends
// within windows of window_size², cyclically shifted by window_size / 2 on
// odd blocks (no shift, and the window the whole grid, when the grid is no
// larger than a window). The grid is padded with zeros to whole windows.
//
// Windows are a batch: the grid [B, Hp, Wp, C] is reordered to
// [B·nW, w², C] (window_partition) by one merge_heads (a transpose of the
// row-in-window and window-column dims) and reshapes, so attention runs
// only inside windows: no masked tile is ever computed. The scores get the
// relative position bias, gathered from its table [(2w−1)², heads] by the
// static index HF computes (a hybrid.embedding over constant ids), plus, on
// shifted blocks, HF's region mask (−100 between tokens from different
// regions of the rolled grid: an additive bias, not −∞, exactly as HF).
//
// Weights as transformers 5 names them (attention.q_proj, …, mlp.fc1), or as
// the released 4.x checkpoints do (attention.self.query, …,
// intermediate.dense), chosen from the checkpoint's names.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

namespace {

/// nn.LayerNorm without an eps argument (the patch embedding's and patch
/// merging's norms) uses torch's default.
constexpr double kTorchLayerNormEps = 1e-5;
/// HF's additive mask between regions of a shifted window.
constexpr float kRegionMask = -100.0f;

struct SwinConfigValues {
  int64_t channels, labels, imageHeight, imageWidth, patch, embed, window;
  double mlpRatio, eps;
  bool qkvBias, absolutePositions;
  Activation act;
  std::vector<int64_t> depths, heads;
};

bool readSwinConfig(HuggingFaceConfig &config, SwinConfigValues &out, std::string &error) {
  const std::string type = config.file() + ": swin: ";
  const llvm::json::Value *depthValue = config.json().get("depths");
  const size_t count =
      depthValue && depthValue->getAsArray() ? depthValue->getAsArray()->size() : 4;
  std::string act;
  if (!config.positive("num_channels", 3, out.channels) ||
      !config.positive("patch_size", 4, out.patch) ||
      !config.positive("embed_dim", 96, out.embed) ||
      !config.positive("window_size", 7, out.window) ||
      !config.number("mlp_ratio", 4.0, out.mlpRatio) ||
      !config.epsilon("layer_norm_eps", 1e-5, out.eps) ||
      !config.boolean("qkv_bias", true, out.qkvBias) ||
      !config.boolean("use_absolute_embeddings", false, out.absolutePositions) ||
      !config.string("hidden_act", "gelu", act) ||
      !config.integers("depths", {2, 2, 6, 2}, count, 1, out.depths) ||
      !config.integers("num_heads", {3, 6, 12, 24}, count, 1, out.heads)) {
    error = config.error;
    return false;
  }
  if (count == 0) {
    error = type + "'depths' must list at least one stage";
    return false;
  }
  // image_size: one side or [height, width].
  out.imageHeight = out.imageWidth = 224;
  if (config.json().getArray("image_size")) {
    std::vector<int64_t> hw;
    if (!config.integers("image_size", {}, 2, 1, hw)) {
      error = config.error;
      return false;
    }
    out.imageHeight = hw[0];
    out.imageWidth = hw[1];
  } else if (!config.positive("image_size", 224, out.imageHeight)) {
    error = config.error;
    return false;
  } else {
    out.imageWidth = out.imageHeight;
  }
  std::optional<Activation> activation = huggingFaceActivation(act);
  if (!activation) {
    error = type + "'hidden_act' '" + act + "' is not supported (" +
            kHuggingFaceActivationNames + ")";
    return false;
  }
  out.act = *activation;
  // The relative position bias has w⁴ entries per head (Swin V1 uses 7 and 12).
  if (out.window > 64) {
    error = type + "'window_size' " + std::to_string(out.window) +
            " is above 64 (the relative position bias has window_size^4 entries per head)";
    return false;
  }
  if (count > 26) {
    error = type + "'depths' lists " + std::to_string(count) +
            " stages; each doubles the width, so at most 26";
    return false;
  }
  for (size_t s = 0; s < count; ++s) {
    const int64_t dim = out.embed << s;
    if (dim > (int64_t(1) << 26)) {
      error = type + "the width of stage " + std::to_string(s) + " (embed_dim · 2^" +
              std::to_string(s) + " = " + std::to_string(dim) + ") is above 2^26";
      return false;
    }
    if (dim % out.heads[s] != 0) {
      error = type + "the width of stage " + std::to_string(s) + " (embed_dim · 2^" +
              std::to_string(s) + " = " + std::to_string(dim) +
              ") must be a multiple of 'num_heads[" + std::to_string(s) + "]' (" +
              std::to_string(out.heads[s]) + ")";
      return false;
    }
  }
  if (!(out.mlpRatio > 0) || out.mlpRatio * double(out.embed << (count - 1)) > double(1 << 26) ||
      int64_t(out.mlpRatio * double(out.embed)) < 1) {
    error = type + "'mlp_ratio' must be > 0 and give hidden widths in [1, 2^26]";
    return false;
  }
  if (!config.numLabels(out.labels)) {
    error = config.error;
    return false;
  }
  return true;
}

/// Swin's weights under transformers 5's names or the 4.x checkpoints'.
struct SwinNames {
  std::string q, k, v, o, table, fc1, fc2;
  explicit SwinNames(bool legacy)
      : q(legacy ? "attention.self.query" : "attention.q_proj"),
        k(legacy ? "attention.self.key" : "attention.k_proj"),
        v(legacy ? "attention.self.value" : "attention.v_proj"),
        o(legacy ? "attention.output.dense" : "attention.o_proj"),
        table(legacy ? "attention.self.relative_position_bias_table"
                     : "attention.relative_position_bias.relative_position_bias_table"),
        fc1(legacy ? "intermediate.dense" : "mlp.fc1"),
        fc2(legacy ? "output.dense" : "mlp.fc2") {}
};

class SwinBuilder {
public:
  SwinBuilder(ModelBuilder &m, const SwinConfigValues &config, const SwinNames &names)
      : m(m), b(m.b), loc(m.loc), config(config), names(names) {}

  Value reshape(Value x, ArrayRef<int64_t> shape) {
    // Through one flat dim: collapse everything, expand to `shape`.
    ArrayRef<int64_t> in = shapeOf(x);
    int64_t total = 1;
    for (int64_t d : in)
      total *= d;
    ReassociationIndices all;
    for (size_t d = 0; d < in.size(); ++d)
      all.push_back(d);
    Value flat = tensor::CollapseShapeOp::create(b, loc, m.f32({total}), x,
                                                 SmallVector<ReassociationIndices>{all});
    ReassociationIndices out;
    for (size_t d = 0; d < shape.size(); ++d)
      out.push_back(d);
    return tensor::ExpandShapeOp::create(b, loc, m.f32(shape), flat,
                                         SmallVector<ReassociationIndices>{out});
  }

  Value zeros(ArrayRef<int64_t> shape) {
    auto type = m.f32(shape);
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, b.getF32FloatAttr(0)));
  }

  /// `count` zeros appended along `dim` (nn.functional.pad at the end).
  Value padEnd(Value x, int64_t dim, int64_t count) {
    if (count == 0)
      return x;
    SmallVector<int64_t> shape(shapeOf(x));
    shape[dim] = count;
    return m.concat(x, zeros(shape), dim);
  }

  /// torch.roll(x, shift, dim): out[i] = x[(i − shift) mod n].
  Value roll(Value x, int64_t dim, int64_t shift) {
    const int64_t n = shapeOf(x)[dim];
    shift = ((shift % n) + n) % n;
    if (shift == 0)
      return x;
    return m.concat(m.slice(x, dim, n - shift, shift), m.slice(x, dim, 0, n - shift), dim);
  }

  /// [B, Hp, Wp, C] → [B·nW, w², C], windows in HF's order (row-major).
  Value partition(Value grid, int64_t w) {
    ArrayRef<int64_t> s = shapeOf(grid);
    const int64_t batch = s[0], nh = s[1] / w, nw = s[2] / w, c = s[3];
    Value rows = reshape(grid, {batch * nh, w, nw, w * c});
    // merge_heads [B', H', S', D'] → [B', S', H'·D']: the window column
    // comes before the row in the window.
    Value windows = MergeHeadsOp::create(b, loc, m.f32({batch * nh, nw, w * w * c}), rows);
    return reshape(windows, {batch * nh * nw, w * w, c});
  }

  /// The inverse of partition, back to [B, Hp, Wp, C].
  Value reverse(Value windows, int64_t batch, int64_t hp, int64_t wp, int64_t w) {
    const int64_t nh = hp / w, nw = wp / w, c = shapeOf(windows)[2];
    Value flat = reshape(windows, {batch * nh, nw, w * w * c});
    Value rows = m.splitHeads(flat, w, w * c); // [B·nh, w, nw, w·C]
    return reshape(rows, {batch, hp, wp, c});
  }

  /// HF's _create_relative_position_index for a w×w window, flattened.
  static std::vector<int64_t> relativePositionIndex(int64_t w) {
    std::vector<int64_t> index;
    for (int64_t i = 0; i < w * w; ++i)
      for (int64_t j = 0; j < w * w; ++j) {
        const int64_t dy = i / w - j / w + w - 1, dx = i % w - j % w + w - 1;
        index.push_back(dy * (2 * w - 1) + dx);
      }
    return index;
  }

  /// HF's get_attn_mask for a shifted block on an hp×wp grid: [nW, w², w²]
  /// of 0 (same region) and −100, repeated for every image: [B·nW, w², w²].
  Value regionMask(int64_t batch, int64_t hp, int64_t wp, int64_t w, int64_t shift) {
    auto region = [&](int64_t i, int64_t n) {
      return int64_t(i >= n - w) + int64_t(i >= n - shift);
    };
    const int64_t nh = hp / w, nw = wp / w, area = w * w;
    std::vector<float> mask;
    mask.reserve(batch * nh * nw * area * area);
    for (int64_t image = 0; image < batch; ++image)
      for (int64_t wy = 0; wy < nh; ++wy)
        for (int64_t wx = 0; wx < nw; ++wx)
          for (int64_t p = 0; p < area; ++p)
            for (int64_t q = 0; q < area; ++q) {
              const int64_t py = wy * w + p / w, px = wx * w + p % w;
              const int64_t qy = wy * w + q / w, qx = wx * w + q % w;
              const int64_t rp = region(py, hp) * 3 + region(px, wp);
              const int64_t rq = region(qy, hp) * 3 + region(qx, wp);
              mask.push_back(rp == rq ? 0.0f : kRegionMask);
            }
    auto type = m.f32({batch * nh * nw, area, area});
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, ArrayRef<float>(mask)));
  }

  /// One SwinLayer on tokens [B, H·W, C].
  Value block(Value x, const std::string &prefix, int64_t height, int64_t width, int64_t heads,
              int64_t w, int64_t shift) {
    const int64_t batch = m.batch, c = shapeOf(x)[2], d = c / heads;
    const int64_t hp = (height + w - 1) / w * w, wp = (width + w - 1) / w * w;
    const int64_t count = batch * (hp / w) * (wp / w), area = w * w;
    Value h = m.layerNorm(x, prefix + "layernorm_before", config.eps);
    Value grid = reshape(h, {batch, height, width, c});
    grid = padEnd(padEnd(grid, 1, hp - height), 2, wp - width);
    if (shift) // torch.roll(x, (−s, −s), (1, 2))
      grid = roll(roll(grid, 1, -shift), 2, -shift);
    Value windows = partition(grid, w);
    auto heads4 = [&](const std::string &name) {
      return m.splitHeads(m.linear(windows, prefix + name, c, config.qkvBias), heads, d);
    };
    Value q = heads4(names.q), k = heads4(names.k), v = heads4(names.v);
    // The relative position bias: table[index] → [1, w⁴, heads] →
    // [heads, w², w²], the same for every window.
    const std::vector<int64_t> index = relativePositionIndex(w);
    auto idsType = RankedTensorType::get({1, area * area}, b.getI64Type());
    Value ids = arith::ConstantOp::create(
        b, loc, idsType, DenseElementsAttr::get(idsType, ArrayRef<int64_t>(index)));
    Value table = m.weight(prefix + names.table, {(2 * w - 1) * (2 * w - 1), heads});
    Value gathered =
        EmbeddingOp::create(b, loc, m.f32({1, area * area, heads}), ids, table, FloatAttr());
    Value perHead = reshape(m.splitHeads(gathered, heads, 1), {heads, area, area});
    Value bias = m.broadcastTo(perHead, {count, heads, area, area}, {0});
    if (shift)
      bias = m.add(bias, m.broadcastTo(regionMask(batch, hp, wp, w, shift),
                                       {count, heads, area, area}, {1}));
    Value o = AttentionOp::create(b, loc, m.f32({count, heads, area, d}), q, k, v, bias,
                                  MaskAttr::get(b.getContext(), MaskSpec::none()),
                                  b.getF32FloatAttr(float(1.0 / std::sqrt(double(d)))),
                                  FloatAttr(), b.getI64IntegerAttr(0));
    o = MergeHeadsOp::create(b, loc, m.f32({count, area, c}), o);
    o = m.linear(o, prefix + names.o, c, true);
    grid = reverse(o, batch, hp, wp, w);
    if (shift)
      grid = roll(roll(grid, 1, shift), 2, shift);
    grid = m.slice(m.slice(grid, 1, 0, height), 2, 0, width);
    x = m.add(x, reshape(grid, {batch, height * width, c}));
    Value mlp = m.layerNorm(x, prefix + "layernorm_after", config.eps);
    mlp = m.linear(mlp, prefix + names.fc1, int64_t(config.mlpRatio * double(c)), true);
    mlp = ActivationOp::create(b, loc, mlp.getType(), mlp,
                               ActivationAttr::get(b.getContext(), config.act));
    return m.add(x, m.linear(mlp, prefix + names.fc2, c, true));
  }

  /// SwinPatchMerging: [B, H·W, C] → [B, ⌈H/2⌉·⌈W/2⌉, 2C].
  Value mergePatches(Value x, const std::string &prefix, int64_t height, int64_t width) {
    const int64_t batch = m.batch, c = shapeOf(x)[2];
    const int64_t h2 = (height + 1) / 2, w2 = (width + 1) / 2;
    Value grid = reshape(x, {batch, height, width, c});
    grid = padEnd(padEnd(grid, 1, height % 2), 2, width % 2);
    // [B·h2, row, w2, (col, C)] → merge_heads → [B·h2, w2, (row, col, C)].
    Value rows = MergeHeadsOp::create(b, loc, m.f32({batch * h2, w2, 4 * c}),
                                      reshape(grid, {batch * h2, 2, w2, 2 * c}));
    // [N, row, col, C] → merge_heads → [N, col, (row, C)]: HF's order
    // x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2].
    Value cells = MergeHeadsOp::create(b, loc, m.f32({batch * h2 * w2, 2, 2 * c}),
                                       reshape(rows, {batch * h2 * w2, 2, 2, c}));
    Value merged = reshape(cells, {batch, h2 * w2, 4 * c});
    merged = m.layerNorm(merged, prefix + "norm", kTorchLayerNormEps);
    return m.linear(merged, prefix + "reduction", 2 * c, false);
  }

private:
  ModelBuilder &m;
  OpBuilder &b;
  Location loc;
  const SwinConfigValues &config;
  const SwinNames &names;
};

} // namespace

OwningOpRef<ModuleOp> frontend::importSwin(MLIRContext *context, HuggingFaceConfig &config,
                                           const ModelInputShape &shape, ModelInfo &info,
                                           std::string &error) {
  const std::string type = config.file() + ": swin: ";
  SwinConfigValues swin;
  if (!readSwinConfig(config, swin, error))
    return nullptr;
  std::vector<int64_t> image;
  if (!imageClassifierInput(type, shape, swin.channels, swin.imageHeight, swin.imageWidth,
                            image, error))
    return nullptr;
  const int64_t padH = (swin.patch - image[1] % swin.patch) % swin.patch,
                padW = (swin.patch - image[2] % swin.patch) % swin.patch;
  int64_t height = (image[1] + padH) / swin.patch, width = (image[2] + padW) / swin.patch;
  // HF's absolute position embeddings cover the configured image's patches.
  const int64_t configPatches =
      (swin.imageHeight / swin.patch) * (swin.imageWidth / swin.patch);
  if (swin.absolutePositions && height * width != configPatches) {
    error = type + "'use_absolute_embeddings' needs the configured " +
            std::to_string(swin.imageHeight) + "x" + std::to_string(swin.imageWidth) +
            " image ('image_size'), the pixels are " + std::to_string(image[1]) + "x" +
            std::to_string(image[2]);
    return nullptr;
  }
  // Each stage's grid, window and shift, checked before any IR is built.
  struct StagePlan {
    int64_t height, width, window, shift;
  };
  std::vector<StagePlan> plans;
  for (size_t s = 0; s < swin.depths.size(); ++s) {
    int64_t window = swin.window, shift = swin.window / 2;
    if (std::min(height, width) <= swin.window) {
      // HF's set_shift_and_window_size: one unshifted window over the grid,
      // which its relative position table (built for window_size) only
      // fits when the grid's short side equals the window.
      if (std::min(height, width) < swin.window) {
        error = type + "stage " + std::to_string(s) + "'s grid (" + std::to_string(height) +
                "x" + std::to_string(width) + ") is smaller than 'window_size' (" +
                std::to_string(swin.window) +
                "); HF's relative position bias then does not fit (use larger images)";
        return nullptr;
      }
      shift = 0;
    }
    plans.push_back({height, width, window, shift});
    if (s + 1 < swin.depths.size()) {
      height = (height + 1) / 2;
      width = (width + 1) / 2;
    }
  }
  info.vocabSize = swin.labels;
  const SwinNames names(config.checkpointHas(
      "swin.encoder.layers.0.blocks.0.attention.self.query.weight"));
  ModelBuilder m(context, shape, height * width, {shape.batch, image[0], image[1], image[2]});
  SwinBuilder swinBuilder(m, swin, names);
  OpBuilder &b = m.b;
  // Patch embedding: pad the pixels to whole patches, conv, norm.
  Value pixels = swinBuilder.padEnd(swinBuilder.padEnd(m.ids(), 2, padH), 3, padW);
  const std::string embed = "swin.embeddings.";
  Value w = m.weight(embed + "patch_embeddings.projection.weight",
                     {swin.embed, swin.channels, swin.patch, swin.patch});
  Value bias = m.weight(embed + "patch_embeddings.projection.bias", {swin.embed});
  Value x = Conv2DOp::create(
      b, m.loc, m.f32({m.batch, swin.embed, plans[0].height, plans[0].width}), pixels, w, bias,
      b.getDenseI64ArrayAttr({swin.patch, swin.patch}), b.getDenseI64ArrayAttr({0, 0}),
      b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
  Value tokens = m.layerNorm(m.imageToTokens(x), embed + "norm", kTorchLayerNormEps);
  if (swin.absolutePositions) {
    Value table = m.weight(embed + "position_embeddings", {1, configPatches, swin.embed});
    Value flat = tensor::CollapseShapeOp::create(
        b, m.loc, m.f32({configPatches, swin.embed}), table,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    tokens = m.add(tokens, m.broadcastTo(flat, {m.batch, configPatches, swin.embed}, {0}));
  }
  for (size_t s = 0; s < swin.depths.size(); ++s) {
    const StagePlan &plan = plans[s];
    const std::string prefix = "swin.encoder.layers." + std::to_string(s) + ".";
    for (int64_t j = 0; j < swin.depths[s]; ++j) {
      m.beginLayer();
      tokens = swinBuilder.block(tokens, prefix + "blocks." + std::to_string(j) + ".",
                                 plan.height, plan.width, swin.heads[s], plan.window,
                                 j % 2 ? plan.shift : 0);
      m.endLayer();
    }
    if (s + 1 < swin.depths.size())
      tokens = swinBuilder.mergePatches(tokens, prefix + "downsample.", plan.height, plan.width);
  }
  Value features = m.meanOverTokens(m.layerNorm(tokens, "swin.layernorm", swin.eps));
  return m.finish(m.linear(features, "classifier", swin.labels, true));
}
