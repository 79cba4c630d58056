//===- IRNestingDepth.h - Bounding nesting in MLIR text ---------*- C++ -*-===//
//
// MLIR's parser recurses once per level of nested attributes, types and
// regions; 100k levels overflow the stack. The tools call this on their
// input before parsing it, so that such a file is an error, not a crash.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_IRNESTINGDEPTH_H
#define HYBRID_SUPPORT_IRNESTINGDEPTH_H

#include <string>
#include <string_view>

namespace mlir::hybrid {

/// The deepest nesting of ( [ { < in MLIR text the tools accept; IR the
/// project writes stays below 30.
constexpr int kMaxIRNestingDepth = 256;

/// False, with `error` naming the line, when `text` nests brackets deeper
/// than kMaxIRNestingDepth. Strings and `//` comments are skipped; `->`,
/// `>=` and `<=` are not brackets.
bool checkIRNestingDepth(std::string_view text, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_IRNESTINGDEPTH_H
