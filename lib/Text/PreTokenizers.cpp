//===- PreTokenizers.cpp - tokenizer.json's "pre_tokenizer" ---------------===//
//
// ByteLevel (GPT-2's regex and byte alphabet), Metaspace (SentencePiece's
// ▁), Split, Whitespace, WhitespaceSplit, Digits, Punctuation and Sequence,
// as HF's pre_tokenizers/*.rs define them. Each cuts every piece it is
// given into smaller pieces; the model tokenizes each piece on its own.
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include <array>
#include <functional>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

namespace {

/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
/// the others for 256, 257, ... in byte order.
const std::array<uint32_t, 256> &byteLevelCodes() {
  static const std::array<uint32_t, 256> codes = [] {
    std::array<uint32_t, 256> table{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      table[b] = printable ? b : next++;
    }
    return table;
  }();
  return codes;
}

} // namespace

const std::string &mlir::hybrid::text::byteLevelCharacter(uint8_t byte) {
  static const std::array<std::string, 256> characters = [] {
    std::array<std::string, 256> table;
    for (int b = 0; b < 256; ++b)
      appendCodePoint(table[b], byteLevelCodes()[b]);
    return table;
  }();
  return characters[byte];
}

std::optional<uint8_t> mlir::hybrid::text::byteOfCharacter(uint32_t code) {
  if (code < 256 && byteLevelCodes()[code] == code)
    return static_cast<uint8_t>(code);
  if (code >= 256 && code < 256 + 68)
    for (int b = 0; b < 256; ++b)
      if (byteLevelCodes()[b] == code)
        return static_cast<uint8_t>(b);
  return std::nullopt;
}

namespace {

/// GPT-2's word pattern, as HF's ByteLevel writes it.
constexpr const char *kByteLevelPattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

class ByteLevel : public PreTokenizer {
public:
  ByteLevel(bool addPrefixSpace, std::unique_ptr<Pattern> words)
      : addPrefixSpace_(addPrefixSpace), words_(std::move(words)) {}
  void split(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (Piece piece : pieces) {
      if (addPrefixSpace_ && !piece.text.empty() && piece.text.rfind(' ', 0) != 0)
        piece.text = " " + piece.text;
      std::vector<Piece> words =
          words_ ? splitPiece(piece, words_->matches(piece.text), SplitBehavior::Isolated)
                 : std::vector<Piece>{piece};
      for (Piece &word : words) {
        std::string mapped;
        for (char c : word.text)
          mapped += byteLevelCharacter(static_cast<uint8_t>(c));
        word.text = std::move(mapped);
        out.push_back(std::move(word));
      }
    }
    pieces = std::move(out);
  }

private:
  bool addPrefixSpace_;
  std::unique_ptr<Pattern> words_; ///< null: use_regex false
};

enum class PrependScheme { Always, First, Never };

class Metaspace : public PreTokenizer {
public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void split(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (Piece piece : pieces) {
      std::string replaced;
      for (char c : piece.text) {
        if (c == ' ')
          replaced += replacement_;
        else
          replaced += c;
      }
      piece.text = std::move(replaced);
      const bool starts = piece.text.rfind(replacement_, 0) == 0;
      if (!starts && !piece.text.empty() && (scheme_ == PrependScheme::Always ||
                      (scheme_ == PrependScheme::First && piece.startsInput)))
        piece.text = replacement_ + piece.text;
      if (!split_) {
        out.push_back(std::move(piece));
        continue;
      }
      for (Piece &word : splitPiece(piece, Pattern::literal(replacement_)->matches(piece.text),
                                    SplitBehavior::MergedWithNext))
        out.push_back(std::move(word));
    }
    pieces = std::move(out);
  }

private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class Split : public PreTokenizer {
public:
  Split(std::unique_ptr<Pattern> pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void split(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (const Piece &piece : pieces)
      for (Piece &part : splitPiece(piece, pattern_->matches(piece.text), behavior_, invert_))
        out.push_back(std::move(part));
    pieces = std::move(out);
  }

private:
  std::unique_ptr<Pattern> pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

/// Splits where single characters satisfy `isDelimiter`.
class CharacterSplit : public PreTokenizer {
public:
  CharacterSplit(std::function<bool(uint32_t)> isDelimiter, SplitBehavior behavior)
      : isDelimiter_(std::move(isDelimiter)), behavior_(behavior) {}
  void split(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (const Piece &piece : pieces) {
      std::vector<std::pair<size_t, size_t>> ranges;
      for (size_t at = 0; at < piece.text.size();) {
        const auto [code, length] = codePointAt(piece.text, at);
        if (isDelimiter_(code))
          ranges.push_back({at, at + length});
        at += length;
      }
      for (Piece &part : splitPiece(piece, ranges, behavior_))
        out.push_back(std::move(part));
    }
    pieces = std::move(out);
  }

private:
  std::function<bool(uint32_t)> isDelimiter_;
  SplitBehavior behavior_;
};

class Sequence : public PreTokenizer {
public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> stages)
      : stages_(std::move(stages)) {}
  void split(std::vector<Piece> &pieces) const override {
    for (const auto &stage : stages_)
      stage->split(pieces);
  }

private:
  std::vector<std::unique_ptr<PreTokenizer>> stages_;
};

bool readBehavior(const json::Value &value, const std::string &where, SplitBehavior &out,
                  std::string &error) {
  const json::Value *behavior = member(value, "behavior");
  if (!behavior)
    return true;
  if (!behavior->isString() || !parseSplitBehavior(behavior->string, out)) {
    error = where + ".behavior: expected one of Removed, Isolated, MergedWithPrevious, "
                    "MergedWithNext, Contiguous";
    return false;
  }
  return true;
}

} // namespace

std::unique_ptr<PreTokenizer> mlir::hybrid::text::makePreTokenizer(const json::Value &value,
                                                                   const std::string &where,
                                                                   std::string &error) {
  std::string type;
  if (!stageType(value, where, type, error))
    return nullptr;
  if (type == "ByteLevel") {
    bool addPrefixSpace = true, useRegex = true;
    if (!readBool(value, "add_prefix_space", where, addPrefixSpace, error) ||
        !readBool(value, "use_regex", where, useRegex, error))
      return nullptr;
    std::unique_ptr<Pattern> words;
    if (useRegex && !(words = Pattern::regex(kByteLevelPattern, error)))
      return nullptr;
    return std::make_unique<ByteLevel>(addPrefixSpace, std::move(words));
  }
  if (type == "Metaspace") {
    std::string replacement;
    if (!readString(value, "replacement", where, replacement, error))
      return nullptr;
    if (replacement.empty() || codePointAt(replacement, 0).second != replacement.size()) {
      error = where + ".replacement: expected one character";
      return nullptr;
    }
    bool split = true, addPrefixSpace = true;
    if (!readBool(value, "split", where, split, error) ||
        !readBool(value, "add_prefix_space", where, addPrefixSpace, error))
      return nullptr;
    // Before tokenizers 0.19 the scheme was a boolean, add_prefix_space.
    PrependScheme scheme = addPrefixSpace ? PrependScheme::Always : PrependScheme::Never;
    if (const json::Value *given = member(value, "prepend_scheme")) {
      const std::string name = given->isString() ? given->string : "";
      if (name == "always")
        scheme = PrependScheme::Always;
      else if (name == "first")
        scheme = PrependScheme::First;
      else if (name == "never")
        scheme = PrependScheme::Never;
      else {
        error = where + ".prepend_scheme: expected \"always\", \"first\" or \"never\"";
        return nullptr;
      }
    }
    return std::make_unique<Metaspace>(replacement, scheme, split);
  }
  if (type == "Split") {
    std::unique_ptr<Pattern> pattern =
        Pattern::fromJson(member(value, "pattern"), where + ".pattern", error);
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    if (!pattern || !readBehavior(value, where, behavior, error) ||
        !readBool(value, "invert", where, invert, error))
      return nullptr;
    return std::make_unique<Split>(std::move(pattern), behavior, invert);
  }
  if (type == "Whitespace") {
    // HF: \w+|[^\w\s]+ kept, the rest (whitespace) removed.
    std::unique_ptr<Pattern> words = Pattern::regex("\\w+|[^\\w\\s]+", error);
    return words ? std::make_unique<Split>(std::move(words), SplitBehavior::Removed, true)
                 : nullptr;
  }
  if (type == "WhitespaceSplit")
    return std::make_unique<CharacterSplit>(isWhitespace, SplitBehavior::Removed);
  if (type == "Digits") {
    bool individual = false;
    if (!readBool(value, "individual_digits", where, individual, error))
      return nullptr;
    return std::make_unique<CharacterSplit>(
        isNumeric, individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }
  if (type == "Punctuation") {
    SplitBehavior behavior = SplitBehavior::Isolated;
    if (!readBehavior(value, where, behavior, error))
      return nullptr;
    return std::make_unique<CharacterSplit>(isPunctuation, behavior);
  }
  if (type == "Sequence") {
    const json::Value *list = member(value, "pretokenizers");
    if (!list || !list->isArray()) {
      error = where + ".pretokenizers: expected a list";
      return nullptr;
    }
    std::vector<std::unique_ptr<PreTokenizer>> stages;
    for (size_t n = 0; n < list->array.size(); ++n) {
      auto stage = makePreTokenizer(list->array[n],
                                    where + ".pretokenizers[" + std::to_string(n) + "]", error);
      if (!stage)
        return nullptr;
      stages.push_back(std::move(stage));
    }
    return std::make_unique<Sequence>(std::move(stages));
  }
  error = where + ": pre-tokenizer type '" + type +
          "' is not supported (supported: ByteLevel, Metaspace, Split, Whitespace, "
          "WhitespaceSplit, Digits, Punctuation, Sequence; see docs/text.md)";
  return nullptr;
}
