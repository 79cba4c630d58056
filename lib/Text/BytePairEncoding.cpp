//===- BytePairEncoding.cpp - tokenizer.json's "model": BPE ---------------===//
//
// HF's models/bpe: a word starts as its characters' ids (or byte tokens
// <0xAB> with byte_fallback, or the unknown token), then the adjacent pair
// with the lowest merge rank is merged, leftmost first, until no pair of
// the merge list is left. A heap of candidate merges keeps this near
// linear for words of thousands of characters (SentencePiece-style BPE
// has no pre-tokenizer: the whole text is one word).
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

#include <cstdio>
#include <queue>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

std::string mlir::hybrid::text::byteToken(uint8_t byte) {
  char name[8];
  std::snprintf(name, sizeof(name), "<0x%02X>", byte);
  return name;
}

namespace {

struct PairHash {
  size_t operator()(const std::pair<int64_t, int64_t> &p) const {
    return std::hash<int64_t>()(p.first * 1000003 + p.second);
  }
};

class BytePairEncoding : public TokenModel {
public:
  bool load(const json::Value &value, const std::string &where, std::string &error);
  bool tokenize(const std::string &word, std::vector<int64_t> &ids,
                std::string &error) const override;

private:
  struct Merge {
    int64_t rank, result;
  };
  std::unordered_map<std::pair<int64_t, int64_t>, Merge, PairHash> merges_;
  std::optional<int64_t> unknown_;
  std::string prefix_, suffix_; ///< continuing_subword_prefix, end_of_word_suffix
  bool fuseUnknown_ = false, byteFallback_ = false, ignoreMerges_ = false;
};

bool BytePairEncoding::load(const json::Value &value, const std::string &where,
                            std::string &error) {
  const json::Value *vocab = member(value, "vocab");
  if (!vocab || !vocab->isObject()) {
    error = where + ".vocab: expected an object of token: id";
    return false;
  }
  for (const auto &[token, id] : vocab->object) {
    std::optional<int64_t> number = id.asInteger();
    if (!number) {
      error = where + ".vocab: the id of '" + token + "' is not an integer";
      return false;
    }
    if (!add(token, *number, where + ".vocab", error))
      return false;
  }
  if (const json::Value *dropout = member(value, "dropout");
      dropout && !(dropout->kind == json::Value::Kind::Integer && dropout->integer == 0) &&
      !(dropout->kind == json::Value::Kind::Number && dropout->number == 0)) {
    error = where + ".dropout: BPE dropout makes tokenization random; only null is supported";
    return false;
  }
  if (const json::Value *unknown = member(value, "unk_token")) {
    std::optional<int64_t> id = unknown->isString() ? idOf(unknown->string) : std::nullopt;
    if (!id) {
      error = where + ".unk_token: expected a token of the vocabulary";
      return false;
    }
    unknown_ = id;
  }
  if (const json::Value *prefix = member(value, "continuing_subword_prefix"))
    prefix_ = prefix->isString() ? prefix->string : "";
  if (const json::Value *suffix = member(value, "end_of_word_suffix"))
    suffix_ = suffix->isString() ? suffix->string : "";
  if (!readBool(value, "fuse_unk", where, fuseUnknown_, error) ||
      !readBool(value, "byte_fallback", where, byteFallback_, error) ||
      !readBool(value, "ignore_merges", where, ignoreMerges_, error))
    return false;

  const json::Value *merges = member(value, "merges");
  if (merges && !merges->isArray()) {
    error = where + ".merges: expected a list";
    return false;
  }
  for (size_t rank = 0; merges && rank < merges->array.size(); ++rank) {
    const json::Value &merge = merges->array[rank];
    const std::string at = where + ".merges[" + std::to_string(rank) + "]";
    std::string left, right;
    // "a b" (tokenizers < 0.20) or ["a", "b"].
    if (merge.isString()) {
      const size_t space = merge.string.find(' ');
      if (space == std::string::npos || merge.string.find(' ', space + 1) != std::string::npos) {
        error = at + ": expected two tokens separated by one space";
        return false;
      }
      left = merge.string.substr(0, space);
      right = merge.string.substr(space + 1);
    } else if (merge.isArray() && merge.array.size() == 2 && merge.array[0].isString() &&
               merge.array[1].isString()) {
      left = merge.array[0].string;
      right = merge.array[1].string;
    } else {
      error = at + ": expected \"a b\" or [\"a\", \"b\"]";
      return false;
    }
    std::optional<int64_t> a = idOf(left), b = idOf(right);
    const std::string joined =
        left + (right.rfind(prefix_, 0) == 0 ? right.substr(prefix_.size()) : right);
    std::optional<int64_t> result = idOf(joined);
    if (!a || !b || !result) {
      error = at + ": '" + (!a ? left : !b ? right : joined) + "' is not in the vocabulary";
      return false;
    }
    merges_[{*a, *b}] = Merge{static_cast<int64_t>(rank), *result};
  }
  return true;
}

bool BytePairEncoding::tokenize(const std::string &word, std::vector<int64_t> &ids,
                                std::string &) const {
  if (word.empty())
    return true;
  if (ignoreMerges_)
    if (std::optional<int64_t> id = idOf(word)) {
      ids.push_back(*id);
      return true;
    }
  // The word's symbols, as HF's merge_word builds them (an unknown run is
  // held back until the next known symbol, as HF does).
  std::vector<int64_t> symbols;
  std::optional<int64_t> pendingUnknown;
  for (size_t at = 0; at < word.size();) {
    const size_t length = codePointAt(word, at).second;
    std::string symbol = word.substr(at, length);
    if (at > 0)
      symbol = prefix_ + symbol;
    if (at + length == word.size())
      symbol += suffix_;
    at += length;
    if (std::optional<int64_t> id = idOf(symbol)) {
      if (pendingUnknown)
        symbols.push_back(*pendingUnknown);
      pendingUnknown.reset();
      symbols.push_back(*id);
      continue;
    }
    if (byteFallback_) {
      std::vector<int64_t> bytes;
      for (char c : symbol)
        if (std::optional<int64_t> id = idOf(byteToken(static_cast<uint8_t>(c))))
          bytes.push_back(*id);
      if (bytes.size() == symbol.size()) {
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        continue;
      }
    }
    if (unknown_) {
      if (pendingUnknown && !fuseUnknown_)
        symbols.push_back(*pendingUnknown);
      pendingUnknown = unknown_;
    }
  }
  if (pendingUnknown)
    symbols.push_back(*pendingUnknown);

  // Merge: lowest rank first, then leftmost; entries made stale by an
  // earlier merge are skipped when popped.
  const int64_t n = static_cast<int64_t>(symbols.size());
  std::vector<int64_t> previous(n), next(n);
  std::vector<bool> alive(n, true);
  for (int64_t i = 0; i < n; ++i) {
    previous[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int64_t rank, position, result;
    bool operator>(const Candidate &other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](int64_t position) {
    if (position < 0 || next[position] < 0)
      return;
    auto it = merges_.find({symbols[position], symbols[next[position]]});
    if (it != merges_.end())
      queue.push({it->second.rank, position, it->second.result});
  };
  for (int64_t i = 0; i + 1 < n; ++i)
    consider(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    if (!alive[top.position] || next[top.position] < 0)
      continue;
    const int64_t right = next[top.position];
    auto it = merges_.find({symbols[top.position], symbols[right]});
    if (it == merges_.end() || it->second.result != top.result)
      continue;
    symbols[top.position] = top.result;
    alive[right] = false;
    next[top.position] = next[right];
    if (next[right] >= 0)
      previous[next[right]] = top.position;
    consider(previous[top.position]);
    consider(top.position);
  }
  for (int64_t i = 0; i < n; ++i)
    if (alive[i])
      ids.push_back(symbols[i]);
  return true;
}

} // namespace

std::unique_ptr<TokenModel> mlir::hybrid::text::makeBytePairEncoding(const json::Value &value,
                                                                     const std::string &where,
                                                                     std::string &error) {
  auto model = std::make_unique<BytePairEncoding>();
  if (!model->load(value, where, error))
    return nullptr;
  return model;
}
