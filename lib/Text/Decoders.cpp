//===- Decoders.cpp - tokenizer.json's "decoder" --------------------------===//
//
// Tokens back to text: ByteLevel, Metaspace, ByteFallback, Fuse, Strip,
// Replace, BPEDecoder and Sequence, as HF's decoders/*.rs define them
// (each a decode_chain from tokens to tokens; the caller joins the rest).
//
//===----------------------------------------------------------------------===//

#include "TokenizerParts.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::text;

namespace {

constexpr const char *kReplacementCharacter = "\xEF\xBF\xBD";

class ByteLevel : public Decoder {
public:
  void decode(std::vector<std::string> &tokens) const override {
    std::string bytes;
    for (const std::string &token : tokens) {
      std::string mapped;
      bool all = true;
      for (size_t at = 0; at < token.size() && all;) {
        const auto [code, length] = codePointAt(token, at);
        if (std::optional<uint8_t> byte = byteOfCharacter(code))
          mapped += static_cast<char>(*byte);
        else
          all = false;
        at += length;
      }
      bytes += all ? mapped : token;
    }
    tokens = {lossyUtf8(bytes)};
  }
};

class Metaspace : public Decoder {
public:
  Metaspace(std::string replacement, bool dropFirst)
      : replacement_(std::move(replacement)), dropFirst_(dropFirst) {}
  void decode(std::vector<std::string> &tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string &token = tokens[i];
      for (size_t at = 0; at < token.size();) {
        if (token.compare(at, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && dropFirst_))
            out += ' ';
          at += replacement_.size();
        } else {
          out += token[at++];
        }
      }
      tokens[i] = std::move(out);
    }
  }

private:
  std::string replacement_;
  bool dropFirst_; ///< every replacement in the first token is dropped (HF)
};

class ByteFallback : public Decoder {
public:
  void decode(std::vector<std::string> &tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    auto flush = [&] {
      if (bytes.empty())
        return;
      if (isValidUtf8(bytes))
        out.push_back(bytes);
      else
        for (size_t n = 0; n < bytes.size(); ++n)
          out.push_back(kReplacementCharacter);
      bytes.clear();
    };
    for (std::string &token : tokens) {
      if (token.size() == 6 && token.rfind("<0x", 0) == 0 && token[5] == '>' &&
          isxdigit(static_cast<unsigned char>(token[3])) &&
          isxdigit(static_cast<unsigned char>(token[4]))) {
        bytes += static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16));
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
  }
};

class Fuse : public Decoder {
public:
  void decode(std::vector<std::string> &tokens) const override {
    std::string joined;
    for (const std::string &token : tokens)
      joined += token;
    tokens = {joined};
  }
};

class Strip : public Decoder {
public:
  Strip(uint32_t content, int64_t start, int64_t stop)
      : content_(content), start_(start), stop_(stop) {}
  void decode(std::vector<std::string> &tokens) const override {
    for (std::string &token : tokens) {
      std::vector<std::pair<uint32_t, size_t>> characters; // code, byte offset
      for (size_t at = 0; at < token.size();) {
        const auto [code, length] = codePointAt(token, at);
        characters.push_back({code, at});
        at += length;
      }
      size_t begin = 0, end = characters.size();
      while (begin < end && static_cast<int64_t>(begin) < start_ &&
             characters[begin].first == content_)
        ++begin;
      while (end > begin && static_cast<int64_t>(characters.size() - end) < stop_ &&
             characters[end - 1].first == content_)
        --end;
      const size_t from = begin < characters.size() ? characters[begin].second : token.size();
      const size_t to = end < characters.size() ? characters[end].second : token.size();
      token = token.substr(from, to - from);
    }
  }

private:
  uint32_t content_;
  int64_t start_, stop_;
};

class Replace : public Decoder {
public:
  Replace(std::unique_ptr<Pattern> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode(std::vector<std::string> &tokens) const override {
    for (std::string &token : tokens)
      token = pattern_->replace(token, content_);
  }

private:
  std::unique_ptr<Pattern> pattern_;
  std::string content_;
};

/// HF's BPEDecoder: the end-of-word suffix becomes a space (nothing after
/// the last token).
class EndOfWordSuffix : public Decoder {
public:
  explicit EndOfWordSuffix(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode(std::vector<std::string> &tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string with = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      const std::string &token = tokens[i];
      for (size_t at = 0; at < token.size();) {
        if (!suffix_.empty() && token.compare(at, suffix_.size(), suffix_) == 0) {
          out += with;
          at += suffix_.size();
        } else {
          out += token[at++];
        }
      }
      tokens[i] = std::move(out);
    }
  }

private:
  std::string suffix_;
};

class Sequence : public Decoder {
public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> stages) : stages_(std::move(stages)) {}
  void decode(std::vector<std::string> &tokens) const override {
    for (const auto &stage : stages_)
      stage->decode(tokens);
  }

private:
  std::vector<std::unique_ptr<Decoder>> stages_;
};

bool oneCharacter(const json::Value &value, const std::string &key, const std::string &where,
                  uint32_t &code, std::string &text, std::string &error) {
  if (!readString(value, key, where, text, error))
    return false;
  if (text.empty() || codePointAt(text, 0).second != text.size()) {
    error = where + "." + key + ": expected one character";
    return false;
  }
  code = codePointAt(text, 0).first;
  return true;
}

} // namespace

std::unique_ptr<Decoder> mlir::hybrid::text::makeDecoder(const json::Value &value,
                                                         const std::string &where,
                                                         std::string &error) {
  std::string type;
  if (!stageType(value, where, type, error))
    return nullptr;
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>();
  if (type == "ByteFallback")
    return std::make_unique<ByteFallback>();
  if (type == "Fuse")
    return std::make_unique<Fuse>();
  if (type == "Metaspace") {
    uint32_t code;
    std::string replacement;
    bool addPrefixSpace = true;
    if (!oneCharacter(value, "replacement", where, code, replacement, error) ||
        !readBool(value, "add_prefix_space", where, addPrefixSpace, error))
      return nullptr;
    bool dropFirst = addPrefixSpace;
    if (const json::Value *scheme = member(value, "prepend_scheme"))
      dropFirst = !(scheme->isString() && scheme->string == "never");
    return std::make_unique<Metaspace>(replacement, dropFirst);
  }
  if (type == "Strip") {
    uint32_t code;
    std::string content;
    int64_t start = 0, stop = 0;
    if (!oneCharacter(value, "content", where, code, content, error) ||
        !readCount(value, "start", where, start, error) ||
        !readCount(value, "stop", where, stop, error))
      return nullptr;
    return std::make_unique<Strip>(code, start, stop);
  }
  if (type == "Replace") {
    std::string content;
    std::unique_ptr<Pattern> pattern =
        Pattern::fromJson(member(value, "pattern"), where + ".pattern", error);
    if (!pattern || !readString(value, "content", where, content, error))
      return nullptr;
    return std::make_unique<Replace>(std::move(pattern), content);
  }
  if (type == "BPEDecoder") {
    std::string suffix = "</w>";
    if (member(value, "suffix") && !readString(value, "suffix", where, suffix, error))
      return nullptr;
    return std::make_unique<EndOfWordSuffix>(suffix);
  }
  if (type == "Sequence") {
    const json::Value *list = member(value, "decoders");
    if (!list || !list->isArray()) {
      error = where + ".decoders: expected a list";
      return nullptr;
    }
    std::vector<std::unique_ptr<Decoder>> stages;
    for (size_t n = 0; n < list->array.size(); ++n) {
      auto stage =
          makeDecoder(list->array[n], where + ".decoders[" + std::to_string(n) + "]", error);
      if (!stage)
        return nullptr;
      stages.push_back(std::move(stage));
    }
    return std::make_unique<Sequence>(std::move(stages));
  }
  error = where + ": decoder type '" + type +
          "' is not supported (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, "
          "Replace, BPEDecoder, Sequence; see docs/text.md)";
  return nullptr;
}
