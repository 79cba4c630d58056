//===- TokenizerParts.h - The stages of an HF tokenizer.json ----*- C++ -*-===//
//
// HF `tokenizers` runs text through fixed stages, each a tagged JSON object in
// tokenizer.json: a normalizer rewrites the text, a pre-tokenizer cuts it
// into words, a model (BPE or Unigram) turns each word into ids, and a
// decoder turns tokens back into text. Each stage here is one small class
// built from its JSON; Tokenizer.cpp strings them together with the added
// tokens and the post-processor. Semantics follow HF's Rust sources (the
// truth); docs/text.md lists what is read and what is refused.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_TEXT_TOKENIZERPARTS_H
#define HYBRID_LIB_TEXT_TOKENIZERPARTS_H

#include "hybrid/Support/Json.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlir::hybrid::text {

//===----------------------------------------------------------------------===//
// UTF-8 and character classes (Unicode properties through ICU)
//===----------------------------------------------------------------------===//

/// The code point at `text[at]` and its length in bytes (text is valid UTF-8).
std::pair<uint32_t, size_t> codePointAt(const std::string &text, size_t at);
void appendCodePoint(std::string &out, uint32_t code);
/// Whether `text` is valid UTF-8 (no surrogates, no overlongs).
bool isValidUtf8(const std::string &text);
/// Bytes as text, each maximal invalid subsequence replaced by U+FFFD (as
/// Rust's String::from_utf8_lossy does).
std::string lossyUtf8(const std::string &bytes);

/// Rust's char::is_whitespace (Unicode White_Space).
bool isWhitespace(uint32_t c);
/// Rust's char::is_numeric (Nd, Nl, No).
bool isNumeric(uint32_t c);
/// Rust's char::is_alphanumeric (Alphabetic or numeric).
bool isAlphanumeric(uint32_t c);
/// HF's is_punc: ASCII punctuation or a Unicode P* category.
bool isPunctuation(uint32_t c);

/// GPT-2's byte-level alphabet (ByteLevel pre-tokenizer and decoder): each
/// byte as a printable character, in UTF-8.
const std::string &byteLevelCharacter(uint8_t byte);
/// The byte a byte-level character stands for, if it is one.
std::optional<uint8_t> byteOfCharacter(uint32_t code);

//===----------------------------------------------------------------------===//
// Patterns and splitting
//===----------------------------------------------------------------------===//

/// A literal string or a regular expression (HF writes regexes for
/// Oniguruma; ICU runs them, with \s and \S read as Unicode White_Space
/// as Oniguruma reads them).
class Pattern {
public:
  ~Pattern();
  static std::unique_ptr<Pattern> literal(std::string text);
  static std::unique_ptr<Pattern> regex(const std::string &source, std::string &error);
  /// {"String": "..."} or {"Regex": "..."}.
  static std::unique_ptr<Pattern> fromJson(const json::Value *value, const std::string &where,
                                           std::string &error);
  /// The byte ranges [begin, end) of the matches in `text`, left to right,
  /// none overlapping.
  std::vector<std::pair<size_t, size_t>> matches(const std::string &text) const;
  /// `text` with every match replaced by `content` (HF's Replace).
  std::string replace(const std::string &text, const std::string &content) const;

private:
  Pattern() = default;
  std::string literal_;
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

/// Why a regex match failed on this thread since the last call (ICU's time
/// limit), or "": the stages have no error path, so encode asks here.
std::string takeRegexFailure();

/// What happens to the matches when a string is split (HF's
/// SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
bool parseSplitBehavior(const std::string &name, SplitBehavior &out);

/// One piece of the text between stages: its bytes and where it starts in
/// the normalized segment it came from (Metaspace's "first" asks whether a
/// piece starts the input).
struct Piece {
  std::string text;
  bool startsInput = false;
};

/// Splits `piece` at `ranges` (byte ranges of the delimiters, sorted),
/// after flipping which parts are delimiters when `invert`. Empty pieces
/// are dropped.
std::vector<Piece> splitPiece(const Piece &piece,
                              const std::vector<std::pair<size_t, size_t>> &ranges,
                              SplitBehavior behavior, bool invert = false);

//===----------------------------------------------------------------------===//
// Stages
//===----------------------------------------------------------------------===//

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string &text) const = 0;
};

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  virtual void split(std::vector<Piece> &pieces) const = 0;
};

/// The vocabulary and the word → ids algorithm.
class TokenModel {
public:
  virtual ~TokenModel() = default;
  /// Appends the ids of one pre-tokenized word; false with `error` when a
  /// character has no id and the model has no unknown token.
  virtual bool tokenize(const std::string &word, std::vector<int64_t> &ids,
                        std::string &error) const = 0;
  std::optional<int64_t> idOf(const std::string &token) const;
  const std::string *tokenOf(int64_t id) const;
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }

protected:
  /// Adds `token` with `id`; false with `error` for a negative id.
  bool add(const std::string &token, int64_t id, const std::string &where, std::string &error);
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> tokens_; ///< by id; "" where the vocabulary has a gap
};

class Decoder {
public:
  virtual ~Decoder() = default;
  /// HF's decode_chain: tokens in, tokens (or fewer, joined ones) out.
  virtual void decode(std::vector<std::string> &tokens) const = 0;
};

/// The two models makeTokenModel knows.
std::unique_ptr<TokenModel> makeBytePairEncoding(const json::Value &value,
                                                 const std::string &where, std::string &error);
std::unique_ptr<TokenModel> makeUnigram(const json::Value &value, const std::string &where,
                                        std::string &error);
/// `<0xAB>`, the vocabulary's name for a byte (byte fallback).
std::string byteToken(uint8_t byte);

/// Each builds its stage from its JSON object; `where` names it in errors
/// ("tokenizer.json: normalizer.normalizers[1]").
std::unique_ptr<Normalizer> makeNormalizer(const json::Value &value, const std::string &where,
                                           std::string &error);
std::unique_ptr<PreTokenizer> makePreTokenizer(const json::Value &value,
                                               const std::string &where, std::string &error);
std::unique_ptr<TokenModel> makeTokenModel(const json::Value &value, const std::string &where,
                                           std::string &error);
std::unique_ptr<Decoder> makeDecoder(const json::Value &value, const std::string &where,
                                     std::string &error);

/// JSON helpers with errors that name the field.
const json::Value *member(const json::Value &object, const std::string &key);
bool readString(const json::Value &object, const std::string &key, const std::string &where,
                std::string &out, std::string &error);
/// Optional boolean: `out` keeps its value when the key is absent or null.
bool readBool(const json::Value &object, const std::string &key, const std::string &where,
              bool &out, std::string &error);
bool readCount(const json::Value &object, const std::string &key, const std::string &where,
               int64_t &out, std::string &error);
/// The stage's "type", or an error.
bool stageType(const json::Value &value, const std::string &where, std::string &type,
               std::string &error);

} // namespace mlir::hybrid::text

#endif // HYBRID_LIB_TEXT_TOKENIZERPARTS_H
