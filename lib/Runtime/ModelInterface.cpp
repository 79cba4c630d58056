//===- ModelInterface.cpp - A compiled model's interface as data ----------===//

#include "hybrid/Runtime/ModelInterface.h"

#include "hybrid/Support/Json.h"

using namespace mlir::hybrid;
using json::Value;

ModelCode::~ModelCode() = default;

const char *mlir::hybrid::stringifyArgumentKind(ArgumentKind role) {
  switch (role) {
  case ArgumentKind::Ids: return "ids";
  case ArgumentKind::Positions: return "positions";
  case ArgumentKind::Extent: return "extent";
  case ArgumentKind::State: return "state";
  case ArgumentKind::Zeros: return "zeros";
  case ArgumentKind::Weight: return "weight";
  }
  return "weight";
}

int64_t ProgramFunction::inPlaceArgument(size_t s) const {
  if (!stateInPlace || s >= stateResults.size() || 1 + s >= signature.results.size())
    return -1;
  const TensorSignature &result = signature.results[1 + s];
  for (size_t i = 0; i < arguments.size() && i < signature.args.size(); ++i)
    if (arguments[i].kind == ArgumentKind::State && arguments[i].name == stateResults[s] &&
        signature.args[i].shape == result.shape && signature.args[i].dtype == result.dtype)
      return static_cast<int64_t>(i);
  return -1;
}

const ProgramFunction *ModelInterface::find(int64_t batch, int64_t tokens,
                                            bool firstCall) const {
  for (const ProgramFunction &fn : functions)
    if (fn.batch == batch && fn.tokens == tokens && fn.firstCall == firstCall)
      return &fn;
  return nullptr;
}

namespace {
Value shapeValue(const std::vector<int64_t> &shape) {
  std::vector<Value> dims;
  for (int64_t d : shape)
    dims.push_back(Value::makeInteger(d));
  return Value::makeArray(std::move(dims));
}

Value tensorValue(const TensorSignature &t) {
  return Value::makeObject({{"shape", shapeValue(t.shape)},
                            {"dtype", Value::makeString(stringifyDType(t.dtype))}});
}

/// Reads JSON fields, naming the one that is missing or wrong.
struct Reader {
  std::string &error;
  bool fail(const std::string &field, const std::string &what) {
    error = field.empty() ? what : "'" + field + "' " + what;
    return false;
  }
  bool integer(const Value &object, const std::string &field, const std::string &key,
               int64_t &out, int64_t min = 0) {
    const Value *v = object.get(key);
    if (!v || !v->asInteger() || *v->asInteger() < min)
      return fail(field + key, "must be an integer >= " + std::to_string(min));
    out = *v->asInteger();
    return true;
  }
  bool string(const Value &object, const std::string &field, const std::string &key,
              std::string &out) {
    const Value *v = object.get(key);
    if (!v || !v->isString())
      return fail(field + key, "must be a string");
    out = v->string;
    return true;
  }
  bool sizes(const Value &object, const std::string &field, const std::string &key,
             std::vector<int64_t> &out) {
    const Value *v = object.get(key);
    if (!v || !v->isArray())
      return fail(field + key, "must be a list of non-negative integers");
    out.clear();
    for (const Value &d : v->array) {
      if (!d.asInteger() || *d.asInteger() < 0)
        return fail(field + key, "must be a list of non-negative integers");
      out.push_back(*d.asInteger());
    }
    return true;
  }
  bool shape(const Value &object, const std::string &field, std::vector<int64_t> &out) {
    return sizes(object, field, "shape", out);
  }
  bool dtype(const Value &object, const std::string &field, DType &out) {
    std::string text;
    if (!string(object, field, "dtype", text))
      return false;
    for (DType d : {DType::F32, DType::I32, DType::I64, DType::BF16})
      if (text == stringifyDType(d)) {
        out = d;
        return true;
      }
    return fail(field + "dtype", "must be f32, bf16, i32 or i64, got '" + text + "'");
  }
  bool tensor(const Value &object, const std::string &field, TensorSignature &out) {
    if (!object.isObject())
      return fail(field, "must be an object");
    return shape(object, field + ".", out.shape) && dtype(object, field + ".", out.dtype);
  }
};
} // namespace

std::string ModelInterface::toJson() const {
  Value top = Value::makeObject();
  top.set("model", Value::makeString(model));
  top.set("model_type", Value::makeString(modelType));
  top.set("vocab_size", Value::makeInteger(vocabSize));
  top.set("max_tokens", Value::makeInteger(maxTokens));
  top.set("chunk_sizes", shapeValue(chunkSizes));
  top.set("cpu", Value::makeString(cpu));
  top.set("features", Value::makeString(features));
  if (target != "cpu") { // CPU manifests read as before
    top.set("target", Value::makeString(target));
    top.set("gpu_chip", Value::makeString(gpuChip));
  }
  std::vector<Value> list;
  for (const ProgramFunction &fn : functions) {
    Value f = Value::makeObject();
    f.set("symbol", Value::makeString(fn.symbol));
    f.set("batch", Value::makeInteger(fn.batch));
    f.set("tokens", Value::makeInteger(fn.tokens));
    f.set("first_call", Value::makeBool(fn.firstCall));
    if (fn.stateInPlace)
      f.set("state_in_place", Value::makeBool(true));
    std::vector<Value> args;
    for (size_t i = 0; i < fn.arguments.size(); ++i) {
      const ProgramArgument &a = fn.arguments[i];
      Value arg = Value::makeObject();
      arg.set("role", Value::makeString(stringifyArgumentKind(a.kind)));
      if (!a.name.empty())
        arg.set("name", Value::makeString(a.name));
      if (!a.initialWeight.empty())
        arg.set("initial_weight", Value::makeString(a.initialWeight));
      arg.set("shape", shapeValue(a.shape));
      arg.set("dtype", Value::makeString(stringifyDType(a.dtype)));
      if (a.panelRows > 0)
        arg.set("panel_rows", Value::makeInteger(a.panelRows));
      args.push_back(std::move(arg));
    }
    f.set("arguments", Value::makeArray(std::move(args)));
    std::vector<Value> results;
    for (size_t r = 0; r < fn.signature.results.size(); ++r) {
      Value result = tensorValue(fn.signature.results[r]);
      if (r > 0)
        result.set("state", Value::makeString(fn.stateResults[r - 1]));
      results.push_back(std::move(result));
    }
    f.set("results", Value::makeArray(std::move(results)));
    list.push_back(std::move(f));
  }
  top.set("functions", Value::makeArray(std::move(list)));
  return json::write(top);
}

bool ModelInterface::fromJson(const std::string &text, ModelInterface &out,
                              std::string &error) {
  Value top;
  std::string jsonError;
  if (!json::parse(text, top, jsonError)) {
    error = "malformed JSON (" + jsonError + ")";
    return false;
  }
  Reader read{error};
  out = ModelInterface();
  if (!top.isObject())
    return read.fail("", "the manifest must be an object");
  if (!read.string(top, "", "model", out.model) ||
      !read.string(top, "", "model_type", out.modelType) ||
      !read.integer(top, "", "vocab_size", out.vocabSize, 1) ||
      !read.integer(top, "", "max_tokens", out.maxTokens, 1) ||
      !read.sizes(top, "", "chunk_sizes", out.chunkSizes) ||
      !read.string(top, "", "cpu", out.cpu) ||
      !read.string(top, "", "features", out.features))
    return false;
  if (top.get("target")) {
    if (!read.string(top, "", "target", out.target))
      return false;
    if (out.target != "cpu" && out.target != "cuda")
      return read.fail("target", "must be \"cpu\" or \"cuda\", got '" + out.target + "'");
    if (out.target == "cuda" && (!read.string(top, "", "gpu_chip", out.gpuChip) ||
                                 out.gpuChip.rfind("sm_", 0) != 0))
      return read.fail("gpu_chip", "must name the GPU the kernels were compiled for (sm_80, ...)");
  }
  const Value *functions = top.get("functions");
  if (!functions || !functions->isArray() || functions->array.empty())
    return read.fail("functions", "must be a non-empty list");
  for (size_t i = 0; i < functions->array.size(); ++i) {
    const Value &f = functions->array[i];
    const std::string field = "functions[" + std::to_string(i) + "].";
    if (!f.isObject())
      return read.fail(field, "must be an object");
    ProgramFunction fn;
    const Value *first = f.get("first_call");
    if (!read.string(f, field, "symbol", fn.symbol) ||
        !read.integer(f, field, "batch", fn.batch, 1) ||
        !read.integer(f, field, "tokens", fn.tokens, 1))
      return false;
    if (!first || first->kind != Value::Kind::Bool)
      return read.fail(field + "first_call", "must be true or false");
    fn.firstCall = first->boolean;
    if (const Value *inPlace = f.get("state_in_place")) {
      if (inPlace->kind != Value::Kind::Bool)
        return read.fail(field + "state_in_place", "must be true or false");
      fn.stateInPlace = inPlace->boolean;
    }
    const Value *args = f.get("arguments"), *results = f.get("results");
    if (!args || !args->isArray())
      return read.fail(field + "arguments", "must be a list");
    if (!results || !results->isArray() || results->array.empty())
      return read.fail(field + "results", "must be a non-empty list");
    for (size_t a = 0; a < args->array.size(); ++a) {
      const Value &arg = args->array[a];
      const std::string argField = field + "arguments[" + std::to_string(a) + "]";
      ProgramArgument p;
      TensorSignature t;
      std::string role;
      if (!read.tensor(arg, argField, t) || !read.string(arg, argField + ".", "role", role))
        return false;
      bool known = false;
      for (ArgumentKind r : {ArgumentKind::Ids, ArgumentKind::Positions, ArgumentKind::Extent,
                             ArgumentKind::State, ArgumentKind::Zeros, ArgumentKind::Weight})
        if (role == stringifyArgumentKind(r)) {
          p.kind = r;
          known = true;
        }
      if (!known)
        return read.fail(argField + ".role", "must be ids, positions, extent, state, "
                                             "zeros or weight, got '" + role + "'");
      if ((p.kind == ArgumentKind::Weight || p.kind == ArgumentKind::State) &&
          !read.string(arg, argField + ".", "name", p.name))
        return false;
      if (const Value *init = arg.get("initial_weight"))
        p.initialWeight = init->asString().value_or("");
      p.shape = t.shape;
      p.dtype = t.dtype;
      if (arg.get("panel_rows")) {
        if (!read.integer(arg, argField + ".", "panel_rows", p.panelRows, 1))
          return false;
        if (p.kind != ArgumentKind::Weight || p.dtype != DType::F32 || p.shape.size() != 2 ||
            p.shape[0] % p.panelRows != 0)
          return read.fail(argField + ".panel_rows",
                           "is only for an f32 weight [N, K] with N a multiple of it");
        t.panelRows = p.panelRows;
      }
      fn.arguments.push_back(p);
      fn.signature.args.push_back(t);
    }
    for (size_t r = 0; r < results->array.size(); ++r) {
      const std::string resultField = field + "results[" + std::to_string(r) + "]";
      TensorSignature t;
      if (!read.tensor(results->array[r], resultField, t))
        return false;
      if (r > 0) {
        std::string state;
        if (!read.string(results->array[r], resultField + ".", "state", state))
          return false;
        fn.stateResults.push_back(state);
      }
      fn.signature.results.push_back(t);
    }
    // The manifest must agree with the code's own shapes: ids [batch,
    // tokens] in, logits [batch, tokens, vocab_size] out. (A vocab_size
    // edited past the embedding would let ids outside it through.)
    const std::vector<int64_t> logits = fn.signature.results[0].shape;
    if (logits != std::vector<int64_t>{fn.batch, fn.tokens, out.vocabSize})
      return read.fail(field + "results[0]",
                       "(the logits) must be [batch, tokens, vocab_size] = [" +
                           std::to_string(fn.batch) + ", " + std::to_string(fn.tokens) + ", " +
                           std::to_string(out.vocabSize) + "]");
    for (const ProgramArgument &arg : fn.arguments)
      if (arg.kind == ArgumentKind::Ids && arg.shape != std::vector<int64_t>{fn.batch, fn.tokens})
        return read.fail(field + "arguments", "the ids must be [batch, tokens]");
    if (fn.tokens > out.maxTokens)
      return read.fail(field + "tokens", "must be at most max_tokens");
    out.functions.push_back(std::move(fn));
  }
  return true;
}
