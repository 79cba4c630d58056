//===- Model.cpp - Loading a model and generating with carried state ------===//

#include "hybrid/Runtime/Model.h"

#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Runtime/JitModule.h"
#include "hybrid/Support/RandomWeights.h"
#include "hybrid/Support/Checkpoint.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <algorithm>


using namespace mlir;
using namespace mlir::hybrid;

int64_t StateInfo::bytes() const {
  return numElements(shape) * (dtype == DType::I64 ? 8 : 4);
}

struct Model::ContextHolder {
  ContextHolder() : context(makeRegistry()) {}
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerCPUPipelineDialects(registry);
    return registry;
  }
  MLIRContext context;
};

/// One imported (and, for the CPU, compiled) @forward and what each of its
/// arguments and results is.
struct Model::Compiled {
  enum class Role { Ids, Positions, State, Zeros, Weight };
  struct Argument {
    Role role;
    std::string name; // state or weight name
    std::string initialWeight; // a state's starting value (empty: zeros)
    std::vector<int64_t> shape;
    DType dtype;
  };
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<JitModule> jit;
  std::vector<Argument> arguments;
  /// Result 0 is the logits; then one name per state result.
  std::vector<std::string> stateResults;
};

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string &description,
                                   const Weights &weights, Target target,
                                   std::string &error, int64_t maxTokens) {
  std::unique_ptr<Model> model(new Model());
  model->maxTokens = maxTokens;
  model->description = description;
  model->weights = weights;
  model->target = target;
  model->context = std::make_unique<ContextHolder>();
  // Import once now so that a bad description or checkpoint fails here.
  if (!model->function(1, 1, /*firstCall=*/false, error))
    return nullptr;
  return model;
}

Model::Compiled *Model::function(int64_t batch, int64_t tokens, bool firstCall,
                                 std::string &error) {
  auto key = std::make_tuple(batch, tokens, firstCall);
  if (auto it = compiled.find(key); it != compiled.end())
    return it->second.get();
  auto entry = std::make_unique<Compiled>();
  ModelInputShape shape{batch, tokens};
  shape.carryState = true;
  shape.maxTokens = maxTokens;
  shape.firstCall = firstCall;
  ModelInfo info;
  // The checkpoint's names tell the importer which of HF's layouts the
  // weights are in; its tensors are read once, on the first import.
  std::unique_ptr<Checkpoint> checkpoint;
  if (!weights.file.empty() && weightValues.empty()) {
    checkpoint = Checkpoint::open(weights.file, error);
    if (!checkpoint)
      return nullptr;
    checkpointNames = checkpoint->names();
  }
  entry->module = importModel(&context->context, description, shape, info, error,
                              weights.file.empty() ? nullptr : &checkpointNames);
  if (!entry->module)
    return nullptr;
  vocab = info.vocabSize;
  auto func = entry->module->lookupSymbol<func::FuncOp>("forward");
  const bool drawWeights = weightValues.empty();
  FunctionSignatureRoles roles = readSignature(func);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
    const ArgumentSignature &role = roles.arguments[i];
    Compiled::Argument arg;
    arg.shape.assign(type.getShape().begin(), type.getShape().end());
    arg.dtype = type.getElementType().isF32() ? DType::F32 : DType::I64;
    arg.name = role.name;
    if (i == 0) {
      arg.role = Compiled::Role::Ids;
    } else if (role.role == ArgumentRole::Positions) {
      arg.role = Compiled::Role::Positions;
    } else if (role.role == ArgumentRole::State) {
      arg.role = Compiled::Role::State;
      arg.initialWeight = role.initialWeight;
    } else if (role.role == ArgumentRole::Weight) {
      arg.role = Compiled::Role::Weight;
      // Weights are read (or drawn, per name as hybrid-run does) once:
      // every token count shares them.
      if (drawWeights) {
        HostTensor value;
        if (checkpoint) {
          if (!checkpoint->read(arg.name, value, error, arg.shape))
            return nullptr;
        } else {
          value = randomWeight(arg.name, arg.shape,
                               weights.seed < 0 ? 0 : weights.seed);
        }
        weightValues[arg.name] = std::move(value);
      }
    } else if (role.role == ArgumentRole::Input && role.zerosByDefault) {
      arg.role = Compiled::Role::Zeros;
    } else {
      error = description + ": argument " + std::to_string(i) +
              " of the model is neither ids, state nor weight";
      return nullptr;
    }
    entry->arguments.push_back(std::move(arg));
  }
  for (unsigned r = 1; r < func.getNumResults(); ++r)
    if (!roles.resultStates[r].empty())
      entry->stateResults.push_back(roles.resultStates[r]);
  if (target == Target::CPU) {
    OwningOpRef<ModuleOp> lowered = entry->module->clone();
    entry->jit = JitModule::compile(*lowered, error);
    if (!entry->jit)
      return nullptr;
  }
  Compiled *result = entry.get();
  compiled[key] = std::move(entry);
  ++compiles;
  return result;
}

std::vector<int64_t> Model::chunkSizes() const {
  std::vector<int64_t> sizes;
  for (int64_t size : kChunkSizes)
    if (size == 1 || size <= maxTokens)
      sizes.push_back(size);
  return sizes;
}

std::unique_ptr<Session> Model::newSession(int64_t batch, std::string &error) {
  // Every function a session can call is compiled now, so that no prompt
  // length compiles anything later: each chunk size continuing from state,
  // and the largest as a session's first call.
  const std::vector<int64_t> sizes = chunkSizes();
  Compiled *step = nullptr;
  for (int64_t size : sizes) {
    Compiled *fn = function(batch, size, /*firstCall=*/false, error);
    if (!fn)
      return nullptr;
    if (size == 1)
      step = fn;
  }
  if (sizes.front() > 1 && !function(batch, sizes.front(), /*firstCall=*/true, error))
    return nullptr;
  std::unique_ptr<Session> session(new Session(*this, batch));
  for (const Compiled::Argument &arg : step->arguments)
    if (arg.role == Compiled::Role::State)
      session->layout.push_back({arg.name, arg.shape, arg.dtype, arg.initialWeight});
  session->reset();
  return session;
}

bool Session::prefill(const HostTensor &ids, HostTensor &logits,
                      std::string &error) {
  if (ids.isFloat() || ids.rank() != 2 || ids.dim(0) != batch || ids.dim(1) < 1) {
    error = "session: expected token ids [" + std::to_string(batch) +
            ", n] (int32 or int64), got " + ids.typeString();
    return false;
  }
  for (int64_t n = 0; n < ids.numel(); ++n)
    if (model.vocab > 0 && (ids.ints()[n] < 0 || ids.ints()[n] >= model.vocab)) {
      error = "session: token id " + std::to_string(ids.ints()[n]) +
              " is outside the vocabulary [0, " + std::to_string(model.vocab) + ")";
      return false;
    }
  const int64_t count = ids.dim(1);
  if (position + count > model.maxTokens) {
    error = "session: the context is full: " + std::to_string(position) + " + " +
            std::to_string(count) + " tokens exceed maxTokens " +
            std::to_string(model.maxTokens) + " (Model::load)";
    return false;
  }
  // The tokens run in chunks of the compiled sizes, largest first (a prompt
  // of 300 with sizes 128, 16, 1: 128 + 128 + 16·2 + 1·12), so every length
  // runs on the functions newSession compiled.
  const std::vector<int64_t> sizes = model.chunkSizes();
  std::vector<float> all;
  int64_t vocab = 0;
  for (int64_t done = 0; done < count;) {
    const int64_t size = *std::find_if(sizes.begin(), sizes.end(),
                                       [&](int64_t s) { return s <= count - done; });
    std::vector<int64_t> chunk;
    for (int64_t b = 0; b < batch; ++b)
      chunk.insert(chunk.end(), ids.ints() + b * count + done,
                   ids.ints() + b * count + done + size);
    HostTensor out;
    if (!runChunk(HostTensor::fromInts({batch, size}, chunk), out, error))
      return false;
    vocab = out.dim(2);
    if (size == count) {
      logits = std::move(out);
      return true;
    }
    all.resize(size_t(batch * count * vocab));
    for (int64_t b = 0; b < batch; ++b)
      std::copy(out.floats() + b * size * vocab, out.floats() + (b + 1) * size * vocab,
                all.begin() + (b * count + done) * vocab);
    done += size;
  }
  logits = HostTensor::fromFloats({batch, count, vocab}, std::move(all));
  return true;
}

bool Session::runChunk(const HostTensor &ids, HostTensor &logits,
                       std::string &error) {
  // A prompt at position 0 runs the function built for a session's first
  // call: attention without cache reads, the tiled causal kernel.
  Model::Compiled *fn =
      model.function(batch, ids.dim(1),
                     /*firstCall=*/position == 0 && ids.dim(1) > 1 &&
                         ids.dim(1) == model.chunkSizes().front(),
                     error);
  if (!fn)
    return false;
  // The state and the weights are passed in place (the compiled code reads
  // its arguments without copying them); ids, positions and zeros are made
  // here. `made` is reserved so that pointers into it stay valid.
  std::vector<HostTensor> made;
  made.reserve(fn->arguments.size());
  std::vector<const HostTensor *> args;
  for (const Model::Compiled::Argument &arg : fn->arguments) {
    switch (arg.role) {
    case Model::Compiled::Role::Ids:
      made.push_back(HostTensor::fromInts(
          ids.shape(), std::vector<int64_t>(ids.ints(), ids.ints() + ids.numel())));
      args.push_back(&made.back());
      break;
    case Model::Compiled::Role::Positions: {
      // Absolute positions of this call's tokens.
      std::vector<int64_t> values(ids.numel());
      for (int64_t n = 0; n < ids.numel(); ++n)
        values[n] = position + n % ids.dim(1);
      made.push_back(HostTensor::fromInts(ids.shape(), values));
      args.push_back(&made.back());
      break;
    }
    case Model::Compiled::Role::State:
      args.push_back(&state.at(arg.name));
      break;
    case Model::Compiled::Role::Zeros:
      made.push_back(HostTensor::zeros(arg.shape, arg.dtype));
      args.push_back(&made.back());
      break;
    case Model::Compiled::Role::Weight:
      args.push_back(&model.weightValues.at(arg.name));
      break;
    }
  }
  std::vector<HostTensor> results;
  bool ok;
  if (model.target == Model::Target::CPU) {
    ok = fn->jit->run("forward", args, results, error);
  } else {
    std::vector<HostTensor> copies;
    for (const HostTensor *arg : args)
      copies.push_back(*arg);
    ok = reference::interpret(fn->module->lookupSymbol<func::FuncOp>("forward"),
                              copies, results, error);
  }
  if (!ok)
    return false;
  logits = std::move(results[0]);
  for (size_t s = 0; s < fn->stateResults.size(); ++s)
    state[fn->stateResults[s]] = std::move(results[1 + s]);
  position += ids.dim(1);
  return true;
}

bool Session::decode(const HostTensor &ids, HostTensor &logits,
                     std::string &error) {
  if (ids.rank() != 2 || ids.dim(1) != 1) {
    error = "session: decode takes one token per sequence [" +
            std::to_string(batch) + ", 1], got " + ids.typeString();
    return false;
  }
  return prefill(ids, logits, error);
}

void Session::reset() {
  position = 0;
  for (const StateInfo &info : layout) {
    HostTensor &value = state[info.name] = HostTensor::zeros(info.shape, info.dtype);
    if (info.initialWeight.empty())
      continue;
    // The same starting value (e.g. a learned memory) for every sequence.
    const HostTensor &init = model.weightValues.at(info.initialWeight);
    for (int64_t offset = 0; offset < value.numel(); offset += init.numel())
      std::copy(init.floats(), init.floats() + init.numel(), value.floats() + offset);
  }
}

bool Session::restore(const Snapshot &snapshot, std::string &error) {
  auto fail = [&](const std::string &why) {
    error = "session: cannot restore this snapshot: " + why;
    return false;
  };
  if (snapshot.model != &model)
    return fail("it was taken from another model");
  if (snapshot.batch != batch)
    return fail("it holds " + std::to_string(snapshot.batch) +
                " sequences, this session " + std::to_string(batch));
  if (snapshot.position < 0 || snapshot.position > model.maxTokens)
    return fail("its position " + std::to_string(snapshot.position) +
                " is outside [0, maxTokens = " + std::to_string(model.maxTokens) + "]");
  if (snapshot.tensors.size() != layout.size())
    return fail("it has " + std::to_string(snapshot.tensors.size()) +
                " state tensors, the session " + std::to_string(layout.size()));
  for (const StateInfo &info : layout) {
    auto it = snapshot.tensors.find(info.name);
    if (it == snapshot.tensors.end())
      return fail("it has no '" + info.name + "'");
    if (it->second.shape() != info.shape || it->second.dtype() != info.dtype)
      return fail("'" + info.name + "' is " + it->second.typeString() +
                  ", the session's layout says " +
                  HostTensor::zeros(info.shape, info.dtype).typeString());
  }
  state = snapshot.tensors;
  position = snapshot.position;
  return true;
}

int64_t Session::stateBytes() const {
  int64_t total = 0;
  for (const StateInfo &info : layout)
    total += info.bytes();
  return total;
}
