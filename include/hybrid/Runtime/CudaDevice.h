//===- CudaDevice.h - The GPU that compiled CUDA code runs on ---*- C++ -*-===//
//
// The runtime's side of the CUDA target (docs/gpu.md). Code compiled by
// hybrid-gpu-pipeline calls, from its host part, MLIR's GPU runtime
// interface: mgpuModuleLoad (from a constructor, when the code is loaded),
// mgpuModuleGetFunction, mgpuStreamCreate, mgpuLaunchKernel,
// mgpuStreamSynchronize, mgpuStreamDestroy, and takes every buffer from
// _mlir_memref_to_llvm_alloc / _free. This runtime defines those functions
// (CudaDevice.cpp) over the CUDA driver API, which it loads with
// dlopen("libcuda.so.1") the first time a CUDA artifact is opened: the
// tools link no CUDA library, and on a machine without a GPU they say so
// ("no CUDA driver", "no CUDA device") instead of failing to start.
//
// Every buffer is CUDA managed memory (cuMemAllocManaged), which both the
// kernels and the host code between them read; freed buffers are kept for
// reuse. A launch error cannot be returned through the mgpu* functions, so
// the first one is kept, later launches are skipped, and the caller takes
// it after the call (takeLaunchError).
//
// HYBRID_CUDA_DRIVER names another driver library to load (tests pin it to
// a missing file or to the toolkit's stub, so that they answer the same on
// every machine).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_CUDADEVICE_H
#define HYBRID_RUNTIME_CUDADEVICE_H

#include "hybrid/Runtime/Executable.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mlir::hybrid::cuda {

struct DeviceInfo {
  std::string name;          ///< e.g. "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;  ///< compute capability
  size_t memoryBytes = 0;
  int driverVersion = 0;     ///< e.g. 13000
};

/// Opens the driver and device 0 (its primary context) once per process.
/// False with `error` saying what is missing: the driver library, or a
/// device; later calls answer the same.
bool openDevice(DeviceInfo &info, std::string &error);

/// Whether code compiled for `chip` (sm_80, sm_90a, ...) as a fat binary
/// (the cubin and its PTX) runs on a device of compute capability
/// major.minor: a plain chip's on the same or any later GPU (the driver
/// compiles the PTX for it), an `a` chip's only on that GPU, an `f` chip's
/// on its major version. False with `error` saying which chip to compile for.
bool chipRunsOn(const std::string &chip, const DeviceInfo &device, std::string &error);

/// The first error a kernel launch (or a buffer allocation) of compiled
/// code met since the last call, and clears it; "" if none.
std::string takeLaunchError();

/// Managed memory, as compiled code's own buffers are: null with `error`
/// when the device has no room.
void *allocateManaged(size_t bytes, std::string &error);
void freeManaged(void *buffer);

/// callPacked's buffers in managed memory, for one model's code. Arguments
/// marked to keep (weights, which do not change while their model lives)
/// are copied once per host buffer; the others, and the results, on every
/// call, into buffers kept per function and position.
class ManagedStaging : public BufferPlacement {
public:
  ~ManagedStaging() override;
  /// Before each call: the function, and which of its arguments to keep.
  void beginCall(const std::string &symbol, std::vector<bool> keep);
  void *argument(size_t index, const void *data, size_t bytes) override;
  void *result(size_t index, void *data, size_t bytes) override;
  bool finish(std::string &error) override;

private:
  void *buffer(size_t position, size_t bytes);

  struct Buffer {
    void *data = nullptr;
    size_t bytes = 0;
  };
  std::map<std::pair<const void *, size_t>, void *> kept;
  std::map<std::pair<std::string, size_t>, Buffer> perCall;
  struct PendingResult {
    void *device, *host;
    size_t bytes;
  };
  std::vector<PendingResult> results;
  std::string symbol;
  std::vector<bool> keep;
};

} // namespace mlir::hybrid::cuda

#endif // HYBRID_RUNTIME_CUDADEVICE_H
