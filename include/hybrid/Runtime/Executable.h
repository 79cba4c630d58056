//===- Executable.h - Calling compiled functions ----------------*- C++ -*-===//
//
// Compiled code, from the JIT or from a compiled-model artifact, exposes one
// entry per function: `void _hybrid_packed_NAME(void **descriptors)`, which
// takes a pointer to each argument's and then each result's memref
// descriptor (results are caller-allocated out parameters). callPacked
// builds those descriptors over HostTensors: arguments are read in place,
// results are written straight into the tensors handed back. Plain C++: the
// runtime links no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_EXECUTABLE_H
#define HYBRID_RUNTIME_EXECUTABLE_H

#include "hybrid/Support/HostTensor.h"

#include <string>
#include <vector>

namespace mlir::hybrid {

/// Shape and element type of one argument or result.
struct TensorSignature {
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  /// An f32 weight [N, K] the code reads in panels of this many rows:
  /// packed at load into [N / P, K, P] (W[n][k] at [n / P][k][n % P]), in a
  /// buffer of the same shape and size (hybrid-weights-in-panels). 0: rows.
  int64_t panelRows = 0;
};

struct FunctionSignature {
  std::vector<TensorSignature> args, results;
};

/// The packed entry of a compiled function.
using PackedEntry = void (*)(void **);

/// The packed entry's symbol for function `name`.
std::string packedEntryName(const std::string &name);

/// `args` with every weight `sig` takes in panels (TensorSignature::
/// panelRows) packed into them, as the runtime packs weights at load: for
/// callers that pass a compiled function's weights themselves.
std::vector<HostTensor> packPanelArguments(const FunctionSignature &sig,
                                           std::vector<HostTensor> args);

/// Where callPacked puts the buffers the code reads and writes: by default
/// the tensors' own (host memory). The CUDA runtime (CudaDevice.h) copies
/// them into memory the GPU reaches.
class BufferPlacement {
public:
  virtual ~BufferPlacement();
  /// The buffer passed for argument `index`: `data` (`bytes`) or a copy.
  virtual void *argument(size_t index, const void *data, size_t bytes) = 0;
  /// The buffer passed for result `index`, to end in `data` (`bytes`).
  virtual void *result(size_t index, void *data, size_t bytes) = 0;
  /// After the call: the results copied into their `data`; false with
  /// `error` when the call failed where it ran.
  virtual bool finish(std::string &error) = 0;
};

/// Calls `entry` (function `name`, for messages) on `args`, checked against
/// `signature`; `results` get the signature's result shapes. A tensor
/// already in `results[r]` with result r's shape and type is overwritten in
/// place (every element); the others are allocated. An argument that is
/// one of `results`' own tensors is an error. With `placement`, every
/// buffer goes through it.
bool callPacked(PackedEntry entry, const std::string &name,
                const FunctionSignature &signature,
                const std::vector<const HostTensor *> &args,
                std::vector<HostTensor> &results, std::string &error,
                BufferPlacement *placement = nullptr);

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_EXECUTABLE_H
