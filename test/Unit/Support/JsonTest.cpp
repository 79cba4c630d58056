//===- JsonTest.cpp - The runtime's JSON reader and writer ----------------===//
//
// Against hand-written documents: every kind of value, escapes (\u with
// surrogate pairs), integers kept exact beyond 2^53, members in file order,
// errors with line and column, and write() parsing back to the same value.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/Json.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

TEST(Json, ReadsEveryKindOfValue) {
  json::Value v;
  std::string error;
  ASSERT_TRUE(json::parse(R"( {"b": true, "n": null, "i": -9007199254740993,
      "x": 2.5e-1, "s": "a\"\\\n\u00e9\ud83d\ude00", "a": [1, [], {}]} )",
                          v, error))
      << error;
  ASSERT_TRUE(v.isObject());
  ASSERT_EQ(v.object.size(), 6u);
  EXPECT_EQ(v.object[0].first, "b"); // file order
  EXPECT_TRUE(v.get("b")->boolean);
  EXPECT_TRUE(v.get("n")->isNull());
  EXPECT_EQ(v.get("i")->asInteger(), -9007199254740993LL); // not rounded to a double
  EXPECT_EQ(v.get("x")->kind, json::Value::Kind::Number);
  EXPECT_DOUBLE_EQ(v.get("x")->number, 0.25);
  EXPECT_FALSE(v.get("x")->asInteger());
  EXPECT_EQ(*v.get("s")->asString(), "a\"\\\n\xc3\xa9\xf0\x9f\x98\x80");
  ASSERT_EQ(v.get("a")->array.size(), 3u);
  EXPECT_EQ(v.get("a")->array[0].asInteger(), 1);
  EXPECT_EQ(v.get("missing"), nullptr);
}

TEST(Json, WriteParsesBackToTheSameValue) {
  json::Value v = json::Value::makeObject();
  v.set("name", json::Value::makeString("tab\there \"q\""));
  v.set("shape", json::Value::makeArray({json::Value::makeInteger(2),
                                         json::Value::makeInteger(1LL << 60)}));
  v.set("ok", json::Value::makeBool(false));
  const std::string text = json::write(v);
  EXPECT_EQ(text, R"({"name":"tab\there \"q\"","shape":[2,1152921504606846976],"ok":false})");
  json::Value back;
  std::string error;
  ASSERT_TRUE(json::parse(text, back, error)) << error;
  EXPECT_EQ(json::write(back), text);
}

TEST(Json, ErrorsNameTheLineAndColumn) {
  struct Case {
    const char *text, *message;
  } cases[] = {
      {"{\"a\": 1,\n  \"b\" 2}", "line 2, column 7: expected ':' after the member name"},
      {"[1, ", "line 1, column 5: expected a value, found the end of the text"},
      {"[1, 2", "line 1, column 6: expected ',' or ']' in an array"},
      {"[1 2]", "line 1, column 4: expected ',' or ']' in an array"},
      {"\"abc", "line 1, column 5: unterminated string"},
      {"{} x", "line 1, column 4: unexpected text after the value"},
      {"-", "line 1, column 2: expected digits"},
      {"\"\\q\"", "line 1, column 4: unknown escape '\\q'"},
  };
  for (const Case &c : cases) {
    json::Value v;
    std::string error;
    EXPECT_FALSE(json::parse(c.text, v, error)) << c.text;
    EXPECT_EQ(error, c.message) << c.text;
  }
  // Nesting deep enough to exhaust the stack is refused.
  json::Value v;
  std::string error;
  EXPECT_FALSE(json::parse(std::string(100000, '['), v, error));
  EXPECT_NE(error.find("nested deeper than 256 levels"), std::string::npos) << error;
}

TEST(Json, PythonFloatLiteralsBecomeTransformers5Objects) {
  // transformers 4.x's config.json: json.dump writes inf as a bare Infinity.
  const std::string text =
      R"({"limit": [0.0, Infinity], "low": -Infinity, "x": NaN,)"
      R"( "s": "Infinity \" NaN", "n": 1})";
  EXPECT_EQ(json::fromPythonJson(text),
            R"({"limit": [0.0, {"__float__": "Infinity"}], )"
            R"("low": {"__float__": "-Infinity"}, "x": {"__float__": "NaN"},)"
            R"( "s": "Infinity \" NaN", "n": 1})");
  json::Value v;
  std::string error;
  ASSERT_TRUE(json::parse(json::fromPythonJson(text), v, error)) << error;
  EXPECT_EQ(*v.get("s")->asString(), "Infinity \" NaN"); // strings untouched
  EXPECT_EQ(*v.get("low")->get("__float__")->asString(), "-Infinity");
  // Standard JSON passes through unchanged.
  const std::string plain = R"({"a": [1, -2.5e3, "NaN"]})";
  EXPECT_EQ(json::fromPythonJson(plain), plain);
}

TEST(Json, NestingDepthIsBoundedBeforeParsing) {
  // 256 levels pass, 257 do not; brackets inside strings do not count.
  const std::string ok = std::string(256, '[') + std::string(256, ']');
  const std::string deep = std::string(257, '[') + std::string(257, ']');
  std::string error;
  EXPECT_TRUE(json::checkNestingDepth(ok, error));
  EXPECT_TRUE(json::checkNestingDepth("[\"" + std::string(1000, '[') + "\"]", error));
  EXPECT_FALSE(json::checkNestingDepth(deep, error));
  EXPECT_EQ(error, "nested deeper than 256 levels");
  json::Value value;
  EXPECT_FALSE(json::parse(deep, value, error));
}

TEST(Json, NumbersWrittenLikeIntegersStayNumbers) {
  // Found by fuzz-json: -0E4 was written "-0" and read back as the integer 0.
  json::Value value, again;
  std::string error;
  ASSERT_TRUE(json::parse("[-0E4, 1e2, 2.5]", value, error)) << error;
  const std::string written = json::write(value);
  EXPECT_EQ(written, "[-0.0,100.0,2.5]");
  ASSERT_TRUE(json::parse(written, again, error)) << error;
  EXPECT_EQ(json::write(again), written);
  EXPECT_EQ(again.array[0].kind, json::Value::Kind::Number);
}
