//===- Json.cpp - A small JSON reader and writer in plain C++ -------------===//

#include "hybrid/Support/Json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir::hybrid;
using json::Value;

const Value *Value::get(const std::string &key) const {
  for (const auto &[name, value] : object)
    if (name == key)
      return &value;
  return nullptr;
}

std::optional<int64_t> Value::asInteger() const {
  if (kind != Kind::Integer)
    return std::nullopt;
  return integer;
}

std::optional<std::string> Value::asString() const {
  if (kind != Kind::String)
    return std::nullopt;
  return string;
}

Value Value::makeInteger(int64_t v) {
  Value out;
  out.kind = Kind::Integer;
  out.integer = v;
  out.number = double(v);
  return out;
}

Value Value::makeString(std::string v) {
  Value out;
  out.kind = Kind::String;
  out.string = std::move(v);
  return out;
}

Value Value::makeBool(bool v) {
  Value out;
  out.kind = Kind::Bool;
  out.boolean = v;
  return out;
}

Value Value::makeArray(std::vector<Value> v) {
  Value out;
  out.kind = Kind::Array;
  out.array = std::move(v);
  return out;
}

Value Value::makeObject(std::vector<std::pair<std::string, Value>> v) {
  Value out;
  out.kind = Kind::Object;
  out.object = std::move(v);
  return out;
}

void Value::set(std::string key, Value value) {
  object.emplace_back(std::move(key), std::move(value));
}

namespace {
class Parser {
public:
  Parser(const std::string &text, std::string &error) : text(text), error(error) {}

  bool document(Value &out) {
    if (!value(out, 0))
      return false;
    skipSpace();
    if (at < text.size())
      return fail("unexpected text after the value");
    return true;
  }

private:
  const std::string &text;
  std::string &error;
  size_t at = 0;
  // Deeper documents are refused rather than allowed to exhaust the stack.
  static constexpr int kMaxDepth = json::kMaxNestingDepth;

  bool fail(const std::string &why) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error = "line " + std::to_string(line) + ", column " + std::to_string(column) +
            ": " + why;
    return false;
  }
  void skipSpace() {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
      ++at;
  }
  bool literal(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text.compare(at, n, word) != 0)
      return false;
    at += n;
    return true;
  }

  bool value(Value &out, int depth) {
    skipSpace();
    if (at >= text.size())
      return fail("expected a value, found the end of the text");
    char c = text[at];
    // `depth` arrays and objects enclose this value: a container here is
    // level depth + 1 (checkNestingDepth counts the same way).
    if ((c == '{' || c == '[') && depth >= kMaxDepth)
      return fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (c == '{')
      return object(out, depth);
    if (c == '[')
      return array(out, depth);
    if (c == '"') {
      out.kind = Value::Kind::String;
      return string(out.string);
    }
    if (literal("true")) {
      out = Value::makeBool(true);
      return true;
    }
    if (literal("false")) {
      out = Value::makeBool(false);
      return true;
    }
    if (literal("null")) {
      out = Value();
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
      return number(out);
    return fail(std::string("unexpected character '") + c + "'");
  }

  bool object(Value &out, int depth) {
    out = Value::makeObject();
    ++at; // {
    skipSpace();
    if (at < text.size() && text[at] == '}') {
      ++at;
      return true;
    }
    while (true) {
      skipSpace();
      if (at >= text.size() || text[at] != '"')
        return fail("expected a member name in quotes");
      std::string key;
      if (!string(key))
        return false;
      skipSpace();
      if (at >= text.size() || text[at] != ':')
        return fail("expected ':' after the member name");
      ++at;
      Value member;
      if (!value(member, depth + 1))
        return false;
      out.object.emplace_back(std::move(key), std::move(member));
      skipSpace();
      if (at < text.size() && text[at] == ',') {
        ++at;
        continue;
      }
      if (at < text.size() && text[at] == '}') {
        ++at;
        return true;
      }
      return fail("expected ',' or '}' in an object");
    }
  }

  bool array(Value &out, int depth) {
    out = Value::makeArray({});
    ++at; // [
    skipSpace();
    if (at < text.size() && text[at] == ']') {
      ++at;
      return true;
    }
    while (true) {
      Value element;
      if (!value(element, depth + 1))
        return false;
      out.array.push_back(std::move(element));
      skipSpace();
      if (at < text.size() && text[at] == ',') {
        ++at;
        continue;
      }
      if (at < text.size() && text[at] == ']') {
        ++at;
        return true;
      }
      return fail("expected ',' or ']' in an array");
    }
  }

  static void appendUtf8(std::string &out, uint32_t code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  bool hex4(uint32_t &code) {
    if (at + 4 > text.size())
      return fail("a \\u escape needs four hex digits");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text[at++];
      code <<= 4;
      if (h >= '0' && h <= '9')
        code |= uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f')
        code |= uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        code |= uint32_t(h - 'A' + 10);
      else
        return fail("a \\u escape needs four hex digits");
    }
    return true;
  }

  bool string(std::string &out) {
    ++at; // "
    while (at < text.size()) {
      char c = text[at++];
      if (c == '"')
        return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("a control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at >= text.size())
        break;
      char e = text[at++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t code;
        if (!hex4(code))
          return false;
        if (code >= 0xD800 && code < 0xDC00 && text.compare(at, 2, "\\u") == 0) {
          at += 2;
          uint32_t low;
          if (!hex4(low))
            return false;
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, code);
        break;
      }
      default:
        return fail(std::string("unknown escape '\\") + e + "'");
      }
    }
    return fail("unterminated string");
  }

  bool number(Value &out) {
    size_t start = at;
    if (text[at] == '-')
      ++at;
    bool integral = true;
    auto digits = [&] {
      size_t from = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9')
        ++at;
      return at > from;
    };
    if (!digits())
      return fail("expected digits");
    if (at < text.size() && text[at] == '.') {
      integral = false;
      ++at;
      if (!digits())
        return fail("expected digits after '.'");
    }
    if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
      integral = false;
      ++at;
      if (at < text.size() && (text[at] == '+' || text[at] == '-'))
        ++at;
      if (!digits())
        return fail("expected digits in the exponent");
    }
    std::string literalText = text.substr(start, at - start);
    if (integral) {
      errno = 0;
      char *end = nullptr;
      long long v = std::strtoll(literalText.c_str(), &end, 10);
      if (errno == 0) {
        out = Value::makeInteger(v);
        return true;
      }
      // Beyond int64: kept as a double like any other number.
    }
    out = Value();
    out.kind = Value::Kind::Number;
    out.number = std::strtod(literalText.c_str(), nullptr);
    return true;
  }
};

void writeString(const std::string &s, std::string &out) {
  out += '"';
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void writeValue(const Value &value, std::string &out) {
  switch (value.kind) {
  case Value::Kind::Null: out += "null"; return;
  case Value::Kind::Bool: out += value.boolean ? "true" : "false"; return;
  case Value::Kind::Integer: out += std::to_string(value.integer); return;
  case Value::Kind::Number: {
    if (!std::isfinite(value.number)) {
      out += "null";
      return;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value.number);
    out += buffer;
    // A number written like an integer ("-0" for -0E4) would read back as
    // an Integer: keep it a Number.
    if (std::string(buffer).find_first_of(".en") == std::string::npos)
      out += ".0";
    return;
  }
  case Value::Kind::String: writeString(value.string, out); return;
  case Value::Kind::Array:
    out += '[';
    for (size_t i = 0; i < value.array.size(); ++i) {
      if (i)
        out += ',';
      writeValue(value.array[i], out);
    }
    out += ']';
    return;
  case Value::Kind::Object:
    out += '{';
    for (size_t i = 0; i < value.object.size(); ++i) {
      if (i)
        out += ',';
      writeString(value.object[i].first, out);
      out += ':';
      writeValue(value.object[i].second, out);
    }
    out += '}';
    return;
  }
}
} // namespace

bool json::parse(const std::string &text, Value &out, std::string &error) {
  return Parser(text, error).document(out);
}

bool json::checkNestingDepth(const std::string &text, std::string &error) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNestingDepth) {
        error = "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels";
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth; // unbalanced text fails in the parser, before any recursion
    }
  }
  return true;
}

std::string json::fromPythonJson(const std::string &text) {
  std::string out;
  out.reserve(text.size());
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (const char *token : {"-Infinity", "Infinity", "NaN"}) {
      const size_t n = std::char_traits<char>::length(token);
      if (text.compare(i, n, token) == 0) {
        out += std::string("{\"__float__\": \"") + token + "\"}";
        i += n - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced)
      out += c;
  }
  return out;
}

std::string json::write(const Value &value) {
  std::string out;
  writeValue(value, out);
  return out;
}
