//===- HybridDialect.h - The hybrid dialect ---------------------*- C++ -*-===//

#ifndef HYBRID_DIALECT_HYBRID_IR_HYBRIDDIALECT_H
#define HYBRID_DIALECT_HYBRID_IR_HYBRIDDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h.inc"

#endif // HYBRID_DIALECT_HYBRID_IR_HYBRIDDIALECT_H
