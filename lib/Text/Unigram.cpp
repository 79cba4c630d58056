//===- Unigram.cpp - tokenizer.json's "model": Unigram --------------------===//
//
// SentencePiece's unigram language model as HF's models/unigram runs it:
// the split of a word into vocabulary pieces with the highest total score
// (Viterbi over byte positions). A character no piece starts with costs
// the lowest score minus 10 and becomes the unknown piece; unknown runs are
// fused into one, then looked up as bytes <0xAB> with byte_fallback, else
// given unk_id.
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include <algorithm>
#include <limits>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

namespace {

/// HF's K_UNK_PENALTY.
constexpr double kUnknownPenalty = 10.0;

class Unigram : public TokenModel {
public:
  bool load(const json::Value &value, const std::string &where, std::string &error);
  bool tokenize(const std::string &word, std::vector<int64_t> &ids,
                std::string &error) const override;

private:
  std::vector<double> scores_;
  std::optional<int64_t> unknown_;
  double minScore_ = std::numeric_limits<double>::infinity();
  size_t longestPiece_ = 0; ///< in bytes
  bool byteFallback_ = false;
};

bool Unigram::load(const json::Value &value, const std::string &where, std::string &error) {
  const json::Value *vocab = member(value, "vocab");
  if (!vocab || !vocab->isArray() || vocab->array.empty()) {
    error = where + ".vocab: expected a non-empty list of [piece, score]";
    return false;
  }
  for (size_t id = 0; id < vocab->array.size(); ++id) {
    const json::Value &entry = vocab->array[id];
    const bool numeric = entry.isArray() && entry.array.size() == 2 &&
                         (entry.array[1].kind == json::Value::Kind::Number ||
                          entry.array[1].kind == json::Value::Kind::Integer);
    if (!numeric || !entry.array[0].isString()) {
      error = where + ".vocab[" + std::to_string(id) + "]: expected [piece, score]";
      return false;
    }
    const std::string &piece = entry.array[0].string;
    if (!add(piece, static_cast<int64_t>(id), where + ".vocab", error))
      return false;
    scores_.push_back(entry.array[1].number);
    minScore_ = std::min(minScore_, entry.array[1].number);
    longestPiece_ = std::max(longestPiece_, piece.size());
  }
  if (const json::Value *unknown = member(value, "unk_id")) {
    std::optional<int64_t> id = unknown->asInteger();
    if (!id || *id < 0 || *id >= static_cast<int64_t>(scores_.size())) {
      error = where + ".unk_id: expected an index into the vocabulary";
      return false;
    }
    unknown_ = id;
  }
  return readBool(value, "byte_fallback", where, byteFallback_, error);
}

bool Unigram::tokenize(const std::string &word, std::vector<int64_t> &ids,
                       std::string &error) const {
  struct Best {
    double score = 0;
    int64_t start = -1; ///< -1: no path ends here yet
    int64_t id = 0;
  };
  const size_t size = word.size();
  std::vector<Best> best(size + 1);
  const double unknownScore = minScore_ - kUnknownPenalty;
  for (size_t start = 0; start < size;) {
    const double here = best[start].score;
    const size_t characterLength = codePointAt(word, start).second;
    bool singleCharacterPiece = false;
    // Pieces starting here, shortest first (the order of HF's trie).
    for (size_t end = start + characterLength; end <= size && end - start <= longestPiece_;) {
      auto it = ids_.find(word.substr(start, end - start));
      if (it != ids_.end()) {
        const double candidate = scores_[it->second] + here;
        Best &target = best[end];
        if (target.start < 0 || candidate > target.score)
          target = {candidate, static_cast<int64_t>(start), it->second};
        singleCharacterPiece |= end - start == characterLength;
      }
      if (end == size)
        break;
      end += codePointAt(word, end).second;
    }
    if (!singleCharacterPiece) {
      Best &target = best[start + characterLength];
      const double candidate = unknownScore + here;
      if (target.start < 0 || candidate > target.score)
        target = {candidate, static_cast<int64_t>(start), unknown_.value_or(0)};
    }
    start += characterLength;
  }
  // Back from the end; runs of the unknown piece become one string (as a
  // byte range: a run grows leftwards without copying).
  std::vector<std::string> pieces;
  size_t runStart = 0, runEnd = 0; // empty when equal
  for (size_t end = size; end > 0;) {
    const Best &node = best[end];
    const size_t start = static_cast<size_t>(node.start);
    if (unknown_ && node.id == *unknown_) {
      if (runStart == runEnd)
        runEnd = end;
      runStart = start;
    } else {
      if (runStart != runEnd)
        pieces.push_back(word.substr(runStart, runEnd - runStart));
      runStart = runEnd = 0;
      pieces.push_back(word.substr(start, end - start));
    }
    end = start;
  }
  if (runStart != runEnd)
    pieces.push_back(word.substr(runStart, runEnd - runStart));
  std::reverse(pieces.begin(), pieces.end());

  for (const std::string &piece : pieces) {
    if (std::optional<int64_t> id = idOf(piece)) {
      ids.push_back(*id);
      continue;
    }
    if (byteFallback_) {
      std::vector<int64_t> bytes;
      for (char c : piece)
        if (std::optional<int64_t> id = idOf(byteToken(static_cast<uint8_t>(c))))
          bytes.push_back(*id);
      if (bytes.size() == piece.size()) {
        ids.insert(ids.end(), bytes.begin(), bytes.end());
        continue;
      }
    }
    if (!unknown_) {
      error = "'" + piece + "' has no piece in the vocabulary and the Unigram model has no unk_id";
      return false;
    }
    ids.push_back(*unknown_);
  }
  return true;
}

} // namespace

std::unique_ptr<TokenModel> mlir::hybrid::text::makeUnigram(const json::Value &value,
                                                            const std::string &where,
                                                            std::string &error) {
  auto model = std::make_unique<Unigram>();
  if (!model->load(value, where, error))
    return nullptr;
  return model;
}
