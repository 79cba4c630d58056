//===- Tokenizer.cpp - tokenizer.json: added tokens, stages, post-processor ===//
//
// HF's TokenizerImpl::encode for one sequence: the added tokens are cut out
// of the raw text first (those with normalized=false), each remaining
// segment is normalized and cut again at the normalized added tokens, then
// pre-tokenized, and each piece goes through the model; the post-processor
// then adds its special tokens. decode maps ids back to tokens (added
// tokens first), drops special ones when asked, and runs the decoder.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Text/Tokenizer.h"
#include "TokenizerParts.h"

#include "hybrid/Support/ModelDirectory.h"

#include <unicode/uchar.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

//===----------------------------------------------------------------------===//
// TokenModel
//===----------------------------------------------------------------------===//

bool TokenModel::add(const std::string &token, int64_t id, const std::string &where,
                     std::string &error) {
  // Ids index a vector: refuse ids no real vocabulary has.
  if (id < 0 || id >= (int64_t(1) << 26)) {
    error = where + ": the id of '" + token + "' is outside [0, 2^26)";
    return false;
  }
  ids_.emplace(token, id);
  if (id >= static_cast<int64_t>(tokens_.size()))
    tokens_.resize(id + 1);
  tokens_[id] = token;
  return true;
}

std::optional<int64_t> TokenModel::idOf(const std::string &token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? std::nullopt : std::optional<int64_t>(it->second);
}

const std::string *TokenModel::tokenOf(int64_t id) const {
  return id >= 0 && id < size() ? &tokens_[id] : nullptr;
}

std::unique_ptr<TokenModel> mlir::hybrid::text::makeTokenModel(const json::Value &value,
                                                               const std::string &where,
                                                               std::string &error) {
  std::string type;
  if (!stageType(value, where, type, error))
    return nullptr;
  if (type == "BPE")
    return makeBytePairEncoding(value, where, error);
  if (type == "Unigram")
    return makeUnigram(value, where, error);
  error = where + ": model type '" + type +
          "' is not supported (supported: BPE, Unigram; see docs/text.md)";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

namespace {

struct AddedToken {
  int64_t id;
  std::string content; ///< as written
  /// What is matched and what decode gives: content, normalized when
  /// `normalized`.
  std::string pattern;
  bool singleWord = false, leftStrip = false, rightStrip = false, normalized = true,
       special = false;
};

/// The ids the post-processor puts around a sequence.
struct PostProcessor {
  std::vector<int64_t> before, after;
};

} // namespace

struct Tokenizer::Impl {
  std::string path;
  std::vector<AddedToken> added;
  std::map<int64_t, size_t> addedById;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> preTokenizer;
  std::unique_ptr<TokenModel> model;
  std::unique_ptr<Decoder> decoder;
  PostProcessor post;

  bool readAddedTokens(const json::Value &root, std::string &error);
  bool readPostProcessor(const json::Value &value, const std::string &where,
                         std::string &error);
  /// Cuts `text` at the added tokens with normalized == `normalized`:
  /// segments of text (id -1) and tokens.
  std::vector<std::pair<int64_t, std::string>> splitAdded(const std::string &text,
                                                          bool normalized) const;
  bool encodeSegment(const std::string &text, bool startsInput, std::vector<int64_t> &ids,
                     std::string &error) const;
};

namespace {

bool isRegularFile(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

/// HF's single_word test: the Rust regex crate's \w (Alphabetic, marks,
/// decimal digits, connector punctuation, the joiners).
bool isWordCharacter(uint32_t c) {
  const int8_t type = u_charType(c);
  return u_isUAlphabetic(c) || type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
         type == U_COMBINING_SPACING_MARK || type == U_DECIMAL_DIGIT_NUMBER ||
         type == U_CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
}

uint32_t lastCodePoint(const std::string &text, size_t end) {
  size_t at = end - 1;
  while (at > 0 && (static_cast<uint8_t>(text[at]) & 0xC0) == 0x80)
    --at;
  return codePointAt(text, at).first;
}

} // namespace

std::vector<std::pair<int64_t, std::string>>
Tokenizer::Impl::splitAdded(const std::string &text, bool normalized) const {
  std::vector<std::pair<int64_t, std::string>> out;
  size_t segmentStart = 0;
  for (size_t at = 0; at < text.size();) {
    // Leftmost-longest, as HF's Aho-Corasick matcher.
    const AddedToken *match = nullptr;
    for (const AddedToken &token : added)
      if (token.normalized == normalized && !token.pattern.empty() &&
          (!match || token.pattern.size() > match->pattern.size()) &&
          text.compare(at, token.pattern.size(), token.pattern) == 0)
        match = &token;
    if (!match) {
      at += codePointAt(text, at).second;
      continue;
    }
    size_t start = at, stop = at + match->pattern.size();
    // A single_word match inside a word is dropped, and the search goes on
    // after it (as HF's matcher does, not inside it).
    if (match->singleWord &&
        ((start > 0 && isWordCharacter(lastCodePoint(text, start))) ||
         (stop < text.size() && isWordCharacter(codePointAt(text, stop).first)))) {
      at = stop;
      continue;
    }
    if (match->leftStrip)
      while (start > segmentStart && isWhitespace(lastCodePoint(text, start))) {
        --start;
        while (start > segmentStart && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80)
          --start;
      }
    if (match->rightStrip)
      while (stop < text.size() && isWhitespace(codePointAt(text, stop).first))
        stop += codePointAt(text, stop).second;
    if (start > segmentStart)
      out.push_back({-1, text.substr(segmentStart, start - segmentStart)});
    out.push_back({match->id, text.substr(start, stop - start)});
    segmentStart = at = stop;
  }
  if (segmentStart < text.size() || out.empty())
    out.push_back({-1, text.substr(segmentStart)});
  return out;
}

bool Tokenizer::Impl::encodeSegment(const std::string &text, bool startsInput,
                                    std::vector<int64_t> &ids, std::string &error) const {
  std::string normalizedText = text;
  if (normalizer)
    normalizer->normalize(normalizedText);
  bool first = startsInput;
  for (auto &[id, part] : splitAdded(normalizedText, /*normalized=*/true)) {
    if (id >= 0) {
      ids.push_back(id);
      first = false;
      continue;
    }
    // HF prepends nothing to empty text (NormalizedString::prepend).
    if (part.empty())
      continue;
    std::vector<Piece> pieces{{part, first}};
    first = false;
    if (preTokenizer)
      preTokenizer->split(pieces);
    for (const Piece &piece : pieces)
      if (!model->tokenize(piece.text, ids, error))
        return false;
  }
  return true;
}

bool Tokenizer::Impl::readAddedTokens(const json::Value &root, std::string &error) {
  const json::Value *list = member(root, "added_tokens");
  if (!list)
    return true;
  if (!list->isArray()) {
    error = path + ": added_tokens: expected a list";
    return false;
  }
  for (size_t n = 0; n < list->array.size(); ++n) {
    const json::Value &entry = list->array[n];
    const std::string where = path + ": added_tokens[" + std::to_string(n) + "]";
    AddedToken token;
    std::optional<int64_t> id = entry.isObject() && entry.get("id") ? entry.get("id")->asInteger()
                                                                      : std::nullopt;
    if (!id || *id < 0 || *id >= (int64_t(1) << 26)) {
      error = where + ".id: expected an id in [0, 2^26)";
      return false;
    }
    token.id = *id;
    if (!readString(entry, "content", where, token.content, error) ||
        !readBool(entry, "single_word", where, token.singleWord, error) ||
        !readBool(entry, "lstrip", where, token.leftStrip, error) ||
        !readBool(entry, "rstrip", where, token.rightStrip, error) ||
        !readBool(entry, "normalized", where, token.normalized, error) ||
        !readBool(entry, "special", where, token.special, error))
      return false;
    addedById[token.id] = added.size();
    added.push_back(std::move(token));
  }
  return true;
}

bool Tokenizer::Impl::readPostProcessor(const json::Value &value, const std::string &where,
                                        std::string &error) {
  std::string type;
  if (!stageType(value, where, type, error))
    return false;
  if (type == "ByteLevel")
    return true; // offsets only
  if (type == "Sequence") {
    const json::Value *list = member(value, "processors");
    if (!list || !list->isArray()) {
      error = where + ".processors: expected a list";
      return false;
    }
    for (size_t n = 0; n < list->array.size(); ++n)
      if (!readPostProcessor(list->array[n], where + ".processors[" + std::to_string(n) + "]",
                             error))
        return false;
    return true;
  }
  auto idOfPair = [&](const char *key, int64_t &id) {
    const json::Value *pair = member(value, key);
    std::optional<int64_t> number = pair && pair->isArray() && pair->array.size() == 2
                                        ? pair->array[1].asInteger()
                                        : std::nullopt;
    if (!number || *number < 0) {
      error = where + "." + key + ": expected [token, id]";
      return false;
    }
    id = *number;
    return true;
  };
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    int64_t cls, sep;
    if (!idOfPair("cls", cls) || !idOfPair("sep", sep))
      return false;
    post.before.insert(post.before.begin(), cls);
    post.after.push_back(sep);
    return true;
  }
  if (type == "TemplateProcessing") {
    const json::Value *single = member(value, "single");
    const json::Value *specials = member(value, "special_tokens");
    if (!single || !single->isArray()) {
      error = where + ".single: expected a list";
      return false;
    }
    PostProcessor template_;
    bool seenSequence = false;
    for (size_t n = 0; n < single->array.size(); ++n) {
      const json::Value &item = single->array[n];
      const std::string at = where + ".single[" + std::to_string(n) + "]";
      if (item.isObject() && item.get("Sequence")) {
        seenSequence = true;
        continue;
      }
      const json::Value *special = item.isObject() ? item.get("SpecialToken") : nullptr;
      std::string name;
      if (!special || !readString(*special, "id", at + ".SpecialToken", name, error)) {
        error = at + ": expected {\"Sequence\": ...} or {\"SpecialToken\": {\"id\": ...}}";
        return false;
      }
      const json::Value *entry = specials ? specials->get(name) : nullptr;
      const json::Value *entryIds = entry ? member(*entry, "ids") : nullptr;
      if (!entryIds || !entryIds->isArray()) {
        error = where + ".special_tokens: no ids for '" + name + "'";
        return false;
      }
      for (const json::Value &id : entryIds->array) {
        std::optional<int64_t> number = id.asInteger();
        if (!number || *number < 0) {
          error = where + ".special_tokens." + name + ".ids: expected non-negative integers";
          return false;
        }
        (seenSequence ? template_.after : template_.before).push_back(*number);
      }
    }
    post.before.insert(post.before.begin(), template_.before.begin(), template_.before.end());
    post.after.insert(post.after.end(), template_.after.begin(), template_.after.end());
    return true;
  }
  error = where + ": post-processor type '" + type +
          "' is not supported (supported: TemplateProcessing, ByteLevel, BertProcessing, "
          "RobertaProcessing, Sequence; see docs/text.md)";
  return false;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string &given, std::string &error) {
  auto impl = std::make_unique<Impl>();
  impl->path = isDirectory(given) ? given + "/tokenizer.json" : given;
  const std::string &path = impl->path;
  if (!isRegularFile(path)) {
    error = path + (std::ifstream(path) ? ": not a regular file (a device, pipe or directory)"
                                        : ": cannot open (text needs the checkpoint's "
                                          "tokenizer.json)");
    return nullptr;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot open (text needs the checkpoint's tokenizer.json)";
    return nullptr;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  // JSON is UTF-8 (RFC 8259); every stage relies on it.
  if (!isValidUtf8(contents.str())) {
    error = path + ": not UTF-8 text";
    return nullptr;
  }
  json::Value root;
  if (!json::parse(contents.str(), root, error)) {
    error = path + ": " + error;
    return nullptr;
  }
  if (!root.isObject()) {
    error = path + ": expected a JSON object (HF tokenizers' tokenizer.json)";
    return nullptr;
  }
  for (const char *key : {"truncation", "padding"})
    if (member(root, key)) {
      error = path + ": " + key + " is set; prompts are not " +
              (key[0] == 't' ? "truncated" : "padded") + " here (set it to null)";
      return nullptr;
    }
  const json::Value *model = member(root, "model");
  if (!model) {
    error = path + ": model: missing";
    return nullptr;
  }
  if (!(impl->model = makeTokenModel(*model, path + ": model", error)))
    return nullptr;
  if (const json::Value *value = member(root, "normalizer"))
    if (!(impl->normalizer = makeNormalizer(*value, path + ": normalizer", error)))
      return nullptr;
  if (const json::Value *value = member(root, "pre_tokenizer"))
    if (!(impl->preTokenizer = makePreTokenizer(*value, path + ": pre_tokenizer", error)))
      return nullptr;
  if (const json::Value *value = member(root, "decoder"))
    if (!(impl->decoder = makeDecoder(*value, path + ": decoder", error)))
      return nullptr;
  if (const json::Value *value = member(root, "post_processor"))
    if (!impl->readPostProcessor(*value, path + ": post_processor", error))
      return nullptr;
  if (!impl->readAddedTokens(root, error))
    return nullptr;
  // HF matches normalized added tokens in normalized text: normalize them.
  for (AddedToken &token : impl->added) {
    token.pattern = token.content;
    if (token.normalized && impl->normalizer)
      impl->normalizer->normalize(token.pattern);
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

bool Tokenizer::encode(const std::string &text, std::vector<int64_t> &ids, std::string &error,
                       bool addSpecialTokens) const {
  if (!isValidUtf8(text)) {
    error = "the text is not valid UTF-8";
    return false;
  }
  ids.clear();
  takeRegexFailure();
  if (addSpecialTokens)
    ids = impl_->post.before;
  bool startsInput = true;
  for (auto &[id, segment] : impl_->splitAdded(text, /*normalized=*/false)) {
    if (id >= 0)
      ids.push_back(id);
    else if (!impl_->encodeSegment(segment, startsInput, ids, error))
      return false;
    startsInput = false;
  }
  if (std::string failure = takeRegexFailure(); !failure.empty()) {
    error = impl_->path + ": " + failure;
    return false;
  }
  if (addSpecialTokens)
    ids.insert(ids.end(), impl_->post.after.begin(), impl_->post.after.end());
  return true;
}

std::string Tokenizer::decode(const std::vector<int64_t> &ids, bool skipSpecialTokens) const {
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    auto added = impl_->addedById.find(id);
    if (added != impl_->addedById.end()) {
      const AddedToken &token = impl_->added[added->second];
      if (!(skipSpecialTokens && token.special))
        // tokenizers >= 0.22 decodes a normalized added token by its
        // normalized form (0.20 by its content as written); we follow the
        // newer, which transformers 5 uses.
        tokens.push_back(token.pattern);
      continue;
    }
    if (const std::string *token = impl_->model->tokenOf(id); token && !token->empty())
      tokens.push_back(*token);
  }
  if (!impl_->decoder) {
    std::string joined;
    for (size_t n = 0; n < tokens.size(); ++n)
      joined += (n ? " " : "") + tokens[n];
    return joined;
  }
  impl_->decoder->decode(tokens);
  std::string joined;
  for (const std::string &token : tokens)
    joined += token;
  return joined;
}

bool Tokenizer::isLeftOut(int64_t id, bool skipSpecialTokens) const {
  auto added = impl_->addedById.find(id);
  if (added != impl_->addedById.end())
    return skipSpecialTokens && impl_->added[added->second].special;
  const std::string *token = impl_->model->tokenOf(id);
  return !token || token->empty();
}

bool Tokenizer::isByteToken(int64_t id) const {
  if (impl_->addedById.count(id))
    return false;
  const std::string *token = impl_->model->tokenOf(id);
  return token && token->size() == 6 && token->rfind("<0x", 0) == 0 && token->back() == '>';
}

int64_t Tokenizer::vocabSize() const {
  int64_t size = impl_->model->size();
  if (!impl_->addedById.empty())
    size = std::max(size, impl_->addedById.rbegin()->first + 1);
  return size;
}

const std::string &Tokenizer::path() const { return impl_->path; }

std::string TextStream::add(int64_t id) {
  ids_.push_back(id);
  // A skipped special token between byte tokens does not end their run (HF
  // drops it before the decoder), so wait while the last token kept is one.
  if (tokenizer_.isLeftOut(id, skipSpecialTokens_))
    return "";
  if (tokenizer_.isByteToken(id))
    return "";
  const std::string text = tokenizer_.decode(ids_, skipSpecialTokens_);
  // Wait while the text ends in a replacement character (bytes of a
  // character still to come) or rewrites what was shown.
  const bool incomplete = text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
  if (incomplete || text.compare(0, shown_.size(), shown_) != 0)
    return "";
  std::string fresh = text.substr(shown_.size());
  shown_ = text;
  return fresh;
}

std::string TextStream::finish() {
  const std::string text = tokenizer_.decode(ids_, skipSpecialTokens_);
  if (text.compare(0, shown_.size(), shown_) != 0 || text.size() <= shown_.size())
    return "";
  std::string fresh = text.substr(shown_.size());
  shown_ = text;
  return fresh;
}
