//===- Model.cpp - A compiled model's sessions with carried state ---------===//

#include "hybrid/Runtime/Model.h"

#include "hybrid/Runtime/Allocator.h"

#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/RandomWeights.h"
#include "hybrid/Support/WeightPanels.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::hybrid;

int64_t StateInfo::bytes() const {
  return numElements(shape) * (dtype == DType::I64 ? 8 : 4);
}

Model::~Model() = default;

std::unique_ptr<Model> Model::create(std::unique_ptr<ModelCode> code,
                                     const Weights &weights, std::string &error) {
  if (!code)
    return nullptr;
  keepFreedBuffersForReuse();
  std::unique_ptr<Model> model(new Model());
  model->code = std::move(code);
  std::unique_ptr<Checkpoint> checkpoint;
  if (!weights.file.empty()) {
    checkpoint = Checkpoint::open(weights.file, error);
    if (!checkpoint)
      return nullptr;
  }
  // Every weight any function names, read (or drawn per name, as hybrid-run
  // does) once: all functions share them.
  MemoryBudget weightBytes; // all of them must fit together
  for (const ProgramFunction &fn : model->interface().functions)
    for (const ProgramArgument &arg : fn.arguments) {
      if (arg.kind != ArgumentKind::Weight || model->weightValues.count(arg.name))
        continue;
      HostTensor value;
      const bool bfloat16 = arg.dtype == DType::BF16;
      if (!checkAllocation(arg.shape, bfloat16 ? 2 : 4, "weight '" + arg.name + "'", error,
                           &weightBytes))
        return nullptr;
      if (checkpoint) {
        if (!checkpoint->read(arg.name, value, error, arg.shape))
          return nullptr;
      } else {
        value = randomWeight(arg.name, arg.shape, weights.seed < 0 ? 0 : weights.seed);
      }
      // A weight the code takes in bfloat16 (--weight-type=bf16) is kept
      // rounded to it; a bf16 checkpoint's values come back exactly.
      if (bfloat16)
        value = value.roundedToBFloat16();
      // Packed once, here, where the code reads it in the GEMM kernel's
      // panels (hybrid-weights-in-panels).
      if (arg.panelRows > 0)
        value = packWeightPanels(value, arg.panelRows);
      model->weightValues[arg.name] = std::move(value);
      model->weightPanelRows[arg.name] = arg.panelRows;
    }
  return model;
}

const HostTensor &Model::weight(const std::string &name, int64_t panelRows) {
  const HostTensor &loaded = weightValues.at(name);
  const int64_t loadedRows = weightPanelRows.at(name);
  if (loadedRows == panelRows)
    return loaded;
  std::lock_guard<std::mutex> lock(layoutsMutex);
  auto [it, fresh] = otherLayouts.try_emplace({name, panelRows});
  if (fresh) {
    HostTensor rows = loadedRows > 0 ? unpackWeightPanels(loaded, loadedRows) : loaded;
    it->second = panelRows > 0 ? packWeightPanels(rows, panelRows) : std::move(rows);
  }
  return it->second;
}

std::unique_ptr<Session> Model::newSession(int64_t batch, std::string &error) {
  // Every function a session can call is ready now, so that no prompt
  // length compiles anything later: each chunk size continuing from the
  // state, and the largest as a session's first call.
  // A batch is compiled into the session's functions: bounded before any
  // compilation or allocation is asked for.
  constexpr int64_t kMaxBatch = 4096;
  if (batch < 1 || batch > kMaxBatch) {
    error = "session: batch must be in [1, " + std::to_string(kMaxBatch) + "], got " +
            std::to_string(batch);
    return nullptr;
  }
  const std::vector<int64_t> &sizes = chunkSizes();
  if (sizes.empty() || sizes.back() != 1) {
    error = interface().model + ": the model has no one-token function to decode with";
    return nullptr;
  }
  const ProgramFunction *step = nullptr;
  for (int64_t size : sizes) {
    const ProgramFunction *fn = code->function(batch, size, /*firstCall=*/false, error);
    if (!fn)
      return nullptr;
    if (size == 1)
      step = fn;
  }
  if (sizes.front() > 1 && !code->function(batch, sizes.front(), /*firstCall=*/true, error))
    return nullptr;
  for (const ProgramFunction &fn : interface().functions)
    for (const ProgramArgument &arg : fn.arguments)
      if (arg.kind == ArgumentKind::Weight && !weightValues.count(arg.name)) {
        error = interface().model + ": function " + fn.symbol + " takes weight '" +
                arg.name + "', which the model was not created with";
        return nullptr;
      }
  std::unique_ptr<Session> session(new Session(*this, batch));
  // Every state tensor lives twice during a call (the state passed in and
  // the next state returned: 2 × 4 bytes an element), all of them together.
  MemoryBudget stateBudget;
  for (const ProgramArgument &arg : step->arguments)
    if (arg.kind == ArgumentKind::State) {
      if (!checkAllocation(arg.shape, 8, "session state '" + arg.name + "' (with its next value)",
                           error, &stateBudget))
        return nullptr;
      session->layout.push_back({arg.name, arg.shape, arg.dtype, arg.initialWeight});
    }
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
    if ((ids.ints()[n] < 0 || ids.ints()[n] >= model.vocabSize())) {
      error = "session: token id " + std::to_string(ids.ints()[n]) +
              " is outside the vocabulary [0, " + std::to_string(model.vocabSize()) + ")";
      return false;
    }
  const int64_t count = ids.dim(1);
  if (position + count > model.maxTokens()) {
    error = "session: the context is full: " + std::to_string(position) + " + " +
            std::to_string(count) + " tokens exceed maxTokens " +
            std::to_string(model.maxTokens()) + " (the context the model was compiled for)";
    return false;
  }
  // The tokens run in chunks of the compiled sizes, largest first (a prompt
  // of 300 with sizes 128, 16, 1: 128 + 128 + 16·2 + 1·12), so every length
  // runs on the functions newSession compiled.
  const std::vector<int64_t> &sizes = model.chunkSizes();
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
    if (!runChunk(HostTensor::fromInts({batch, size}, chunk), position + count - done,
                  out, error))
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

bool Session::runChunk(const HostTensor &ids, int64_t extent, HostTensor &logits,
                       std::string &error) {
  // A prompt at position 0 runs the function built for a session's first
  // call: attention without cache reads, the tiled causal kernel.
  const ProgramFunction *fn = model.code->function(
      batch, ids.dim(1),
      /*firstCall=*/position == 0 && ids.dim(1) > 1 &&
          ids.dim(1) == model.chunkSizes().front(),
      error);
  if (!fn)
    return false;
  // The state and the weights are passed in place (the compiled code reads
  // its arguments without copying them, and with fn->stateInPlace writes
  // the next state into the state it was given); ids, positions and zeros
  // are made here. `made` is reserved so that pointers into it stay valid.
  std::vector<HostTensor> made;
  made.reserve(fn->arguments.size());
  std::vector<const HostTensor *> args;
  for (const ProgramArgument &arg : fn->arguments) {
    switch (arg.kind) {
    case ArgumentKind::Ids:
      made.push_back(HostTensor::fromInts(
          ids.shape(), std::vector<int64_t>(ids.ints(), ids.ints() + ids.numel())));
      args.push_back(&made.back());
      break;
    case ArgumentKind::Positions: {
      // Absolute positions of this call's tokens.
      std::vector<int64_t> values(ids.numel());
      for (int64_t n = 0; n < ids.numel(); ++n)
        values[n] = position + n % ids.dim(1);
      made.push_back(HostTensor::fromInts(ids.shape(), values));
      args.push_back(&made.back());
      break;
    }
    case ArgumentKind::Extent:
      made.push_back(HostTensor::fromInts({1}, {extent}));
      args.push_back(&made.back());
      break;
    case ArgumentKind::State:
      args.push_back(&state.at(arg.name));
      break;
    case ArgumentKind::Zeros:
      made.push_back(HostTensor::zeros(arg.shape, arg.dtype));
      args.push_back(&made.back());
      break;
    case ArgumentKind::Weight:
      args.push_back(&model.weight(arg.name, arg.panelRows));
      break;
    }
  }
  std::vector<HostTensor> results(1 + fn->stateResults.size());
  for (size_t s = 0; s < fn->stateResults.size(); ++s)
    if (auto it = spare.find(fn->stateResults[s]); it != spare.end())
      results[1 + s] = std::move(it->second);
  if (!model.code->run(*fn, args, results, error))
    return false;
  logits = std::move(results[0]);
  for (size_t s = 0; s < fn->stateResults.size(); ++s) {
    // Updated where it was passed: the result's buffer was scratch.
    if (fn->inPlaceArgument(s) >= 0) {
      spare[fn->stateResults[s]] = std::move(results[1 + s]);
      continue;
    }
    HostTensor &current = state[fn->stateResults[s]];
    spare[fn->stateResults[s]] = std::move(current);
    current = std::move(results[1 + s]);
  }
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
    const HostTensor &init = model.weight(info.initialWeight, /*panelRows=*/0);
    for (int64_t offset = 0; offset < value.numel(); offset += init.numel()) {
      if (init.dtype() == DType::BF16) // also a projection's weight, kept in bf16
        std::transform(init.bfloat16s(), init.bfloat16s() + init.numel(),
                       value.floats() + offset, bfloat16ToFloat);
      else
        std::copy(init.floats(), init.floats() + init.numel(), value.floats() + offset);
    }
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
  if (snapshot.position < 0 || snapshot.position > model.maxTokens())
    return fail("its position " + std::to_string(snapshot.position) +
                " is outside [0, maxTokens = " + std::to_string(model.maxTokens()) + "]");
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
