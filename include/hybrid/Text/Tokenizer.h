//===- Tokenizer.h - HF tokenizer.json files, read in C++ -------*- C++ -*-===//
//
// Text to token ids and back as HF's `tokenizers` library does it, from the
// tokenizer.json a checkpoint directory holds: BPE (byte-level as GPT-2 and
// Llama 3, or SentencePiece-style with byte fallback as Llama 2) and
// Unigram models, their normalizers, pre-tokenizers, post-processor and
// decoder, and the added (special) tokens. Unicode (normal forms, character
// properties, the pre-tokenizers' regexes) comes from ICU. What is read and
// what is refused: docs/text.md.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TEXT_TOKENIZER_H
#define HYBRID_TEXT_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::hybrid {

class Tokenizer {
public:
  ~Tokenizer();
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;

  /// Reads `path`: a tokenizer.json, or a directory holding one. Null with
  /// `error` naming the file and field for what it cannot read or does not
  /// support.
  static std::unique_ptr<Tokenizer> load(const std::string &path, std::string &error);

  /// The ids HF's Tokenizer.encode(text) gives: added tokens found in the
  /// text, the rest normalized, pre-tokenized and tokenized, then the
  /// post-processor's special tokens (add_special_tokens, as HF defaults).
  /// False with `error` for text that is not UTF-8.
  bool encode(const std::string &text, std::vector<int64_t> &ids, std::string &error,
              bool addSpecialTokens = true) const;

  /// HF's decode(ids, skip_special_tokens): ids the tokenizer does not know
  /// are skipped, as HF skips them (a model's vocabulary is often padded
  /// past its tokenizer's).
  std::string decode(const std::vector<int64_t> &ids, bool skipSpecialTokens = true) const;

  /// Whether `id` is a byte-fallback token of the model (<0xAB>): its text
  /// is decided only with the bytes after it (HF's ByteFallback decodes a
  /// run of them together, every byte U+FFFD if the run is not UTF-8).
  bool isByteToken(int64_t id) const;

  /// Whether decode(ids, skipSpecialTokens) leaves `id` out: a special
  /// token being skipped, or an id the tokenizer does not know.
  bool isLeftOut(int64_t id, bool skipSpecialTokens) const;

  /// One past the largest id (the model's vocabulary and the added tokens).
  int64_t vocabSize() const;
  /// The tokenizer.json read.
  const std::string &path() const;

  struct Impl;

private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Text as tokens are generated: each `add` returns the text that the new
/// token completes. The whole decode is redone each time (a decoder may
/// join tokens); text is held back while it ends in U+FFFD (a character's
/// bytes still to come) or the last token kept is a byte token (a skipped
/// special token does not end a run of bytes), so that what is shown is a
/// prefix of the final decode.
class TextStream {
public:
  explicit TextStream(const Tokenizer &tokenizer, bool skipSpecialTokens = true)
      : tokenizer_(tokenizer), skipSpecialTokens_(skipSpecialTokens) {}
  std::string add(int64_t id);
  /// What is still held back (the end of the stream).
  std::string finish();

private:
  const Tokenizer &tokenizer_;
  bool skipSpecialTokens_;
  std::vector<int64_t> ids_;
  std::string shown_;
};

} // namespace mlir::hybrid

#endif // HYBRID_TEXT_TOKENIZER_H
