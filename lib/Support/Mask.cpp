//===- Mask.cpp - Structured attention masks ------------------------------===//

#include "hybrid/Support/Mask.h"

#include <algorithm>
#include <cstdlib>

using namespace mlir::hybrid;

MaskSpec MaskSpec::none() { return MaskSpec(); }

MaskSpec MaskSpec::causal(int64_t window) {
  MaskSpec spec;
  spec.kind = MaskKind::Causal;
  spec.window = window;
  return spec;
}

MaskSpec MaskSpec::local(int64_t radius, std::vector<int64_t> globalTokens) {
  std::sort(globalTokens.begin(), globalTokens.end());
  globalTokens.erase(std::unique(globalTokens.begin(), globalTokens.end()),
                     globalTokens.end());
  MaskSpec spec;
  spec.kind = MaskKind::Local;
  spec.localRadius = radius;
  spec.globalTokens = std::move(globalTokens);
  return spec;
}

std::optional<std::string> MaskSpec::validate() const {
  if (kind != MaskKind::Causal && window != 0)
    return std::string("'window' is only meaningful for causal masks");
  if (kind != MaskKind::Local && (localRadius != 0 || !globalTokens.empty()))
    return std::string("'local' and 'global' are only meaningful for local "
                       "masks");
  if (window < 0)
    return "window must be >= 1 (0 means unbounded), got " +
           std::to_string(window);
  if (localRadius < 0)
    return "local radius must be >= 0, got " + std::to_string(localRadius);
  for (size_t n = 0; n < globalTokens.size(); ++n) {
    if (globalTokens[n] < 0)
      return "global token positions must be >= 0, got " +
             std::to_string(globalTokens[n]);
    if (n > 0 && globalTokens[n] <= globalTokens[n - 1])
      return std::string("global token positions must be strictly increasing");
  }
  return std::nullopt;
}

bool MaskSpec::isGlobal(int64_t pos) const {
  return std::binary_search(globalTokens.begin(), globalTokens.end(), pos);
}

bool MaskSpec::isVisible(int64_t i, int64_t j) const {
  switch (kind) {
  case MaskKind::None:
    return true;
  case MaskKind::Causal:
    return j <= i && (window == 0 || i - window < j);
  case MaskKind::Local:
    return std::llabs(i - j) <= localRadius || isGlobal(i) || isGlobal(j);
  }
  return false;
}

namespace {
/// The smallest position in [lo, hi) that is not in the sorted `globals`.
std::optional<int64_t> firstNonGlobal(const std::vector<int64_t> &globals,
                                      int64_t lo, int64_t hi) {
  auto it = std::lower_bound(globals.begin(), globals.end(), lo);
  for (int64_t p = lo; p < hi; ++p, ++it)
    if (it == globals.end() || *it != p)
      return p;
  return std::nullopt;
}

/// The largest position in [lo, hi) that is not in the sorted `globals`.
std::optional<int64_t> lastNonGlobal(const std::vector<int64_t> &globals,
                                     int64_t lo, int64_t hi) {
  auto it = std::upper_bound(globals.begin(), globals.end(), hi - 1);
  for (int64_t p = hi - 1; p >= lo; --p) {
    if (it == globals.begin() || *std::prev(it) != p)
      return p;
    --it;
  }
  return std::nullopt;
}

bool anyGlobalIn(const std::vector<int64_t> &globals, int64_t lo, int64_t hi) {
  auto it = std::lower_bound(globals.begin(), globals.end(), lo);
  return it != globals.end() && *it < hi;
}
} // namespace

TileClass MaskSpec::classifyTile(int64_t q0, int64_t q1, int64_t k0,
                                 int64_t k1) const {
  if (q0 >= q1 || k0 >= k1)
    return TileClass::Empty;
  const int64_t qLast = q1 - 1, kLast = k1 - 1;
  switch (kind) {
  case MaskKind::None:
    return TileClass::Full;
  case MaskKind::Causal: {
    // Row i sees the contiguous band [i - W + 1, i]; the union over the rows
    // is [q0 - W + 1, qLast], and their intersection [qLast - W + 1, q0].
    const bool unbounded = window == 0;
    const bool touches = k0 <= qLast && (unbounded || kLast > q0 - window);
    if (!touches)
      return TileClass::Empty;
    const bool covers = kLast <= q0 && (unbounded || k0 > qLast - window);
    return covers ? TileClass::Full : TileClass::Partial;
  }
  case MaskKind::Local: {
    // Pairs with a global row or column are visible; the rest obey the band.
    std::optional<int64_t> iMin = firstNonGlobal(globalTokens, q0, q1);
    std::optional<int64_t> jMin = firstNonGlobal(globalTokens, k0, k1);
    bool full = true;
    if (iMin && jMin) {
      int64_t iMax = *lastNonGlobal(globalTokens, q0, q1);
      int64_t jMax = *lastNonGlobal(globalTokens, k0, k1);
      full = jMax - *iMin <= localRadius && iMax - *jMin <= localRadius;
    }
    if (full)
      return TileClass::Full;
    const bool bandTouches =
        k0 <= qLast + localRadius && kLast >= q0 - localRadius;
    if (bandTouches || anyGlobalIn(globalTokens, q0, q1) ||
        anyGlobalIn(globalTokens, k0, k1))
      return TileClass::Partial;
    return TileClass::Empty;
  }
  }
  return TileClass::Partial;
}

std::string MaskSpec::str() const {
  switch (kind) {
  case MaskKind::None:
    return "none";
  case MaskKind::Causal:
    return window == 0 ? "causal"
                       : "causal, window = " + std::to_string(window);
  case MaskKind::Local: {
    std::string text = "local = " + std::to_string(localRadius);
    if (!globalTokens.empty()) {
      text += ", global = [";
      for (size_t n = 0; n < globalTokens.size(); ++n)
        text += (n ? ", " : "") + std::to_string(globalTokens[n]);
      text += "]";
    }
    return text;
  }
  }
  return "?";
}

bool MaskSpec::operator==(const MaskSpec &other) const {
  return kind == other.kind && window == other.window &&
         localRadius == other.localRadius &&
         globalTokens == other.globalTokens;
}

const char *mlir::hybrid::stringifyTileClass(TileClass tileClass) {
  switch (tileClass) {
  case TileClass::Empty:
    return "empty";
  case TileClass::Full:
    return "full";
  case TileClass::Partial:
    return "partial";
  }
  return "?";
}
