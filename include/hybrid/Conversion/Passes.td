//===- Passes.td - Conversions out of the hybrid dialect ---*- tablegen -*-===//

#ifndef HYBRID_CONVERSION_PASSES_TD
#define HYBRID_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertHybridToLinalg : Pass<"convert-hybrid-to-linalg", "ModuleOp"> {
  let summary = "Lower every hybrid op to linalg, tensor and scf on tensors";
  let description = [{
    The complete, simple lowering that every faster path is compared against:
    each op becomes linalg.generic contractions and elementwise ops, with the
    sequential parts (scans, memory writes, depth recurrence, ACT) as scf.for
    loops over tensors. Attention is the unfused form (scores, mask, softmax,
    weighted sum); the mask is emitted as index arithmetic from the
    `#hybrid.mask` structure, never as a materialised N×N tensor.
    Attention with more than one key tile becomes tiled online softmax
    (FlashAttention) that skips the key tiles the mask hides entirely and
    tests the mask only on partial tiles; with a bias (a KV cache's), the
    tiles whose bias is -inf throughout are found and skipped at run time; set
    attention-query-tile=0 for the unfused form everywhere. By default the
    tiles are sized for the module's `hybrid.target`: two vectors of queries
    against four vectors of keys (32 × 64 f32 with 512-bit vectors).
    With one query tile (decode), each (batch, head) is split into chunks of
    the key tiles it can see (split-KV), merged after, so that a long cache
    is shared among the threads and a GQA group's heads reread each chunk
    from L2 (attention-kv-splits=1 turns the split off). A GQA decode with
    mask none and a bias shared by the heads (or none) first makes the
    group's queries the rows of one query tile of their key head.
    Requires static shapes.
  }];
  let options = [
    Option<"attentionQueryTile", "attention-query-tile", "int64_t", "-1",
           "Query rows per attention tile (0: unfused attention; -1: twice "
           "the target's f32 lanes)">,
    Option<"attentionKeyTile", "attention-key-tile", "int64_t", "-1",
           "Keys per attention tile (-1: four times the target's f32 lanes)">,
    Option<"attentionKVSplits", "attention-kv-splits", "int64_t", "-1",
           "Split-KV: chunks of key tiles per (batch, head) of attention "
           "with one query tile (decode); 1: no split; 0 or less: enough for "
           "32 work items and, with GQA not grouped into one tile, chunks of "
           "K and V in a quarter of the target's L2; each chunk at least 4 "
           "visible key tiles">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // HYBRID_CONVERSION_PASSES_TD
