//===- Convolution.cpp - Reference causal conv1d and conv2d ---------------===//

#include "hybrid/Reference/Reference.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

ScanResult reference::causalConv1d(const HostTensor &input,
                                   const HostTensor &weight,
                                   const HostTensor *bias,
                                   const HostTensor *state,
                                   Activation activation) {
  const int64_t batch = input.dim(0), seq = input.dim(1),
                channels = input.dim(2), kernel = weight.dim(1),
                carried = kernel - 1;
  ScanResult result{HostTensor::zeros({batch, seq, channels}),
                    HostTensor::zeros({batch, channels, carried})};
  // x'[c, t'] over t' in [0, K-1+L): the carried inputs, then this call's.
  auto padded = [&](int64_t b, int64_t c, int64_t t) -> double {
    if (t < carried)
      return state ? state->floats()[(b * channels + c) * carried + t] : 0.0;
    return input.floats()[(b * seq + (t - carried)) * channels + c];
  };
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t t = 0; t < seq; ++t) {
        double y = bias ? bias->floats()[c] : 0.0;
        for (int64_t k = 0; k < kernel; ++k)
          y += weight.floats()[c * kernel + k] * padded(b, c, t + k);
        result.y.floats()[(b * seq + t) * channels + c] =
            static_cast<float>(activate(activation, y));
      }
      for (int64_t k = 0; k < carried; ++k)
        result.finalState.floats()[(b * channels + c) * carried + k] =
            static_cast<float>(padded(b, c, seq + k));
    }
  return result;
}

HostTensor reference::conv2d(const HostTensor &input, const HostTensor &weight,
                             const HostTensor *bias,
                             const Conv2DParams &params) {
  const int64_t batch = input.dim(0), inChannels = input.dim(1),
                height = input.dim(2), width = input.dim(3),
                outChannels = weight.dim(0), perGroup = weight.dim(1),
                kh = weight.dim(2), kw = weight.dim(3);
  const auto &[sh, sw] = params.strides;
  const auto &[ph, pw] = params.padding;
  const auto &[dh, dw] = params.dilations;
  const int64_t outHeight = (height + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  const int64_t outWidth = (width + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  const int64_t outPerGroup = outChannels / params.groups;
  HostTensor out = HostTensor::zeros({batch, outChannels, outHeight, outWidth});
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outChannels; ++o) {
      const int64_t g = o / outPerGroup;
      for (int64_t y = 0; y < outHeight; ++y)
        for (int64_t x = 0; x < outWidth; ++x) {
          double sum = bias ? bias->floats()[o] : 0.0;
          for (int64_t c = 0; c < perGroup; ++c)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t bb = 0; bb < kw; ++bb) {
                const int64_t iy = y * sh - ph + a * dh,
                              ix = x * sw - pw + bb * dw;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width)
                  continue;
                const int64_t ic = g * perGroup + c;
                sum += static_cast<double>(
                           weight.floats()[((o * perGroup + c) * kh + a) * kw +
                                           bb]) *
                       input.floats()[((n * inChannels + ic) * height + iy) *
                                          width +
                                      ix];
              }
          out.floats()[((n * outChannels + o) * outHeight + y) * outWidth + x] =
              static_cast<float>(sum);
        }
    }
  return out;
}
