//===- ImporterCommon.cpp - Pieces several HF importers share -------------===//
//
// HF's ACT2FN names for the dialect's activations (Longformer, Swin), and
// the pixels an image classifier (CvT, Swin) is built for.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

const char *const frontend::kHuggingFaceActivationNames =
    "gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, quick_gelu";

std::optional<Activation> frontend::huggingFaceActivation(const std::string &name) {
  if (name == "gelu")
    return Activation::gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh")
    return Activation::gelu_tanh;
  if (name == "relu")
    return Activation::relu;
  if (name == "silu" || name == "swish")
    return Activation::silu;
  if (name == "quick_gelu")
    return Activation::quick_gelu;
  return std::nullopt;
}

bool frontend::imageClassifierInput(const std::string &where, const ModelInputShape &shape,
                                    int64_t channels, int64_t height, int64_t width,
                                    std::vector<int64_t> &image, std::string &error) {
  if (shape.carryState) {
    error = where + "an image classifier does not generate token by token";
    return false;
  }
  image = shape.image;
  if (image.empty())
    image = {channels, height, width};
  if (image[0] != channels) {
    error = where + "the model takes " + std::to_string(channels) +
            " channels ('num_channels'), the pixels have " + std::to_string(image[0]);
    return false;
  }
  return true;
}
