//===- HybridModelImage.cpp - Image models of the model format ------------===//
//
// Pixels in, tokens out: the "input" and "stem" fields (CvT's convolutional
// token embedding). The mean pooling before the classifier is
// ModelBuilder::meanOverTokens.
//
//===----------------------------------------------------------------------===//

#include "HybridModelImporter.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

bool frontend::readImageGeometry(const Object &top, const ModelInputShape &shape,
                       ImageGeometry &geometry, std::string &error) {
  const llvm::json::Value *input = top.get("input");
  if (!input) {
    if (!shape.image.empty()) {
      error = "input: this model takes token ids, got pixels";
      return false;
    }
    return true;
  }
  const Object *object = input->getAsObject();
  if (!object) {
    error = "input: must be an object";
    return false;
  }
  JsonFields f(*object, "input", error);
  std::string type;
  int64_t channels, height, width;
  if (!f.choice("type", {"image"}, std::nullopt, type) ||
      !f.integer("channels", int64_t(3), channels) ||
      !f.integer("height", std::nullopt, height) ||
      !f.integer("width", std::nullopt, width) || !f.noOtherFields())
    return false;
  std::vector<int64_t> chw = {channels, height, width};
  if (!shape.image.empty() && shape.image != chw) {
    auto text = [](ArrayRef<int64_t> d) {
      return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" +
             std::to_string(d[2]);
    };
    error = "input: the model takes " + text(chw) + " pixels, got " +
            text(shape.image);
    return false;
  }
  const llvm::json::Value *stem = top.get("stem");
  const Array *stages = stem ? stem->getAsArray() : nullptr;
  if (!stages || stages->empty()) {
    error = "stem: an image model needs a list of convolutions";
    return false;
  }
  for (size_t k = 0; k < stages->size(); ++k) {
    const std::string path = indexPath("stem", k);
    const Object *stage = (*stages)[k].getAsObject();
    if (!stage) {
      error = path + ": must be an object";
      return false;
    }
    JsonFields g(*stage, path, error);
    int64_t out, kernel, stride, padding;
    std::string act;
    if (!g.integer("channels", std::nullopt, out) ||
        !g.integer("kernel", std::nullopt, kernel) ||
        !g.integer("stride", int64_t(1), stride) ||
        !g.integer("padding", int64_t(0), padding, 0) ||
        !g.choice("activation", kActivations, std::string("relu"), act) ||
        !g.noOtherFields())
      return false;
    height = (height + 2 * padding - kernel) / stride + 1;
    width = (width + 2 * padding - kernel) / stride + 1;
    if (height < 1 || width < 1)
      return g.fail(g.pathOf("kernel"), "leaves no pixels (kernel " +
                                            std::to_string(kernel) +
                                            " larger than the padded input)");
  }
  geometry.pixels = {shape.batch, chw[0], chw[1], chw[2]};
  geometry.tokens = height * width;
  return true;
}

bool HybridModelImporter::imageStem(const Array &stages, Value &tokens) {
  Value x = m.ids();
  for (size_t k = 0; k < stages.size(); ++k) {
    const Object &stage = *stages[k].getAsObject(); // checked by readImageGeometry
    const std::string name = "stem." + std::to_string(k);
    auto get = [&](const char *key, int64_t fallback) {
      const llvm::json::Value *v = stage.get(key);
      return v ? *v->getAsInteger() : fallback;
    };
    const int64_t out = get("channels", 0), kernel = get("kernel", 0),
                  stride = get("stride", 1), padding = get("padding", 0);
    ArrayRef<int64_t> in = shapeOf(x);
    const int64_t height = (in[2] + 2 * padding - kernel) / stride + 1,
                  width = (in[3] + 2 * padding - kernel) / stride + 1;
    Value w = m.weight(name + ".weight", {out, in[1], kernel, kernel});
    Value bias = m.weight(name + ".bias", {out});
    x = Conv2DOp::create(b, loc, m.f32({m.batch, out, height, width}), x, w, bias,
                         b.getDenseI64ArrayAttr({stride, stride}),
                         b.getDenseI64ArrayAttr({padding, padding}),
                         b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
    if (k + 1 < stages.size()) {
      std::string act = "relu";
      if (std::optional<llvm::StringRef> a = stage.getString("activation"))
        act = a->str();
      x = ActivationOp::create(b, loc, x.getType(), x,
                               ActivationAttr::get(context, activationNamed(act)));
    }
  }
  ArrayRef<int64_t> shape = shapeOf(x);
  if (shape[1] != hidden) {
    error = indexPath("stem", stages.size() - 1) + ".channels: the last convolution "
            "must give hidden_size (" + std::to_string(hidden) + ") channels, got " +
            std::to_string(shape[1]);
    return false;
  }
  // Token t = y·W + x, as CvT's rearrange 'b c h w -> b (h w) c'.
  tokens = norm(m.imageToTokens(x),
                "stem.norm");
  return true;
}
