//===- PrintableTextTest.cpp - Escaping untrusted bytes for messages ------===//

#include "hybrid/Support/PrintableText.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {

TEST(PrintableText, KeepsAsciiAndValidUtf8) {
  EXPECT_EQ(printableText("plain text\twith tab\n"), "plain text\twith tab\n");
  // é (2 bytes), € (3), 𝄞 (4).
  EXPECT_EQ(printableText("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E");
}

TEST(PrintableText, EscapesControlCharacters) {
  EXPECT_EQ(printableText("a\x01" "b\x1B[31m\x7F"), "a\\x01b\\x1b[31m\\x7f");
  EXPECT_EQ(printableText(std::string("nul\0!", 5)), "nul\\x00!");
}

TEST(PrintableText, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(printableText("a\xFF" "b"), "a\\xffb");
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // surrogate (U+D800) and a code point past U+10FFFF.
  EXPECT_EQ(printableText("\x80"), "\\x80");
  EXPECT_EQ(printableText("\xE2\x82"), "\\xe2\\x82");
  EXPECT_EQ(printableText("\xC0\xAF"), "\\xc0\\xaf");
  EXPECT_EQ(printableText("\xED\xA0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(printableText("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  // A bad byte does not swallow the valid character after it.
  EXPECT_EQ(printableText("\xE2\xC3\xA9"), "\\xe2\xC3\xA9");
}

TEST(PrintableText, FindsAnIncompleteTail) {
  EXPECT_EQ(incompleteUtf8Tail("abc"), 0u);
  EXPECT_EQ(incompleteUtf8Tail("ab\xE2"), 1u);
  EXPECT_EQ(incompleteUtf8Tail("ab\xE2\x82"), 2u);
  EXPECT_EQ(incompleteUtf8Tail("ab\xE2\x82\xAC"), 0u); // complete
  EXPECT_EQ(incompleteUtf8Tail("\xF0\x9D\x84"), 3u);
  EXPECT_EQ(incompleteUtf8Tail("ab\xFF"), 0u); // never valid: print now
}

} // namespace
