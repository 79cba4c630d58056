//===- PrintableText.h - Untrusted bytes made safe to print -----*- C++ -*-===//
//
// Error messages quote what the user gave (file names, flags, JSON keys, IR
// text). Bytes that are not UTF-8, and control characters, would reach the
// terminal raw; the tools print such text through printableText.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_PRINTABLETEXT_H
#define HYBRID_SUPPORT_PRINTABLETEXT_H

#include <cstddef>
#include <string>
#include <string_view>

namespace mlir::hybrid {

/// `text` with every byte that is not part of a valid UTF-8 sequence, and
/// every control character but newline, tab and carriage return, written
/// as `\xNN`.
std::string printableText(std::string_view text);

/// The length of the well-formed UTF-8 sequence at `text[at]` (RFC 3629:
/// no overlong forms, no surrogates, nothing past U+10FFFF), or minus the
/// length of its longest well-formed prefix, at least 1 (Unicode's "maximal
/// subpart": what a lossy decoder replaces by one U+FFFD).
int utf8SequenceAt(std::string_view text, size_t at);

/// How many bytes at the end of `text` begin a UTF-8 sequence that the
/// bytes after them could still complete (0 to 3): a stream holds those
/// back until the next write.
size_t incompleteUtf8Tail(std::string_view text);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_PRINTABLETEXT_H
