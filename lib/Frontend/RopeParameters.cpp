//===- RopeParameters.cpp - RoPE frequencies from an HF config ------------===//

#include "RopeParameters.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cmath>
#include <optional>

using namespace mlir::hybrid::frontend;

namespace {
/// Typed reads of one rope_parameters / rope_scaling object, with errors
/// naming `where.key`.
struct RopeFields {
  const llvm::json::Object &object;
  std::string where; // "config.json: 'rope_parameters"
  std::string &error;

  bool fail(llvm::StringRef key, const std::string &expected) {
    error = where + "." + key.str() + "' must be " + expected;
    return false;
  }
  /// A number, or nullopt when absent or null.
  bool number(llvm::StringRef key, std::optional<double> &out) {
    out.reset();
    const llvm::json::Value *v = object.get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return true;
    if (std::optional<double> d = v->getAsNumber()) {
      out = *d;
      return true;
    }
    return fail(key, "a number");
  }
  /// A list of `count` finite numbers, required.
  bool numbers(llvm::StringRef key, const std::string &type, size_t count,
               std::vector<double> &out) {
    const std::string expected = "a list of " + std::to_string(count) +
                                 " numbers (rotated dims / 2) for rope type '" +
                                 type + "'";
    const llvm::json::Value *v = object.get(key);
    const llvm::json::Array *list = v ? v->getAsArray() : nullptr;
    if (!list || list->size() != count)
      return fail(key, expected);
    out.clear();
    for (const llvm::json::Value &x : *list) {
      std::optional<double> d = x.getAsNumber();
      if (!d || !std::isfinite(*d) || !(*d > 0))
        return fail(key, expected + ", each positive");
      out.push_back(*d);
    }
    return true;
  }
  bool required(llvm::StringRef key, const std::string &type, double &out) {
    std::optional<double> v;
    if (!number(key, v))
      return false;
    if (!v)
      return fail(key, "given for rope type '" + type + "'");
    out = *v;
    return true;
  }
};

/// HF's YaRN attention factor: 0.1·m·ln(s) + 1 for s > 1.
double yarnMscale(double scale, double m) {
  return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0;
}
} // namespace

namespace {
/// readRopeParameters without the final check of what the parameters give;
/// `where` is set to the key they came from.
bool readUnchecked(HuggingFaceConfig &config, int64_t headDim, const std::string &layerType,
                   int64_t defaultMaxPositions, RopeParameters &out,
                   double defaultPartialRotary, std::string &where) {
  std::string &error = config.error;
  const llvm::json::Object &json = config.json();
  const std::string file = config.file() + ": '";
  out = RopeParameters();

  // HF's order (convert_rope_params_to_dict): a non-empty 4.x rope_scaling
  // wins, else transformers 5's rope_parameters, maybe nested per layer type.
  const llvm::json::Object *params = nullptr;
  bool nested = false;
  if (const llvm::json::Value *v = json.get("rope_scaling");
      v && v->kind() != llvm::json::Value::Null) {
    params = v->getAsObject();
    where = file + "rope_scaling";
    if (!params || params->get("__float__")) {
      error = where + "' must be an object or null";
      return false;
    }
    if (params->empty())
      params = nullptr;
  }
  if (const llvm::json::Value *v = json.get("rope_parameters");
      !params && v && v->kind() != llvm::json::Value::Null) {
    params = v->getAsObject();
    where = file + "rope_parameters";
    // NaN and infinities are read as {"__float__": ...}: not parameters.
    if (!params || params->get("__float__")) {
      error = where + "' must be an object";
      return false;
    }
    if (const llvm::json::Value *layer = params->get(layerType);
        layer && layer->getAsObject()) {
      params = layer->getAsObject();
      where += "." + layerType;
      nested = true;
    }
  }
  // θ: the parameters' rope_theta, else the top-level one (4.x), else 10⁴.
  double theta = 10000.0;
  if (!config.number("rope_theta", 10000.0, theta))
    return false;
  if (!(theta > 1)) {
    error = file + "rope_theta' must be greater than 1, got " + std::to_string(theta);
    return false;
  }
  out.theta = theta;

  // Partial rotary embeddings: the parameters' partial_rotary_factor, else a
  // top-level one (4.x), else the model's default. HF rotates the first
  // int(head_dim · factor) dims and passes the rest; the frequencies are
  // over the rotated dims, so headDim becomes that count from here on.
  auto applyPartial = [&](double factor, const std::string &what) {
    const int64_t dim = int64_t(double(headDim) * factor);
    if (factor == 1 && headDim % 2 != 0) {
      error = config.file() + ": the head_dim (" + std::to_string(headDim) +
              ") must be even: RoPE rotates pairs of dims";
      return false;
    }
    if (!(factor > 0 && factor <= 1) || dim < 2 || dim % 2 != 0) {
      error = what + " must be in (0, 1] and give an even number of rotated "
                     "dims (head_dim " + std::to_string(headDim) + " × factor), got " +
              std::to_string(factor);
      return false;
    }
    out.rotaryDim = dim == headDim ? 0 : dim;
    headDim = dim;
    return true;
  };
  double topPartial;
  if (!config.number("partial_rotary_factor", defaultPartialRotary, topPartial))
    return false;
  std::optional<double> innerPartial;
  if (params) {
    RopeFields inner{*params, where, error};
    if (!inner.number("partial_rotary_factor", innerPartial))
      return false;
  }
  if (!applyPartial(innerPartial.value_or(topPartial),
                    innerPartial ? where + ".partial_rotary_factor'"
                                 : file + "partial_rotary_factor'"))
    return false;
  if (!params)
    return true;

  RopeFields f{*params, where, error};
  std::string type = "default";
  for (const char *key : {"rope_type", "type"})
    if (const llvm::json::Value *v = params->get(key)) {
      std::optional<llvm::StringRef> text = v->getAsString();
      if (!text)
        return f.fail(key, "a string");
      type = text->str();
      break;
    }
  out.type = type;
  std::optional<double> t;
  if (!f.number("rope_theta", t))
    return false;
  if (t)
    out.theta = theta = *t;
  if (!(theta > 1))
    return f.fail("rope_theta", "greater than 1");

  static const llvm::StringSet<> known = {
      "rope_type", "type", "rope_theta", "factor", "original_max_position_embeddings",
      "low_freq_factor", "high_freq_factor", "attention_factor", "beta_fast",
      "beta_slow", "mscale", "mscale_all_dim", "truncate", "partial_rotary_factor",
      "short_factor", "long_factor",
      // Multimodal RoPE (Qwen3.5): text positions are the same in all three
      // rows, so each section rotates by the one position, as plain RoPE.
      "mrope_section", "mrope_interleaved"};
  for (const auto &entry : *params)
    if (!known.contains(entry.first)) {
      error = where + "." + entry.first.str() +
              "' is not a RoPE parameter this importer understands";
      return false;
    }

  // llama3 and yarn's pretraining context, as HF's standardize_rope_params
  // fills it: a top-level original_max_position_embeddings wins (Phi-3
  // style, flat parameters only), then the parameters' own, then
  // max_position_embeddings.
  auto originalContext = [&](double &context) {
    std::optional<double> inside;
    if (!f.number("original_max_position_embeddings", inside))
      return false;
    if (!nested && config.has("original_max_position_embeddings")) {
      int64_t top;
      if (!config.positive("original_max_position_embeddings", 1, top))
        return false;
      context = double(top);
      return true;
    }
    if (inside) {
      context = *inside;
      return true;
    }
    int64_t maxPositions;
    if (!config.positive("max_position_embeddings", defaultMaxPositions, maxPositions))
      return false;
    context = double(maxPositions);
    return true;
  };

  // yarn and longrope without a factor: max / original positions.
  auto defaultFactor = [&](double context, std::optional<double> &factor) {
    if (factor)
      return true;
    int64_t maxPositions;
    if (!config.positive("max_position_embeddings", defaultMaxPositions, maxPositions))
      return false;
    factor = maxPositions / context;
    return true;
  };

  const int64_t half = headDim / 2;
  std::vector<double> base(half);
  for (int64_t k = 0; k < half; ++k)
    base[k] = std::pow(theta, -2.0 * k / headDim);
  auto setFrequencies = [&](const std::vector<double> &freqs) {
    out.invFreq.assign(freqs.begin(), freqs.end());
  };

  if (type == "default")
    return true;
  if (type == "linear") {
    double factor;
    if (!f.required("factor", type, factor))
      return false;
    if (!(factor > 0))
      return f.fail("factor", "positive");
    std::vector<double> freqs(base);
    for (double &x : freqs)
      x /= factor;
    setFrequencies(freqs);
    return true;
  }
  if (type == "llama3") {
    double factor, low, high, context;
    if (!f.required("factor", type, factor) ||
        !f.required("low_freq_factor", type, low) ||
        !f.required("high_freq_factor", type, high) || !originalContext(context))
      return false;
    if (!(factor > 0) || !(high > low) || !(context > 0))
      return f.fail("factor", "positive, with high_freq_factor > low_freq_factor "
                              "and original_max_position_embeddings > 0");
    const double lowWavelen = context / low, highWavelen = context / high;
    std::vector<double> freqs(half);
    for (int64_t k = 0; k < half; ++k) {
      const double wavelen = 2 * M_PI / base[k];
      double freq = wavelen > lowWavelen ? base[k] / factor : base[k];
      if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
        const double smooth = (context / wavelen - low) / (high - low);
        freq = (1 - smooth) * freq / factor + smooth * freq;
      }
      freqs[k] = freq;
    }
    setFrequencies(freqs);
    return true;
  }
  if (type == "yarn") {
    std::optional<double> factor, attention, mscale, mscaleAll, betaFast, betaSlow;
    double context;
    if (!f.number("factor", factor) || !f.number("attention_factor", attention) ||
        !f.number("mscale", mscale) || !f.number("mscale_all_dim", mscaleAll) ||
        !f.number("beta_fast", betaFast) || !f.number("beta_slow", betaSlow) ||
        !originalContext(context))
      return false;
    if (!(context > 0))
      return f.fail("original_max_position_embeddings", "positive");
    if (!defaultFactor(context, factor))
      return false;
    // HF warns about a factor below 1 and computes on; at or below 0 its
    // mscale takes the log of it (NaN), so that is refused.
    if (!(*factor > 0))
      return f.fail("factor", "positive");
    if (!attention)
      attention = (mscale && *mscale != 0 && mscaleAll && *mscaleAll != 0)
                      ? yarnMscale(*factor, *mscale) / yarnMscale(*factor, *mscaleAll)
                      : yarnMscale(*factor, 1.0);
    // beta_fast/beta_slow are read with `or`: 0 means the default too.
    const double fast = betaFast && *betaFast != 0 ? *betaFast : 32.0;
    const double slow = betaSlow && *betaSlow != 0 ? *betaSlow : 1.0;
    bool truncate = true;
    if (const llvm::json::Value *v = params->get("truncate")) {
      std::optional<bool> b = v->getAsBoolean();
      if (!b)
        return f.fail("truncate", "true or false");
      truncate = *b;
    }
    const double dim = double(headDim);
    auto correctionDim = [&](double rotations) {
      return dim * std::log(context / (rotations * 2 * M_PI)) / (2 * std::log(theta));
    };
    double low = correctionDim(fast), high = correctionDim(slow);
    if (truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, dim - 1);
    if (low == high)
      high += 0.001;
    std::vector<double> freqs(half);
    for (int64_t k = 0; k < half; ++k) {
      const double ramp = std::clamp((double(k) - low) / (high - low), 0.0, 1.0);
      const double extrapolation = 1 - ramp;
      freqs[k] = base[k] / *factor * (1 - extrapolation) + base[k] * extrapolation;
    }
    setFrequencies(freqs);
    out.attentionScaling = *attention;
    return true;
  }
  if (type == "dynamic") {
    // HF rescales θ from the call's length past max_position_embeddings
    // (not original_max_position_embeddings, which it ignores here).
    double factor;
    if (!f.required("factor", type, factor))
      return false;
    if (!(factor > 0))
      return f.fail("factor", "positive");
    if (headDim <= 2)
      return f.fail("rope_type", "used with more than 2 rotated dims for 'dynamic'");
    int64_t maxPositions;
    if (!config.positive("max_position_embeddings", defaultMaxPositions, maxPositions))
      return false;
    out.ntkFactor = factor;
    out.originalContext = maxPositions;
    return true;
  }
  if (type == "longrope") {
    std::vector<double> shortFactor, longFactor;
    std::optional<double> factor, attention;
    double context;
    if (!f.numbers("short_factor", type, half, shortFactor) ||
        !f.numbers("long_factor", type, half, longFactor) ||
        !f.number("factor", factor) || !f.number("attention_factor", attention) ||
        !originalContext(context))
      return false;
    if (!(context >= 1) || context != std::floor(context))
      return f.fail("original_max_position_embeddings", "a positive integer");
    if (!defaultFactor(context, factor))
      return false;
    if (!(*factor > 0))
      return f.fail("factor", "positive");
    if (attention && !(*attention > 0))
      return f.fail("attention_factor", "positive");
    out.attentionScaling =
        attention ? *attention
        : *factor <= 1.0
            ? 1.0
            : std::sqrt(1 + std::log(*factor) / std::log(context));
    std::vector<double> shortFreqs(half), longFreqs(half);
    for (int64_t k = 0; k < half; ++k) {
      shortFreqs[k] = base[k] / shortFactor[k];
      longFreqs[k] = base[k] / longFactor[k];
    }
    setFrequencies(shortFreqs);
    out.longInvFreq.assign(longFreqs.begin(), longFreqs.end());
    out.originalContext = int64_t(context);
    return true;
  }
  error = where + ".rope_type' is '" + type +
          "'; supported: default, linear, dynamic, llama3, yarn, longrope";
  return false;
}
} // namespace

bool mlir::hybrid::frontend::readRopeParameters(HuggingFaceConfig &config,
                                                int64_t headDim,
                                                const std::string &layerType,
                                                int64_t defaultMaxPositions,
                                                RopeParameters &out,
                                                double defaultPartialRotary) {
  std::string where;
  if (!readUnchecked(config, headDim, layerType, defaultMaxPositions, out,
                     defaultPartialRotary, where))
    return false;
  // Values the parameters accept one by one can still give frequencies or
  // a scale that are not finite f32 numbers (a factor of 1e-40, betas of
  // ±1e30): refused here, naming the parameters, not by hybrid.rope's
  // verifier naming the op.
  auto finite = [](const std::vector<float> &freqs) {
    return std::all_of(freqs.begin(), freqs.end(), [](float x) { return std::isfinite(x); });
  };
  const float scaling = float(out.attentionScaling);
  if (!finite(out.invFreq) || !finite(out.longInvFreq) || !(scaling > 0) ||
      !std::isfinite(scaling)) {
    config.error = where + "' (" + out.type + ") gives " +
                   (!(scaling > 0) || !std::isfinite(scaling)
                        ? "an attention scale that is not a positive finite f32 number"
                        : "frequencies that are not finite f32 numbers") +
                   "; check its factors";
    return false;
  }
  return true;
}
