//===- AttentionOps.cpp - Attention ops: verifiers, canonicalization ------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

namespace {

/// Query heads must be a whole multiple of key/value heads (GQA).
LogicalResult checkHeadGrouping(Operation *op, int64_t heads,
                                int64_t kvHeads) {
  if (!isStatic(heads) || !isStatic(kvHeads))
    return success();
  if (kvHeads == 0 || heads % kvHeads != 0)
    return op->emitOpError() << "query heads (" << heads
                             << ") must be a multiple of key/value heads ("
                             << kvHeads << ")";
  return success();
}

/// The sizes the query, key and value of an attention op fix.
struct QueryKeyValueDims {
  int64_t batch, heads, querySeq, headDim, kvHeads, keySeq;
};

/// How an attention op's key relates to its query: key/value may have fewer
/// heads than the query (grouped, GQA) and their sequence may be the query's
/// own or a separate one called `keySeqName`.
struct KeyLayout {
  bool groupedHeads;
  bool keySeqIsQuerySeq;
  StringRef keySeqName = "seq";
};

/// Checks the [batch, heads, seq, head_dim] query, the key and value laid
/// out as `layout` says, and the [batch, heads, query seq, value_dim] result
/// that every attention op shares.
FailureOr<QueryKeyValueDims>
checkQueryKeyValue(Operation *op, Value query, Value key, Value value,
                   Value result, KeyLayout layout) {
  if (failed(checkShape(op, "query", query,
                        {anyDim("batch"), anyDim("heads"), anyDim("seq"),
                         anyDim("head_dim")})))
    return failure();
  QueryKeyValueDims d;
  d.batch = dimOf(query, 0);
  d.heads = dimOf(query, 1);
  d.querySeq = dimOf(query, 2);
  d.headDim = dimOf(query, 3);
  Dim queryHeads{d.heads, "heads", "query"};
  Dim querySeq{d.querySeq, "seq", "query"};
  if (failed(checkShape(op, "key", key,
                        {{d.batch, "batch", "query"},
                         layout.groupedHeads ? anyDim("kv_heads") : queryHeads,
                         layout.keySeqIsQuerySeq ? querySeq
                                                 : anyDim(layout.keySeqName),
                         {d.headDim, "head_dim", "query"}})))
    return failure();
  d.kvHeads = dimOf(key, 1);
  d.keySeq = dimOf(key, 2);
  Dim keyHeads{d.kvHeads, "kv_heads", "key"};
  Dim keySeq{d.keySeq, layout.keySeqName, "key"};
  if (failed(checkShape(op, "value", value,
                        {{d.batch, "batch", "query"},
                         layout.groupedHeads ? keyHeads : queryHeads,
                         layout.keySeqIsQuerySeq ? querySeq : keySeq,
                         anyDim("value_dim")})) ||
      failed(checkHeadGrouping(op, d.heads, d.kvHeads)) ||
      failed(checkShape(op, "result", result,
                        {{d.batch, "batch", "query"},
                         queryHeads,
                         querySeq,
                         {dimOf(value, 3), "value_dim", "value"}})))
    return failure();
  return d;
}

/// Every global token must be a position the op actually has.
LogicalResult checkGlobalsInRange(Operation *op, MaskAttr mask,
                                  int64_t qOffset, int64_t querySeq,
                                  int64_t keySeq) {
  if (mask.getGlobalTokens().empty() || !isStatic(querySeq) ||
      !isStatic(keySeq))
    return success();
  int64_t positions = std::max(qOffset + querySeq, keySeq);
  int64_t last = mask.getGlobalTokens().back();
  if (last >= positions)
    return op->emitOpError() << "global token " << last << " is outside the "
                             << positions << " positions of this op";
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

double AttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(dimOf(getQuery(), 3)));
}

/// An additive score bias broadcast from [B|1, H|1, Sq|1, Sk|1].
static LogicalResult checkBroadcastBias(Operation *op, Value bias, int64_t batch,
                                        int64_t heads, int64_t querySeq,
                                        int64_t keySeq) {
  if (failed(checkShape(op, "bias", bias,
                        {anyDim("batch"), anyDim("heads"), anyDim("query_seq"),
                         anyDim("key_seq")})))
    return failure();
  const int64_t full[4] = {batch, heads, querySeq, keySeq};
  const char *names[4] = {"batch", "heads", "query_seq", "key_seq"};
  for (int64_t d = 0; d < 4; ++d) {
    int64_t size = dimOf(bias, d);
    if (isStatic(size) && size != 1 && isStatic(full[d]) && size != full[d])
      return op->emitOpError() << "'bias' dim " << d << " (" << names[d]
                               << ") is " << size << ", expected 1 or " << full[d];
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  FailureOr<QueryKeyValueDims> dims = checkQueryKeyValue(
      op, getQuery(), getKey(), getValue(), getResult(),
      {/*groupedHeads=*/true, /*keySeqIsQuerySeq=*/false});
  if (failed(dims))
    return failure();
  const int64_t batch = dims->batch, heads = dims->heads,
                querySeq = dims->querySeq, keySeq = dims->keySeq;

  if (getBias() &&
      failed(checkBroadcastBias(op, getBias(), batch, heads, querySeq, keySeq)))
    return failure();
  if (failed(checkSameElementType(op, {{"query", getQuery()},
                                       {"key", getKey()},
                                       {"value", getValue()},
                                       {"bias", getBias()},
                                       {"result", getResult()}})) ||
      failed(checkPositive(op, "scale", getScale())) ||
      failed(checkPositive(op, "softcap", getSoftcap())))
    return failure();
  // Bounded like a position (2^40 is far past any context) so that
  // q_offset + query index never overflows in the mask arithmetic.
  if (getQOffset() < 0 || getQOffset() > (int64_t(1) << 40))
    return emitOpError() << "'q_offset' must be in [0, 2^40], got " << getQOffset();
  if (Value globals = getGlobals()) {
    // One flag per key position; query row r reads the flag of its
    // position q_offset + r, so the queries must lie among the keys.
    if (failed(checkShape(op, "globals", globals,
                          {{batch, "batch", "query"}, {keySeq, "key_seq", "key"}})))
      return failure();
    if (isStatic(querySeq) && isStatic(keySeq) && getQOffset() + querySeq > keySeq)
      return emitOpError() << "'globals' flags key positions [0, " << keySeq
                           << "), so the queries at q_offset + [0, " << querySeq
                           << ") must lie among them (q_offset = " << getQOffset() << ")";
  } else if (getGlobalRowsOnly()) {
    return emitOpError() << "'global_rows_only' needs a 'globals' operand";
  }
  return checkGlobalsInRange(op, getMask(), getQOffset(), querySeq, keySeq);
}

namespace {
/// Replaces a mask that hides nothing within the op's static extent by
/// `none` (e.g. causal attention of one decoded token over its cache), and
/// drops a window no query can reach past. Later passes then emit no mask
/// code at all.
struct SimplifyAttentionMask : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t querySeq = dimOf(op.getQuery(), 2), keySeq = dimOf(op.getKey(), 2);
    if (!isStatic(querySeq) || !isStatic(keySeq))
      return failure();
    MaskSpec spec = op.getMask().getSpec();
    if (spec.kind == MaskKind::None)
      return failure();
    const int64_t q0 = op.getQOffset(), q1 = q0 + querySeq;

    MaskSpec simpler = spec;
    if (spec.classifyTile(q0, q1, 0, keySeq) == TileClass::Full)
      simpler = MaskSpec::none();
    else if (spec.kind == MaskKind::Causal && spec.window >= q1)
      simpler = MaskSpec::causal();
    if (simpler == spec)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.setMaskAttr(MaskAttr::get(op.getContext(), simpler));
    });
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<SimplifyAttentionMask>(context);
}

//===----------------------------------------------------------------------===//
// RelAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult RelAttentionOp::verify() {
  Operation *op = getOperation();
  FailureOr<QueryKeyValueDims> dims = checkQueryKeyValue(
      op, getQuery(), getKey(), getValue(), getResult(),
      {/*groupedHeads=*/false, /*keySeqIsQuerySeq=*/false, "key_seq"});
  if (failed(dims))
    return failure();
  const int64_t heads = dims->heads, querySeq = dims->querySeq,
                headDim = dims->headDim, keySeq = dims->keySeq;
  if (failed(checkShape(op, "pos", getPos(),
                        {{heads, "heads", "query"},
                         {keySeq, "key_seq", "key"},
                         {headDim, "head_dim", "query"}})) ||
      failed(checkShape(op, "content_bias", getContentBias(),
                        {{heads, "heads", "query"},
                         {headDim, "head_dim", "query"}})) ||
      failed(checkShape(op, "position_bias", getPositionBias(),
                        {{heads, "heads", "query"},
                         {headDim, "head_dim", "query"}})) ||
      failed(checkSameElementType(op, {{"query", getQuery()},
                                       {"key", getKey()},
                                       {"value", getValue()},
                                       {"pos", getPos()},
                                       {"content_bias", getContentBias()},
                                       {"position_bias", getPositionBias()},
                                       {"bias", getBias()},
                                       {"result", getResult()}})) ||
      failed(checkPositive(op, "scale", getScale())) ||
      (getBias() && failed(checkBroadcastBias(op, getBias(), dims->batch, heads,
                                              querySeq, keySeq))))
    return failure();
  if (isStatic(querySeq) && isStatic(keySeq) && keySeq < querySeq)
    return emitOpError() << "keys (" << keySeq
                         << ") must include the queries (" << querySeq
                         << "): memory is prepended to the segment";
  if (getMask().getKind() != MaskKind::Causal)
    return emitOpError() << "needs a causal mask (the relative shift is only "
                            "defined for keys at or before the query), got "
                         << getMask();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

/// The running sums of linear attention: state [B, Hkv, D, Dv] and
/// normalizer [B, Hkv, D] for keys [B, Hkv, S, D] and values [..., Dv].
static LogicalResult checkLinearAttentionState(Operation *op, Value key,
                                               Value value, StringRef stateName,
                                               Value state, StringRef normName,
                                               Value normalizer) {
  const Dim batch{dimOf(key, 0), "batch", "key"},
      kvHeads{dimOf(key, 1), "kv_heads", "key"},
      headDim{dimOf(key, 3), "head_dim", "key"},
      valueDim{dimOf(value, 3), "value_dim", "value"};
  return success(succeeded(checkShape(op, stateName, state,
                                      {batch, kvHeads, headDim, valueDim})) &&
                 succeeded(checkShape(op, normName, normalizer,
                                      {batch, kvHeads, headDim})));
}

LogicalResult LinearAttentionOp::verify() {
  Operation *op = getOperation();
  if (failed(checkQueryKeyValue(op, getQuery(), getKey(), getValue(),
                                getResult(),
                                {/*groupedHeads=*/true,
                                 /*keySeqIsQuerySeq=*/true})) ||
      failed(checkSameElementType(op, {{"query", getQuery()},
                                       {"key", getKey()},
                                       {"value", getValue()},
                                       {"state", getState()},
                                       {"normalizer", getNormalizer()},
                                       {"result", getResult()}})) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  MaskAttr mask = getMask();
  bool supported = mask.getKind() == MaskKind::None ||
                   (mask.getKind() == MaskKind::Causal && mask.getWindow() == 0);
  if (!supported)
    return emitOpError() << "supports only #hybrid.mask<none> or "
                            "#hybrid.mask<causal>, got "
                         << mask;
  if (!getState() != !getNormalizer())
    return emitOpError() << "takes 'state' and 'normalizer' together";
  if (getState()) {
    if (mask.getKind() != MaskKind::Causal)
      return emitOpError() << "carries a state only with #hybrid.mask<causal>";
    return checkLinearAttentionState(op, getKey(), getValue(), "state",
                                     getState(), "normalizer", getNormalizer());
  }
  return success();
}

LogicalResult LinearAttentionStateOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "key", getKey(),
                        {anyDim("batch"), anyDim("kv_heads"), anyDim("seq"),
                         anyDim("head_dim")})) ||
      failed(checkShape(op, "value", getValue(),
                        {{dimOf(getKey(), 0), "batch", "key"},
                         {dimOf(getKey(), 1), "kv_heads", "key"},
                         {dimOf(getKey(), 2), "seq", "key"},
                         anyDim("value_dim")})) ||
      failed(checkLinearAttentionState(op, getKey(), getValue(), "state",
                                       getState(), "normalizer", getNormalizer())) ||
      failed(checkLinearAttentionState(op, getKey(), getValue(), "final_state",
                                       getFinalState(), "final_normalizer",
                                       getFinalNormalizer())) ||
      failed(checkSameElementType(op, {{"key", getKey()},
                                       {"value", getValue()},
                                       {"state", getState()},
                                       {"normalizer", getNormalizer()},
                                       {"final_state", getFinalState()},
                                       {"final_normalizer", getFinalNormalizer()}})))
    return failure();
  return success();
}

LogicalResult MaskBiasOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "globals", getGlobals(),
                        {anyDim("batch"), anyDim("seq")})))
    return failure();
  const int64_t batch = dimOf(getGlobals(), 0), seq = dimOf(getGlobals(), 1);
  return checkShape(op, "result", getResult(),
                    {{batch, "batch", "globals"},
                     {1, "heads"},
                     {seq, "query_seq", "globals"},
                     {seq, "key_seq", "globals"}});
}

LogicalResult CacheWriteOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "cache", getCache(),
                        {anyDim("batch"), anyDim("heads"), anyDim("capacity"),
                         anyDim("head_dim")})))
    return failure();
  const int64_t batch = dimOf(getCache(), 0), heads = dimOf(getCache(), 1),
                dim = dimOf(getCache(), 3);
  if (failed(checkShape(op, "new_values", getNewValues(),
                        {{batch, "batch", "cache"},
                         {heads, "heads", "cache"},
                         anyDim("tokens"),
                         {dim, "head_dim", "cache"}})))
    return failure();
  if (failed(checkSameElementType(
          op, {{"cache", getCache()}, {"new_values", getNewValues()}})))
    return failure();
  return checkShape(op, "positions", getPositions(),
                    {{batch, "batch", "cache"},
                     {dimOf(getNewValues(), 2), "tokens", "new_values"}});
}

LogicalResult CacheBiasOp::verify() {
  Operation *op = getOperation();
  if (getCapacity() < 1)
    return emitOpError() << "capacity must be >= 1, got " << getCapacity();
  if (getWindow() < 0)
    return emitOpError() << "window must be >= 0, got " << getWindow();
  if (getRing() && getShift())
    return emitOpError() << "is a ring or a shift register, not both";
  if (getWritten() && getShift())
    return emitOpError() << "'written' describes a cache after hybrid.cache_write; a shift "
                            "register is not written by it";
  if (failed(checkShape(op, "positions", getPositions(),
                        {anyDim("batch"), anyDim("tokens")})))
    return failure();
  const int64_t tokens = dimOf(getPositions(), 1);
  return checkShape(op, "result", getResult(),
                    {{dimOf(getPositions(), 0), "batch", "positions"},
                     {1, "heads"},
                     {tokens, "tokens", "positions"},
                     getWritten()
                         ? Dim{getCapacity(), "keys (capacity, written)"}
                         : Dim{isStatic(tokens) ? getCapacity() + tokens
                                                     : ShapedType::kDynamic,
                                    "keys (capacity + tokens)"}});
}
