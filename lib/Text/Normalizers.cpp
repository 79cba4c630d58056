//===- Normalizers.cpp - tokenizer.json's "normalizer" --------------------===//
//
// Unicode normal forms (ICU's Normalizer2), Lowercase, Strip, StripAccents,
// Nmt, Prepend, Replace and Sequence, as HF's normalizers/*.rs define them.
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

namespace {

class UnicodeForm : public Normalizer {
public:
  explicit UnicodeForm(const icu::Normalizer2 *form) : form_(form) {}
  void normalize(std::string &text) const override {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString normalized =
        form_->normalize(icu::UnicodeString::fromUTF8(text), status);
    if (U_SUCCESS(status)) {
      text.clear();
      normalized.toUTF8String(text);
    }
  }

private:
  const icu::Normalizer2 *form_;
};

/// A rewrite of each character on its own (Rust's char-by-char mapping:
/// no context, so a final sigma lowercases as any other).
template <typename Map> class PerCharacter : public Normalizer {
public:
  explicit PerCharacter(Map map) : map_(std::move(map)) {}
  void normalize(std::string &text) const override {
    std::string out;
    for (size_t at = 0; at < text.size();) {
      const auto [code, length] = codePointAt(text, at);
      map_(code, out);
      at += length;
    }
    text = std::move(out);
  }

private:
  Map map_;
};
template <typename Map> std::unique_ptr<Normalizer> perCharacter(Map map) {
  return std::make_unique<PerCharacter<Map>>(std::move(map));
}

class Strip : public Normalizer {
public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string &text) const override {
    size_t begin = 0, end = text.size();
    while (left_ && begin < end) {
      const auto [code, length] = codePointAt(text, begin);
      if (!isWhitespace(code))
        break;
      begin += length;
    }
    while (right_ && end > begin) {
      size_t last = end - 1;
      while (last > begin && (static_cast<uint8_t>(text[last]) & 0xC0) == 0x80)
        --last;
      if (!isWhitespace(codePointAt(text, last).first))
        break;
      end = last;
    }
    text = text.substr(begin, end - begin);
  }

private:
  bool left_, right_;
};

class Prepend : public Normalizer {
public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string &text) const override {
    if (!text.empty())
      text = prefix_ + text;
  }

private:
  std::string prefix_;
};

class Replace : public Normalizer {
public:
  Replace(std::unique_ptr<Pattern> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string &text) const override { text = pattern_->replace(text, content_); }

private:
  std::unique_ptr<Pattern> pattern_;
  std::string content_;
};

class Sequence : public Normalizer {
public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> stages)
      : stages_(std::move(stages)) {}
  void normalize(std::string &text) const override {
    for (const auto &stage : stages_)
      stage->normalize(text);
  }

private:
  std::vector<std::unique_ptr<Normalizer>> stages_;
};

void lowercase(uint32_t code, std::string &out) {
  icu::UnicodeString one(static_cast<UChar32>(code));
  one.toLower(icu::Locale::getRoot());
  one.toUTF8String(out);
}

void dropMarks(uint32_t code, std::string &out) {
  const int8_t type = u_charType(code);
  if (type != U_NON_SPACING_MARK && type != U_ENCLOSING_MARK && type != U_COMBINING_SPACING_MARK)
    appendCodePoint(out, code);
}

/// HF's Nmt: control characters dropped, unusual spaces made ' '.
void nmt(uint32_t c, std::string &out) {
  if ((c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || c == 0x7F ||
      c == 0x8F || c == 0x9F)
    return;
  const bool space = c == 0x9 || c == 0xA || c == 0xC || c == 0xD || c == 0x1680 ||
                     (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
                     c == 0x2581 || c == 0xFEFF || c == 0xFFFD;
  appendCodePoint(out, space ? ' ' : c);
}

} // namespace

std::unique_ptr<Normalizer> mlir::hybrid::text::makeNormalizer(const json::Value &value,
                                                               const std::string &where,
                                                               std::string &error) {
  std::string type;
  if (!stageType(value, where, type, error))
    return nullptr;
  UErrorCode status = U_ZERO_ERROR;
  if (type == "NFC")
    return std::make_unique<UnicodeForm>(icu::Normalizer2::getNFCInstance(status));
  if (type == "NFD")
    return std::make_unique<UnicodeForm>(icu::Normalizer2::getNFDInstance(status));
  if (type == "NFKC")
    return std::make_unique<UnicodeForm>(icu::Normalizer2::getNFKCInstance(status));
  if (type == "NFKD")
    return std::make_unique<UnicodeForm>(icu::Normalizer2::getNFKDInstance(status));
  if (type == "Lowercase")
    return perCharacter(lowercase);
  if (type == "StripAccents")
    return perCharacter(dropMarks);
  if (type == "Nmt")
    return perCharacter(nmt);
  if (type == "Strip") {
    bool left = true, right = true;
    if (!readBool(value, "strip_left", where, left, error) ||
        !readBool(value, "strip_right", where, right, error))
      return nullptr;
    return std::make_unique<Strip>(left, right);
  }
  if (type == "Prepend") {
    std::string prefix;
    if (!readString(value, "prepend", where, prefix, error))
      return nullptr;
    return std::make_unique<Prepend>(prefix);
  }
  if (type == "Replace") {
    std::string content;
    std::unique_ptr<Pattern> pattern =
        Pattern::fromJson(member(value, "pattern"), where + ".pattern", error);
    if (!pattern || !readString(value, "content", where, content, error))
      return nullptr;
    return std::make_unique<Replace>(std::move(pattern), content);
  }
  if (type == "Sequence") {
    const json::Value *list = member(value, "normalizers");
    if (!list || !list->isArray()) {
      error = where + ".normalizers: expected a list";
      return nullptr;
    }
    std::vector<std::unique_ptr<Normalizer>> stages;
    for (size_t n = 0; n < list->array.size(); ++n) {
      auto stage = makeNormalizer(list->array[n],
                                  where + ".normalizers[" + std::to_string(n) + "]", error);
      if (!stage)
        return nullptr;
      stages.push_back(std::move(stage));
    }
    return std::make_unique<Sequence>(std::move(stages));
  }
  error = where + ": normalizer type '" + type +
          "' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, "
          "Nmt, Prepend, Replace, Sequence; see docs/text.md)";
  return nullptr;
}
