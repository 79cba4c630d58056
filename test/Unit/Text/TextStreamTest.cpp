//===- TextStreamTest.cpp - Text shown while tokens are generated ---------===//
//
// What TextStream shows token by token must add up to the whole decode,
// which is HF's: a skipped special token between byte-fallback tokens does
// not end their run (tokenizers drops it before the ByteFallback decoder),
// so bytes shown early could be rewritten as U+FFFD later.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Text/Tokenizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {

// A SentencePiece-style BPE as Llama 2's: byte fallback, the decoder chain
// Replace(▁), ByteFallback, Fuse, Strip; <bos>, <eos> and <unk> special.
constexpr const char *kTokenizerJson = R"json({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "<bos>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true},
    {"id": 1, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true},
    {"id": 2, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true}],
  "normalizer": null, "pre_tokenizer": null, "post_processor": null,
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>",
    "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": true,
    "byte_fallback": true, "ignore_merges": false,
    "vocab": {"<bos>": 0, "<eos>": 1, "<unk>": 2, "<0x2B>": 3, "<0xE2>": 4, "<0x82>": 5,
              "<0xAC>": 6, "\u2581a": 7, "a": 8, "\u2581": 9},
    "merges": [["\u2581", "a"]]}
})json";

class TextStreamTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("text-stream", "json", path));
    path_ = std::string(path);
    {
      std::error_code ec;
      llvm::raw_fd_ostream out(path_, ec);
      ASSERT_FALSE(ec);
      out << kTokenizerJson;
    }
    std::string error;
    tokenizer_ = Tokenizer::load(path_, error);
    ASSERT_TRUE(tokenizer_) << error;
  }
  void TearDown() override { llvm::sys::fs::remove(path_); }

  /// Everything the stream shows, token by token and at the end.
  std::string streamed(const std::vector<int64_t> &ids) {
    TextStream stream(*tokenizer_);
    std::string shown;
    for (int64_t id : ids)
      shown += stream.add(id);
    return shown + stream.finish();
  }

  std::string path_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

// <0x2B> <unk> <0xE2> ▁a: HF decodes the bytes 2B E2 as one run, which is
// not UTF-8, so both become U+FFFD; showing "+" at <unk> would be wrong.
TEST_F(TextStreamTest, SkippedSpecialTokenDoesNotEndAByteRun) {
  const std::vector<int64_t> ids = {3, 2, 4, 7};
  EXPECT_EQ(tokenizer_->decode(ids), "\xEF\xBF\xBD\xEF\xBF\xBD a");
  EXPECT_EQ(streamed(ids), tokenizer_->decode(ids));
}

// <0x2B> <unk> <0xE2> <0x82> <0xAC> ▁a: the run is "+€", valid UTF-8.
TEST_F(TextStreamTest, BytesAroundASkippedTokenJoin) {
  const std::vector<int64_t> ids = {3, 2, 4, 5, 2, 6, 7};
  EXPECT_EQ(tokenizer_->decode(ids), "+\xE2\x82\xAC a");
  EXPECT_EQ(streamed(ids), tokenizer_->decode(ids));
}

// Kept special tokens do end the run, as in HF's decode(skip=False).
TEST_F(TextStreamTest, KeptSpecialTokenEndsTheRun) {
  const std::vector<int64_t> ids = {3, 2, 4, 7};
  EXPECT_EQ(tokenizer_->decode(ids, /*skipSpecialTokens=*/false),
            "+<unk>\xEF\xBF\xBD a");
  TextStream stream(*tokenizer_, /*skipSpecialTokens=*/false);
  std::string shown;
  for (int64_t id : ids)
    shown += stream.add(id);
  EXPECT_EQ(shown + stream.finish(), "+<unk>\xEF\xBF\xBD a");
}

// A stream that only ever grows: what add shows is final.
TEST_F(TextStreamTest, ShowsWordsAsTheyCome) {
  TextStream stream(*tokenizer_);
  EXPECT_EQ(stream.add(7), "a");
  EXPECT_EQ(stream.add(7), " a");
  EXPECT_EQ(stream.add(4), "");
  EXPECT_EQ(stream.add(5), "");
  EXPECT_EQ(stream.add(6), "");
  EXPECT_EQ(stream.add(7), "\xE2\x82\xAC a");
  EXPECT_EQ(stream.finish(), "");
}

} // namespace
