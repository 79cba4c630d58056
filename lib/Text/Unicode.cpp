//===- Unicode.cpp - UTF-8 and the character classes HF's stages use ------===//
//
// HF's tokenizers are Rust: their character classes are Rust's char methods,
// which follow Unicode's properties; ICU answers the same questions.
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include "hybrid/Support/PrintableText.h"

#include <unicode/uchar.h>

using namespace mlir::hybrid::text;

std::pair<uint32_t, size_t> mlir::hybrid::text::codePointAt(const std::string &text, size_t at) {
  const auto byte = [&](size_t n) { return static_cast<uint8_t>(text[at + n]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80)
    return {lead, 1};
  if (lead < 0xE0)
    return {((lead & 0x1Fu) << 6) | (byte(1) & 0x3Fu), 2};
  if (lead < 0xF0)
    return {((lead & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu), 3};
  return {((lead & 0x07u) << 18) | ((byte(1) & 0x3Fu) << 12) | ((byte(2) & 0x3Fu) << 6) |
              (byte(3) & 0x3Fu),
          4};
}

void mlir::hybrid::text::appendCodePoint(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

bool mlir::hybrid::text::isValidUtf8(const std::string &text) {
  for (size_t at = 0; at < text.size();) {
    const int length = utf8SequenceAt(text, at);
    if (length < 0)
      return false;
    at += length;
  }
  return true;
}

std::string mlir::hybrid::text::lossyUtf8(const std::string &bytes) {
  std::string out;
  for (size_t at = 0; at < bytes.size();) {
    const int length = utf8SequenceAt(bytes, at);
    if (length > 0) {
      out.append(bytes, at, length);
      at += length;
    } else {
      out += "\xEF\xBF\xBD";
      at += -length;
    }
  }
  return out;
}

bool mlir::hybrid::text::isWhitespace(uint32_t c) { return u_isUWhiteSpace(c); }

bool mlir::hybrid::text::isNumeric(uint32_t c) {
  const int8_t type = u_charType(c);
  return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

bool mlir::hybrid::text::isAlphanumeric(uint32_t c) { return u_isUAlphabetic(c) || isNumeric(c); }

bool mlir::hybrid::text::isPunctuation(uint32_t c) {
  const bool asciiPunctuation = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
                                (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
  return asciiPunctuation || u_ispunct(c);
}
