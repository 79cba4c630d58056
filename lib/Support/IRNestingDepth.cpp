//===- IRNestingDepth.cpp - Bounding nesting in MLIR text -----------------===//

#include "hybrid/Support/IRNestingDepth.h"

using namespace mlir::hybrid;

bool mlir::hybrid::checkIRNestingDepth(std::string_view text, std::string &error) {
  int depth = 0;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      // A string: up to the closing quote, escapes skipped.
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\')
          ++i;
        else if (text[i] == '\n')
          ++line;
      }
    } else if (c == '/' && next == '/') {
      while (i < text.size() && text[i] != '\n')
        ++i;
      --i; // the newline is counted above
    } else if (c == '(' || c == '[' || c == '{' || (c == '<' && next != '=')) {
      if (++depth > kMaxIRNestingDepth) {
        error = "line " + std::to_string(line) + ": brackets nested deeper than " +
                std::to_string(kMaxIRNestingDepth) + " levels";
        return false;
      }
    } else if (c == ')' || c == ']' || c == '}' ||
               (c == '>' && next != '=' && (i == 0 || text[i - 1] != '-'))) {
      if (depth > 0)
        --depth;
    }
  }
  return true;
}
