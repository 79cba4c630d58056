//===- Executable.cpp - Calling compiled functions ------------------------===//

#include "hybrid/Runtime/Executable.h"

#include "hybrid/Support/HeapReuse.h"
#include "hybrid/Support/MatrixTiles.h"
#include "hybrid/Support/WeightPanels.h"

#include <algorithm>

using namespace mlir::hybrid;

// HostCodegen.h (kPackedEntryPrefix) names the entries it generates the same.
std::string mlir::hybrid::packedEntryName(const std::string &name) {
  return "_hybrid_packed_" + name;
}

namespace {
/// A memref descriptor {allocated, aligned, offset, sizes[R], strides[R]} over
/// a contiguous buffer, laid out as the C interface expects.
std::vector<int64_t> descriptor(void *data, const std::vector<int64_t> &shape) {
  std::vector<int64_t> d;
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(0);
  for (int64_t s : shape)
    d.push_back(s);
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}
/// Bytes per element of a buffer passed as `type`.
size_t elementBytes(DType type) {
  return type == DType::BF16 ? 2 : type == DType::I64 ? 8 : 4;
}
/// Whether `t` can be passed as `want`: integers of either width (i32 is
/// narrowed here), bf16 (weights kept in bfloat16) only as itself.
bool passableAs(const HostTensor &t, DType want) {
  if (want == DType::BF16 || t.dtype() == DType::BF16)
    return t.dtype() == want;
  return t.isFloat() == (want == DType::F32);
}
} // namespace

BufferPlacement::~BufferPlacement() = default;

std::vector<HostTensor> mlir::hybrid::packPanelArguments(const FunctionSignature &sig,
                                                         std::vector<HostTensor> args) {
  for (size_t i = 0; i < args.size() && i < sig.args.size(); ++i)
    if (sig.args[i].panelRows > 0)
      args[i] = packWeightPanels(args[i], sig.args[i].panelRows);
  return args;
}

bool mlir::hybrid::callPacked(PackedEntry entry, const std::string &name,
                              const FunctionSignature &sig,
                              const std::vector<const HostTensor *> &args,
                              std::vector<HostTensor> &results, std::string &error,
                              BufferPlacement *placement) {
  if (args.size() != sig.args.size()) {
    error = "@" + name + " takes " + std::to_string(sig.args.size()) +
            " argument(s), got " + std::to_string(args.size());
    return false;
  }
  const size_t numArgs = sig.args.size(), numResults = sig.results.size();
  // i32 tensors are held as int64 by HostTensor: only they are converted.
  std::vector<std::vector<int32_t>> narrowed(numArgs + numResults);
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < numArgs; ++i) {
    const TensorSignature &want = sig.args[i];
    const HostTensor &arg = *args[i];
    if (arg.shape() != want.shape || !passableAs(arg, want.dtype)) {
      error = "@" + name + " argument " + std::to_string(i) + ": got " +
              arg.typeString() + ", expected " +
              HostTensor::zeros(want.shape, want.dtype).typeString();
      return false;
    }
    // No copy: the compiled code never writes its arguments (they are
    // bufferization.writable = false; see hybrid-emit-c-interface), except
    // a session's state when compiled with state-in-place, which the
    // session hands in for that (ProgramFunction::stateInPlace).
    void *data;
    if (want.dtype == DType::F32) {
      data = const_cast<float *>(arg.floats());
    } else if (want.dtype == DType::BF16) {
      data = const_cast<uint16_t *>(arg.bfloat16s());
    } else if (want.dtype == DType::I32) {
      narrowed[i].assign(arg.ints(), arg.ints() + arg.numel());
      data = narrowed[i].data();
    } else {
      data = const_cast<int64_t *>(arg.ints());
    }
    if (placement)
      data = placement->argument(i, data, size_t(arg.numel()) * elementBytes(want.dtype));
    descriptors.push_back(descriptor(data, want.shape));
  }
  // A result buffer handed in with the signature's shape and type is
  // written in place: the compiled code writes every element of its
  // results, so a session passes the buffers of the state it replaced last
  // time (no allocation, no zero fill). The compiled code assumes results
  // and arguments never overlap, so an argument is refused as a result.
  results.resize(numResults);
  for (size_t r = 0; r < numResults; ++r)
    for (size_t i = 0; i < numArgs; ++i)
      if (args[i] == &results[r]) {
        error = "@" + name + ": result " + std::to_string(r) + " is argument " +
                std::to_string(i) + "'s tensor (results are written while arguments are read)";
        return false;
      }
  for (size_t r = 0; r < numResults; ++r) {
    const TensorSignature &out = sig.results[r];
    HostTensor &result = results[r];
    if (result.shape() != out.shape || !passableAs(result, out.dtype) ||
        result.numel() == 0)
      result = HostTensor::zeros(out.shape, out.dtype);
    void *data;
    if (out.dtype == DType::F32) {
      data = result.floats();
    } else if (out.dtype == DType::BF16) {
      data = result.bfloat16s();
    } else if (out.dtype == DType::I32) {
      narrowed[numArgs + r].assign(numElements(out.shape), 0);
      data = narrowed[numArgs + r].data();
    } else {
      data = result.ints();
    }
    if (placement)
      data = placement->result(r, data, size_t(numElements(out.shape)) * elementBytes(out.dtype));
    descriptors.push_back(descriptor(data, out.shape));
  }
  std::vector<void *> pointers;
  for (auto &d : descriptors)
    pointers.push_back(d.data());
  requestMatrixTiles();
  keepLargeBuffersInHeap();
  entry(pointers.data());
  if (placement && !placement->finish(error)) {
    error = "@" + name + ": " + error;
    return false;
  }
  for (size_t r = 0; r < numResults; ++r)
    if (sig.results[r].dtype == DType::I32)
      std::copy(narrowed[numArgs + r].begin(), narrowed[numArgs + r].end(),
                results[r].ints());
  return true;
}
