//===- Pattern.cpp - Literal and regex patterns, splitting, JSON fields ---===//
//
// HF's regexes are Oniguruma's; ICU's engine reads the same syntax for what
// tokenizers use (\p{..} classes, (?i:..), look-ahead, possessive and lazy
// quantifiers), and its \s is Unicode's White_Space as Oniguruma's is
// (U+000B and U+0085 included; test/Text checks them). Oniguruma's line
// rules and \h are set or rewritten below. Matching runs over the UTF-8
// bytes (a UText), so match offsets are byte offsets.
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include <unicode/regex.h>
#include <unicode/utext.h>

#include <algorithm>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

namespace {
/// ICU's time limit, in steps of its match engine (each a few microseconds
/// or less: about 10 s on this machine for a pathological pattern).
constexpr int32_t kRegexStepLimit = 10000;
/// Why the last match on this thread failed; "" when none did.
thread_local std::string regexFailure;
} // namespace

struct Pattern::Compiled {
  std::unique_ptr<icu::RegexPattern> pattern;
};

Pattern::~Pattern() = default;

std::unique_ptr<Pattern> Pattern::literal(std::string text) {
  std::unique_ptr<Pattern> pattern(new Pattern());
  pattern->literal_ = std::move(text);
  return pattern;
}

namespace {
/// Oniguruma's \h (a hex digit) in ICU's terms, where \h is horizontal
/// space; the rest as written.
std::string icuSyntax(const std::string &source) {
  std::string out;
  int classDepth = 0;
  for (size_t n = 0; n < source.size(); ++n) {
    const char c = source[n];
    if (c == '\\' && n + 1 < source.size()) {
      if (source[n + 1] == 'h')
        out += classDepth ? "0-9a-fA-F" : "[0-9a-fA-F]";
      else if (source[n + 1] == 'H')
        out += classDepth ? "\\P{ASCII_Hex_Digit}" : "[^0-9a-fA-F]";
      else
        out.append(source, n, 2);
      ++n;
      continue;
    }
    classDepth += c == '[' ? 1 : c == ']' && classDepth ? -1 : 0;
    out += c;
  }
  return out;
}
} // namespace

std::unique_ptr<Pattern> Pattern::regex(const std::string &source, std::string &error) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parseError;
  // Oniguruma's (Ruby's) defaults: ^ and $ match at line ends, and only
  // \n ends a line (for ., ^ and $).
  std::unique_ptr<icu::RegexPattern> compiled(icu::RegexPattern::compile(
      icu::UnicodeString::fromUTF8(icuSyntax(source)), UREGEX_MULTILINE | UREGEX_UNIX_LINES,
      parseError, status));
  if (U_FAILURE(status) || !compiled) {
    error = "regex '" + source + "' does not compile (" + u_errorName(status) + " near offset " +
            std::to_string(parseError.offset) + ")";
    return nullptr;
  }
  std::unique_ptr<Pattern> pattern(new Pattern());
  pattern->compiled_ = std::make_unique<Compiled>();
  pattern->compiled_->pattern = std::move(compiled);
  return pattern;
}

std::unique_ptr<Pattern> Pattern::fromJson(const json::Value *value, const std::string &where,
                                           std::string &error) {
  if (!value || !value->isObject() || value->object.size() != 1 ||
      !value->object[0].second.isString() ||
      (value->object[0].first != "String" && value->object[0].first != "Regex")) {
    error = where + ": expected {\"String\": \"...\"} or {\"Regex\": \"...\"}";
    return nullptr;
  }
  const std::string &text = value->object[0].second.string;
  if (value->object[0].first == "String")
    return literal(text);
  std::unique_ptr<Pattern> pattern = regex(text, error);
  if (!pattern)
    error = where + ": " + error;
  return pattern;
}

std::vector<std::pair<size_t, size_t>> Pattern::matches(const std::string &text) const {
  std::vector<std::pair<size_t, size_t>> found;
  if (!compiled_) {
    if (literal_.empty())
      return found;
    for (size_t at = text.find(literal_); at != std::string::npos;
         at = text.find(literal_, at + literal_.size()))
      found.push_back({at, at + literal_.size()});
    return found;
  }
  UErrorCode status = U_ZERO_ERROR;
  UText *utf8 = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  // A matcher holds match state: one per call keeps a Pattern shareable.
  std::unique_ptr<icu::RegexMatcher> matcher(compiled_->pattern->matcher(status));
  if (U_SUCCESS(status)) {
    matcher->reset(utf8);
    // A pattern that backtracks without end (`(a+)+$` on a long run) stops
    // here, and the encode fails, instead of hanging.
    matcher->setTimeLimit(kRegexStepLimit, status);
    // Backtracking state on the heap, unbounded (ICU's default of 8 MB
    // refused GPT-2's \s+(?!\S) over 600k spaces, which HF takes); the
    // time limit bounds it.
    matcher->setStackLimit(0, status);
  }
  while (U_SUCCESS(status) && matcher->find(status)) {
    const int64_t begin = matcher->start64(status), end = matcher->end64(status);
    if (U_SUCCESS(status))
      found.push_back({static_cast<size_t>(begin), static_cast<size_t>(end)});
  }
  if (U_FAILURE(status))
    regexFailure = "regex matching failed (" + std::string(u_errorName(status)) +
                   (status == U_REGEX_TIME_OUT ? ": the pattern backtracks too much" : "") + ")";
  matcher.reset();
  utext_close(utf8);
  return found;
}

std::string Pattern::replace(const std::string &text, const std::string &content) const {
  std::string out;
  size_t previous = 0;
  for (const auto &[begin, end] : matches(text)) {
    out.append(text, previous, begin - previous);
    out += content;
    previous = end;
  }
  out.append(text, previous, std::string::npos);
  return out;
}

std::string mlir::hybrid::text::takeRegexFailure() {
  std::string failure;
  std::swap(failure, regexFailure);
  return failure;
}

bool mlir::hybrid::text::parseSplitBehavior(const std::string &name, SplitBehavior &out) {
  static const std::pair<const char *, SplitBehavior> names[] = {
      {"Removed", SplitBehavior::Removed},
      {"Isolated", SplitBehavior::Isolated},
      {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
      {"MergedWithNext", SplitBehavior::MergedWithNext},
      {"Contiguous", SplitBehavior::Contiguous}};
  for (const auto &[text, behavior] : names)
    if (name == text) {
      out = behavior;
      return true;
    }
  return false;
}

std::vector<Piece> mlir::hybrid::text::splitPiece(
    const Piece &piece, const std::vector<std::pair<size_t, size_t>> &ranges,
    SplitBehavior behavior, bool invert) {
  struct Part {
    size_t begin, end;
    bool isMatch;
  };
  // The whole text as alternating parts, as HF's find_matches gives them.
  std::vector<Part> parts;
  size_t previous = 0;
  for (const auto &[begin, end] : ranges) {
    if (begin > previous)
      parts.push_back({previous, begin, invert});
    parts.push_back({begin, end, !invert});
    previous = end;
  }
  if (previous < piece.text.size() || parts.empty())
    parts.push_back({previous, piece.text.size(), invert});

  // HF's SplitDelimiterBehavior, fold for fold.
  std::vector<Part> kept;
  bool previousMatch = false;
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const Part &part : parts)
      if (!part.isMatch)
        kept.push_back(part);
    break;
  case SplitBehavior::Isolated:
    kept = parts;
    break;
  case SplitBehavior::MergedWithPrevious:
    for (const Part &part : parts) {
      if (part.isMatch && !previousMatch && !kept.empty())
        kept.back().end = part.end;
      else
        kept.push_back(part);
      previousMatch = part.isMatch;
    }
    break;
  case SplitBehavior::MergedWithNext:
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (it->isMatch && !previousMatch && !kept.empty())
        kept.back().begin = it->begin;
      else
        kept.push_back(*it);
      previousMatch = it->isMatch;
    }
    std::reverse(kept.begin(), kept.end());
    break;
  case SplitBehavior::Contiguous:
    for (const Part &part : parts) {
      if (part.isMatch == previousMatch && !kept.empty())
        kept.back().end = part.end;
      else
        kept.push_back(part);
      previousMatch = part.isMatch;
    }
    break;
  }
  std::vector<Piece> out;
  for (const Part &part : kept)
    if (part.end > part.begin)
      out.push_back({piece.text.substr(part.begin, part.end - part.begin),
                     piece.startsInput && part.begin == 0});
  return out;
}

//===----------------------------------------------------------------------===//
// JSON fields
//===----------------------------------------------------------------------===//

const json::Value *mlir::hybrid::text::member(const json::Value &object, const std::string &key) {
  const json::Value *value = object.get(key);
  return value && !value->isNull() ? value : nullptr;
}

bool mlir::hybrid::text::readString(const json::Value &object, const std::string &key,
                                    const std::string &where, std::string &out,
                                    std::string &error) {
  const json::Value *value = member(object, key);
  if (!value || !value->isString()) {
    error = where + "." + key + ": expected a string";
    return false;
  }
  out = value->string;
  return true;
}

bool mlir::hybrid::text::readBool(const json::Value &object, const std::string &key,
                                  const std::string &where, bool &out, std::string &error) {
  const json::Value *value = member(object, key);
  if (!value)
    return true;
  if (value->kind != json::Value::Kind::Bool) {
    error = where + "." + key + ": expected true or false";
    return false;
  }
  out = value->boolean;
  return true;
}

bool mlir::hybrid::text::readCount(const json::Value &object, const std::string &key,
                                   const std::string &where, int64_t &out, std::string &error) {
  const json::Value *value = member(object, key);
  if (!value)
    return true;
  std::optional<int64_t> count = value->asInteger();
  if (!count || *count < 0) {
    error = where + "." + key + ": expected a non-negative integer";
    return false;
  }
  out = *count;
  return true;
}

bool mlir::hybrid::text::stageType(const json::Value &value, const std::string &where,
                                   std::string &type, std::string &error) {
  if (!value.isObject()) {
    error = where + ": expected an object";
    return false;
  }
  return readString(value, "type", where, type, error);
}
