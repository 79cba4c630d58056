//===- Mask.h - Structured attention masks ----------------------*- C++ -*-===//
//
// The one definition of which keys a query may see. The `#hybrid.mask`
// attribute, the reference evaluator, the lowerings and the runtime all ask
// this helper, so the rule lives in exactly one place.
//
// Positions are absolute: a query in row r of an attention op with
// `q_offset = o` sits at position o + r; key j sits at position j.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_MASK_H
#define HYBRID_SUPPORT_MASK_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

/// The families of structured masks.
enum class MaskKind : uint32_t {
  /// Every key is visible (bidirectional attention).
  None = 0,
  /// Key j is visible to query i iff j <= i, and, with a window W > 0, also
  /// i - W < j (W keys including the query itself: Gemma 2 / Mistral).
  Causal = 1,
  /// Longformer: key j is visible to query i iff |i - j| <= w, or i or j is a
  /// global token (global tokens see, and are seen by, every position).
  Local = 2,
};

/// How a rectangular tile of queries x keys relates to a mask.
enum class TileClass : uint32_t {
  /// No (query, key) pair in the tile is visible: skip the tile.
  Empty = 0,
  /// Every pair is visible: no mask test is needed inside the tile.
  Full = 1,
  /// Some pairs are visible and some are not: test per element.
  Partial = 2,
};

/// A structured mask, independent of any sequence length.
struct MaskSpec {
  MaskKind kind = MaskKind::None;
  /// Causal only: the number of keys a query sees, itself included; 0 means
  /// unbounded (plain causal).
  int64_t window = 0;
  /// Local only: the one-sided radius w (2w + 1 keys around each query).
  int64_t localRadius = 0;
  /// Local only: absolute positions of the global tokens, strictly increasing.
  std::vector<int64_t> globalTokens;

  static MaskSpec none();
  static MaskSpec causal(int64_t window = 0);
  /// Sorts and de-duplicates `globalTokens`.
  static MaskSpec local(int64_t radius, std::vector<int64_t> globalTokens = {});

  /// Returns a message naming the problem when the fields are inconsistent
  /// (negative sizes, unsorted globals, fields set for the wrong kind).
  std::optional<std::string> validate() const;

  /// Whether the query at absolute position `i` may see the key at `j`.
  bool isVisible(int64_t i, int64_t j) const;

  /// Classifies the tile of queries [q0, q1) x keys [k0, k1), in absolute
  /// positions. An empty range yields TileClass::Empty. Exact: Full and Empty
  /// are never returned for a tile that is in fact mixed, and vice versa.
  TileClass classifyTile(int64_t q0, int64_t q1, int64_t k0, int64_t k1) const;

  /// Whether `pos` is a global token (Local masks only).
  bool isGlobal(int64_t pos) const;

  /// The mask in the attribute's syntax, e.g. "causal, window = 4".
  std::string str() const;

  bool operator==(const MaskSpec &other) const;
  bool operator!=(const MaskSpec &other) const { return !(*this == other); }
};

const char *stringifyTileClass(TileClass tileClass);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_MASK_H
