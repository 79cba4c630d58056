//===- TensorText.cpp - Tensors on the command line -----------------------===//

#include "TensorText.h"

#include "hybrid/Support/Npy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

using namespace mlir::hybrid;

/// Parses "2x3xf32=1,2,3,4,5,6" (or a single value, splatted).
namespace {
/// `v` rounded to the nearest bfloat16 (ties to even), as torch rounds.
double roundToBfloat16(float v) {
  if (std::isnan(v))
    return v;
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits += 0x7fff + ((bits >> 16) & 1);
  bits &= 0xffff0000u;
  float rounded;
  std::memcpy(&rounded, &bits, sizeof rounded);
  return rounded;
}
} // namespace

bool mlir::hybrid::parseInlineTensor(const std::string &text, HostTensor &tensor,
                 std::string &error) {
  size_t equals = text.find('=');
  if (equals == std::string::npos) {
    error = "'" + text + "' is neither @file.npy nor SHAPExTYPE=values";
    return false;
  }
  std::string typeText = text.substr(0, equals);
  std::vector<int64_t> shape;
  size_t start = 0;
  std::string elementType;
  while (true) {
    size_t x = typeText.find('x', start);
    std::string part = typeText.substr(start, x - start);
    if (x == std::string::npos || !std::isdigit(part.empty() ? 'a' : part[0])) {
      elementType = typeText.substr(start);
      // "1x-1x2xf32", "1x?x2xf32": a bad dimension, not an element type.
      if (x != std::string::npos) {
        error = "dimension '" + part + "' of '" + typeText +
                "' must be an integer in [0, 2^30]";
        return false;
      }
      break;
    }
    // Dimensions are bounded so that their product cannot overflow: an
    // inline input is typed on a command line, not gigabytes long.
    int64_t dim = 0;
    char *end = nullptr;
    errno = 0;
    dim = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || errno != 0 || dim < 0 ||
        dim > (int64_t(1) << 30)) {
      error = "dimension '" + part + "' of '" + typeText +
              "' must be an integer in [0, 2^30]";
      return false;
    }
    shape.push_back(dim);
    start = x + 1;
  }
  // One value may fill the tensor, so the element count is bounded too
  // (2^26: 512 MiB as parsed doubles), not just the text's length.
  int64_t count = 1;
  for (int64_t d : shape)
    if (d != 0 && count > (int64_t(1) << 26) / d) {
      error = "'" + typeText + "' has more than 2^26 elements; use @file.npy";
      return false;
    } else {
      count *= d;
    }
  DType dtype;
  if (elementType == "f32" || elementType == "f16" || elementType == "bf16")
    dtype = DType::F32;
  else if (elementType == "i32")
    dtype = DType::I32;
  else if (elementType == "i64")
    dtype = DType::I64;
  else {
    error = "unsupported element type '" + elementType + "' in '" + typeText +
            "'; expected f32, f16, bf16, i32 or i64";
    return false;
  }
  std::string rest = text.substr(equals + 1);
  // Every comma separates two values: "1,,2" and "1,2," are refused, not
  // read as two values.
  bool valueSinceComma = false, sawComma = false;
  for (char c : rest) {
    if (c == ',') {
      if (!valueSinceComma) {
        error = "cannot parse the values of '" + typeText + "': an empty value before a comma";
        return false;
      }
      valueSinceComma = false;
      sawComma = true;
    } else if (c != ' ' && c != '[' && c != ']') {
      valueSinceComma = true;
    }
  }
  if (sawComma && !valueSinceComma) {
    error = "cannot parse the values of '" + typeText + "': a trailing comma";
    return false;
  }
  for (char &c : rest)
    if (c == ',' || c == '[' || c == ']')
      c = ' ';
  std::istringstream stream(rest);
  std::string word;
  std::vector<double> values;
  std::vector<int64_t> ints;
  while (stream >> word) {
    char *end = nullptr;
    errno = 0;
    if (dtype == DType::F32) {
      // strtod, not operator>>: "nan", "inf" and "-inf" are values too.
      const double v = std::strtod(word.c_str(), &end);
      if (end != word.c_str() + word.size()) {
        error = "cannot parse the values of '" + typeText + "': '" + word +
                "' is not a number";
        return false;
      }
      values.push_back(v);
      continue;
    }
    // Token ids and other integers are read exactly (never through a
    // double, which loses digits past 2^53), and must fit the element type.
    const long long v = std::strtoll(word.c_str(), &end, 10);
    const bool i32 = dtype == DType::I32;
    if (end != word.c_str() + word.size() || errno == ERANGE ||
        (i32 && (v < INT32_MIN || v > INT32_MAX))) {
      error = "value " + std::to_string(ints.size()) + " of '" + typeText + "' ('" + word +
              "') is not an integer" +
              (i32 ? " in [-2^31, 2^31)" : " in [-2^63, 2^63)");
      return false;
    }
    ints.push_back(v);
  }
  const size_t got = dtype == DType::F32 ? values.size() : ints.size();
  if (got == 1) {
    values.assign(dtype == DType::F32 ? count : 0, values.empty() ? 0 : values[0]);
    ints.assign(dtype == DType::F32 ? 0 : count, ints.empty() ? 0 : ints[0]);
  } else if (static_cast<int64_t>(got) != count) {
    error = "'" + typeText + "' needs " + std::to_string(count) +
            " values, got " + std::to_string(got);
    return false;
  }
  // f16 and bf16 values are held as f32, rounded to the named type first
  // (70000 is inf in f16), so both targets see the same numbers.
  if (elementType == "f16")
    for (double &v : values)
      v = double(static_cast<_Float16>(static_cast<float>(v)));
  if (elementType == "bf16")
    for (double &v : values)
      v = roundToBfloat16(static_cast<float>(v));
  if (dtype == DType::F32)
    tensor = HostTensor::fromFloats(shape, {values.begin(), values.end()});
  else
    tensor = HostTensor::fromInts(shape, std::move(ints), dtype);
  return true;
}

/// An --input: "@file.npy" or an inline "2x3xf32=1,2,3,4,5,6".
bool mlir::hybrid::readInput(const std::string &spec, HostTensor &tensor,
                             std::string &error) {
  return !spec.empty() && spec[0] == '@' ? readNpy(spec.substr(1), tensor, error)
                                         : parseInlineTensor(spec, tensor, error);
}

/// Compares a result with an expected tensor; sets `error` on mismatch.
bool mlir::hybrid::matchesExpected(size_t index, const HostTensor &actual,
                                   const HostTensor &expected, double tolerance,
                                   std::string &error, std::string &report) {
  std::string prefix = "result " + std::to_string(index) + ": ";
  if (actual.shape() != expected.shape() ||
      actual.isFloat() != expected.isFloat()) {
    error = prefix + "got " + actual.typeString() + ", expected " +
            expected.typeString();
    return false;
  }
  double scale = 1.0, worst = 0.0;
  int64_t worstAt = 0;
  for (int64_t n = 0; n < expected.numel(); ++n)
    scale = std::max(scale, std::abs(double(expected.isFloat()
                                                ? expected.floats()[n]
                                                : expected.ints()[n])));
  for (int64_t n = 0; n < expected.numel(); ++n) {
    double a = actual.isFloat() ? actual.floats()[n] : actual.ints()[n];
    double e = expected.isFloat() ? expected.floats()[n] : expected.ints()[n];
    double diff = std::abs(a - e);
    if (!(diff <= worst)) { // NaN counts as the worst
      worst = std::isnan(diff) ? INFINITY : diff;
      worstAt = n;
    }
  }
  if (worst > tolerance * scale) {
    error = prefix + "element " + std::to_string(worstAt) + " differs by " +
            std::to_string(worst) + ", more than the tolerance " +
            std::to_string(tolerance * scale);
    return false;
  }
  char worstText[32];
  std::snprintf(worstText, sizeof worstText, "%.3g", worst);
  report = "result[" + std::to_string(index) + "]: " + actual.typeString() +
           " matches the expected output (max difference " + worstText + ")";
  return true;
}

/// iree-run-module's format: 2x3xf32=[1 2 3][4 5 6].
std::string mlir::hybrid::formatTensor(const HostTensor &t) {
  std::string os = t.typeString() + "=";
  char number[32];
  const int64_t count = t.numel(), limit = 1024;
  std::vector<int64_t> strides(t.rank(), 1);
  for (int64_t d = t.rank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * t.dim(d + 1);
  for (int64_t n = 0; n < std::min(count, limit); ++n) {
    for (int64_t d = 0; d + 1 < t.rank(); ++d)
      if (n % strides[d] == 0)
        os += "[";
    if (n % (t.rank() ? t.dim(-1) : 1) != 0)
      os += " ";
    if (t.isFloat())
      std::snprintf(number, sizeof number, "%g", t.floats()[n]);
    else
      std::snprintf(number, sizeof number, "%lld", (long long)t.ints()[n]);
    os += number;
    for (int64_t d = 0; d + 1 < t.rank(); ++d)
      if ((n + 1) % strides[d] == 0)
        os += "]";
  }
  if (count > limit)
    os += "... (" + std::to_string(count) + " elements, " +
          std::to_string(count - limit) + " not shown; use --output=@file.npy)";
  return os;
}

