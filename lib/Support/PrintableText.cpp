//===- PrintableText.cpp - Untrusted bytes made safe to print -------------===//

#include "hybrid/Support/PrintableText.h"

namespace mlir::hybrid {
namespace {

void appendEscaped(std::string &out, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  out += "\\x";
  out += hex[c >> 4];
  out += hex[c & 15];
}

} // namespace

int utf8SequenceAt(std::string_view text, size_t at) {
  const auto byte = [&](size_t n) { return static_cast<unsigned char>(text[at + n]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80)
    return 1;
  int length;
  unsigned char low = 0x80, high = 0xBF; // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      low = 0xA0;
    if (lead == 0xED)
      high = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      low = 0x90;
    if (lead == 0xF4)
      high = 0x8F; // nothing past U+10FFFF
  } else {
    return -1;
  }
  for (int n = 1; n < length; ++n) {
    if (at + n >= text.size())
      return -n;
    const unsigned char b = byte(n);
    if (n == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF))
      return -n;
  }
  return length;
}

std::string printableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F)
        appendEscaped(out, c);
      else
        out += char(c);
      ++i;
      continue;
    }
    if (const int length = utf8SequenceAt(text, i); length > 1) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    appendEscaped(out, c);
    ++i;
  }
  return out;
}

size_t incompleteUtf8Tail(std::string_view text) {
  // A lead byte within the last three bytes whose sequence runs past the end.
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(text[text.size() - back]);
    if (c >= 0x80 && c <= 0xBF)
      continue; // a continuation byte: look further back
    const size_t length = c >= 0xF0 && c <= 0xF4   ? 4
                          : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xC2 && c <= 0xDF ? 2
                                                   : 0;
    return length > back ? back : 0;
  }
  return 0;
}

} // namespace mlir::hybrid
