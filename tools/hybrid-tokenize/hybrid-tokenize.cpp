//===- hybrid-tokenize.cpp - A checkpoint's tokenizer.json from the shell -===//
//
//   hybrid-tokenize DIR_OR_TOKENIZER_JSON TEXT...        ids of each text
//   hybrid-tokenize DIR_OR_TOKENIZER_JSON --decode 1,2,3 the text of ids
//   hybrid-tokenize DIR_OR_TOKENIZER_JSON --json FILE    a JSON list of texts
//       in, {"ids": [[...], ...], "decoded": [...]} out (tests compare it
//       with HF's tokenizers)
//
// --no-special-tokens encodes without the post-processor's tokens;
// --keep-special-tokens decodes special tokens too. The same tokenizer
// hybrid-run --prompt uses (docs/text.md).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/Json.h"
#include "hybrid/Support/PrintableText.h"
#include "hybrid/Text/Tokenizer.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace mlir::hybrid;

namespace {

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "hybrid-tokenize: error: %s\n", printableText(message).c_str());
  return 1;
}

int usage() {
  return fail("usage: hybrid-tokenize DIR_OR_TOKENIZER_JSON [--no-special-tokens] "
              "[--keep-special-tokens] (TEXT... | --decode ID,ID,... | --json FILE)");
}

std::string idList(const std::vector<int64_t> &ids) {
  std::string out;
  for (size_t n = 0; n < ids.size(); ++n)
    out += (n ? " " : "") + std::to_string(ids[n]);
  return out;
}

bool parseIds(const std::string &text, std::vector<int64_t> &ids, std::string &error) {
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    long long id = -1;
    try {
      id = std::stoll(item, &used);
    } catch (...) {
      used = 0;
    }
    if (used == 0 || used != item.size() || id < 0) {
      error = "--decode: '" + item + "' is not a token id (a non-negative integer)";
      return false;
    }
    ids.push_back(id);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h")
    return usage();
  bool specialTokens = true, skipSpecial = true;
  std::string decodeIds, jsonFile;
  bool decodeGiven = false;
  std::vector<std::string> texts;
  for (size_t n = 1; n < args.size(); ++n) {
    const std::string &arg = args[n];
    if (arg == "--no-special-tokens")
      specialTokens = false;
    else if (arg == "--keep-special-tokens")
      skipSpecial = false;
    else if ((arg == "--decode" || arg == "--json") && n + 1 < args.size())
      (arg == "--decode" ? (decodeGiven = true, decodeIds) : jsonFile) = args[++n];
    else if (arg == "--decode" || arg == "--json")
      return fail(arg + " needs a value");
    else if (arg == "--")
      texts.insert(texts.end(), args.begin() + n + 1, args.end()), n = args.size();
    else if (arg.size() > 1 && arg[0] == '-' && arg[1] == '-')
      return fail("unknown option '" + arg + "' (texts that start with -- go after --)");
    else
      texts.push_back(arg);
  }
  if (decodeGiven + !jsonFile.empty() + !texts.empty() != 1)
    return usage();

  std::string error;
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::load(args[0], error);
  if (!tokenizer)
    return fail(error);

  if (decodeGiven) {
    std::vector<int64_t> ids;
    if (!parseIds(decodeIds, ids, error))
      return fail(error);
    // fwrite: decoded text may hold NUL bytes.
    const std::string text = tokenizer->decode(ids, skipSpecial) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (!texts.empty()) {
    for (const std::string &text : texts) {
      std::vector<int64_t> ids;
      if (!tokenizer->encode(text, ids, error, specialTokens))
        return fail(error);
      std::printf("%s\n", idList(ids).c_str());
    }
    return 0;
  }
  std::ifstream file(jsonFile, std::ios::binary);
  if (!file)
    return fail(jsonFile + ": cannot open");
  std::stringstream contents;
  contents << file.rdbuf();
  json::Value list;
  if (!json::parse(contents.str(), list, error))
    return fail(jsonFile + ": " + error);
  if (!list.isArray())
    return fail(jsonFile + ": expected a JSON list of strings");
  json::Value allIds = json::Value::makeArray({}), decoded = json::Value::makeArray({});
  for (size_t n = 0; n < list.array.size(); ++n) {
    if (!list.array[n].isString())
      return fail(jsonFile + ": item " + std::to_string(n) + " is not a string");
    std::vector<int64_t> ids;
    if (!tokenizer->encode(list.array[n].string, ids, error, specialTokens))
      return fail(jsonFile + ": item " + std::to_string(n) + ": " + error);
    json::Value row = json::Value::makeArray({});
    for (int64_t id : ids)
      row.array.push_back(json::Value::makeInteger(id));
    allIds.array.push_back(std::move(row));
    decoded.array.push_back(json::Value::makeString(tokenizer->decode(ids, skipSpecial)));
  }
  json::Value out = json::Value::makeObject();
  out.set("ids", std::move(allIds));
  out.set("decoded", std::move(decoded));
  std::printf("%s\n", json::write(out).c_str());
  return 0;
}
