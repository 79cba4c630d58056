//===- HybridOps.td - All ops of the hybrid dialect --------*- tablegen -*-===//
//
// One file per op family; this one only gathers them for code generation.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_OPS_TD
#define HYBRID_OPS_TD

include "hybrid/Dialect/Hybrid/IR/AttentionOps.td"
include "hybrid/Dialect/Hybrid/IR/ScanOps.td"
include "hybrid/Dialect/Hybrid/IR/ConvOps.td"
include "hybrid/Dialect/Hybrid/IR/MemoryOps.td"
include "hybrid/Dialect/Hybrid/IR/MoEOps.td"
include "hybrid/Dialect/Hybrid/IR/RecurrenceOps.td"
include "hybrid/Dialect/Hybrid/IR/BuildingBlockOps.td"

#endif // HYBRID_OPS_TD
