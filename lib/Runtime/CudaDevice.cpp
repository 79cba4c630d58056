//===- CudaDevice.cpp - The CUDA driver, loaded at run time ---------------===//
//
// The driver API is declared here, not through cuda.h: the runtime builds
// and runs where no CUDA toolkit is installed. Each function is looked up by
// the name libcuda.so.1 exports (the `_v2` ABI where cuda.h maps to one).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/CudaDevice.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <set>
#include <type_traits>
#include <vector>

using namespace mlir::hybrid;

namespace {
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;

constexpr int kComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_*
constexpr int kComputeCapabilityMinor = 76;
constexpr unsigned kAttachGlobal = 1; // CU_MEM_ATTACH_GLOBAL
constexpr int kMallocHeapSize = 2;     // CU_LIMIT_MALLOC_HEAP_SIZE
/// The device heap kernels allocate per-step buffers from
/// (hybrid-gpu-device-heap); the driver's default is 8 MiB.
constexpr size_t kDeviceHeapBytes = size_t(256) << 20;

struct Driver {
  void *library = nullptr;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceTotalMem)(size_t *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSetLimit)(int, size_t);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);

  bool opened = false;
  std::string error;
  CUcontext context = nullptr;
  cuda::DeviceInfo info;
};

/// The driver's own words for `result` where it can say them (the stub
/// library and an uninitialised driver cannot), else the common codes.
std::string describe(const Driver &driver, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName && driver.cuGetErrorName(result, &name) == 0 && name &&
      driver.cuGetErrorString && driver.cuGetErrorString(result, &text) == 0 && text)
    return std::string(name) + ": " + text;
  static const std::map<int, const char *> known = {
      {2, "CUDA_ERROR_OUT_OF_MEMORY"},        {3, "CUDA_ERROR_NOT_INITIALIZED"},
      {34, "CUDA_ERROR_STUB_LIBRARY (the toolkit's stub libcuda, not a driver)"},
      {35, "CUDA_ERROR_INSUFFICIENT_DRIVER"}, {100, "CUDA_ERROR_NO_DEVICE"},
      {209, "CUDA_ERROR_NO_BINARY_FOR_GPU"},  {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"},
      {700, "CUDA_ERROR_ILLEGAL_ADDRESS"},    {999, "CUDA_ERROR_UNKNOWN"}};
  auto it = known.find(result);
  return it != known.end() ? it->second : "CUDA error " + std::to_string(result);
}

/// Loads the library and every entry, then device 0 and its primary
/// context; `driver.error` says what failed.
void open(Driver &driver) {
  const char *override = std::getenv("HYBRID_CUDA_DRIVER");
  const std::string library = override && *override ? override : "libcuda.so.1";
  driver.library = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!driver.library) {
    const char *why = dlerror();
    driver.error = "no CUDA driver: cannot load " + library + " (" +
                   (why ? why : "not found") +
                   "); the CUDA target runs on a machine with an NVIDIA GPU and its driver";
    return;
  }
  bool complete = true;
  std::string missing;
  auto entry = [&](auto &function, const char *name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
        dlsym(driver.library, name));
    if (!function && complete) {
      complete = false;
      missing = name;
    }
  };
  entry(driver.cuGetErrorName, "cuGetErrorName");
  entry(driver.cuGetErrorString, "cuGetErrorString");
  entry(driver.cuInit, "cuInit");
  entry(driver.cuDriverGetVersion, "cuDriverGetVersion");
  entry(driver.cuDeviceGetCount, "cuDeviceGetCount");
  entry(driver.cuDeviceGet, "cuDeviceGet");
  entry(driver.cuDeviceGetName, "cuDeviceGetName");
  entry(driver.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  entry(driver.cuDeviceTotalMem, "cuDeviceTotalMem_v2");
  entry(driver.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  entry(driver.cuCtxSetCurrent, "cuCtxSetCurrent");
  entry(driver.cuCtxSetLimit, "cuCtxSetLimit");
  entry(driver.cuModuleLoadData, "cuModuleLoadData");
  entry(driver.cuModuleUnload, "cuModuleUnload");
  entry(driver.cuModuleGetFunction, "cuModuleGetFunction");
  entry(driver.cuLaunchKernel, "cuLaunchKernel");
  entry(driver.cuStreamCreate, "cuStreamCreate");
  entry(driver.cuStreamSynchronize, "cuStreamSynchronize");
  entry(driver.cuStreamDestroy, "cuStreamDestroy_v2");
  entry(driver.cuMemAllocManaged, "cuMemAllocManaged");
  entry(driver.cuMemFree, "cuMemFree_v2");
  if (!complete) {
    driver.error = "no CUDA driver: " + library + " has no " + missing +
                   " (a CUDA driver older than 12.0, or not a CUDA driver)";
    return;
  }
  if (CUresult r = driver.cuInit(0)) {
    driver.error = "no CUDA device: cuInit failed (" + describe(driver, r) + ")";
    return;
  }
  int count = 0;
  if (CUresult r = driver.cuDeviceGetCount(&count); r || count == 0) {
    driver.error = "no CUDA device: the driver (" + library + ") sees none" +
                   (r ? " (" + describe(driver, r) + ")" : std::string());
    return;
  }
  CUdevice device = 0;
  char name[256] = {0};
  cuda::DeviceInfo &info = driver.info;
  if (CUresult r = driver.cuDeviceGet(&device, 0);
      r || (r = driver.cuDeviceGetName(name, sizeof name - 1, device)) ||
      (r = driver.cuDeviceGetAttribute(&info.major, kComputeCapabilityMajor, device)) ||
      (r = driver.cuDeviceGetAttribute(&info.minor, kComputeCapabilityMinor, device)) ||
      (r = driver.cuDeviceTotalMem(&info.memoryBytes, device)) ||
      (r = driver.cuDriverGetVersion(&info.driverVersion)) ||
      (r = driver.cuDevicePrimaryCtxRetain(&driver.context, device)) ||
      (r = driver.cuCtxSetCurrent(driver.context)) ||
      (r = driver.cuCtxSetLimit(kMallocHeapSize, kDeviceHeapBytes))) {
    driver.error = "CUDA device 0 cannot be opened (" + describe(driver, r) + ")";
    return;
  }
  info.name = name;
  driver.opened = true;
}

Driver &driver() {
  static Driver instance;
  static std::once_flag once;
  std::call_once(once, [] { open(instance); });
  return instance;
}

/// What compiled code met: the first error since takeLaunchError, the
/// kernels' names (for messages), and the pool of freed managed buffers.
struct RuntimeState {
  std::mutex mutex;
  std::string firstError;
  std::map<CUfunction, std::string> kernelNames;
  std::string lastKernel;
  /// Managed buffers by rounded size: live ones, and freed ones kept for
  /// the next allocation of that size (cuMemAllocManaged takes tens of
  /// microseconds; compiled code allocates its temporaries on every call).
  std::map<void *, size_t> live;
  std::multimap<size_t, void *> freed;
  std::set<void *> hostFallback;
};

RuntimeState &state() {
  static RuntimeState instance;
  return instance;
}

void recordError(const std::string &error) {
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.firstError.empty())
    s.firstError = error;
}

bool failedBefore() {
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return !s.firstError.empty();
}

/// Sizes rounded so that freed buffers serve later requests: powers of two
/// up to 1 MiB, then whole MiB.
size_t roundedSize(size_t bytes) {
  constexpr size_t MiB = size_t(1) << 20;
  if (bytes >= MiB)
    return (bytes + MiB - 1) / MiB * MiB;
  size_t size = 256;
  while (size < bytes)
    size *= 2;
  return size;
}

/// The calling thread works in the device's context (compiled code may be
/// called from any thread).
bool makeCurrent(Driver &d) {
  if (!d.opened)
    return false;
  if (CUresult r = d.cuCtxSetCurrent(d.context)) {
    recordError("cannot make the CUDA context current (" + describe(d, r) + ")");
    return false;
  }
  return true;
}
} // namespace

bool cuda::openDevice(DeviceInfo &info, std::string &error) {
  Driver &d = driver();
  if (!d.opened) {
    error = d.error;
    return false;
  }
  info = d.info;
  return true;
}

bool cuda::chipRunsOn(const std::string &chip, const DeviceInfo &device, std::string &error) {
  // sm_NN[N][a|f]: the last digit is the minor version.
  std::string digits;
  for (size_t i = 3; i < chip.size() && std::isdigit(static_cast<unsigned char>(chip[i])); ++i)
    digits += chip[i];
  const std::string suffix = chip.substr(std::min(chip.size(), 3 + digits.size()));
  const std::string deviceChip =
      "sm_" + std::to_string(device.major) + std::to_string(device.minor);
  if (chip.rfind("sm_", 0) == 0 && digits.size() >= 2 && digits.size() <= 3) {
    const int major = std::stoi(digits.substr(0, digits.size() - 1));
    const int minor = digits.back() - '0';
    const int chipVersion = major * 10 + minor, deviceVersion = device.major * 10 + device.minor;
    if (suffix.empty() ? deviceVersion >= chipVersion
        : suffix == "a" ? deviceVersion == chipVersion
        : suffix == "f" ? major == device.major && device.minor >= minor
                        : false)
      return true;
  }
  error = "compiled for " + chip + ", but this GPU (" + device.name + ") is " + deviceChip +
          ": compile it again with --gpu-chip=" + deviceChip +
          (device.major >= 9 ? " (or " + deviceChip + "a)" : "");
  return false;
}

std::string cuda::takeLaunchError() {
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::string error;
  error.swap(s.firstError);
  return error;
}

void *cuda::allocateManaged(size_t bytes, std::string &error) {
  Driver &d = driver();
  RuntimeState &s = state();
  const size_t size = roundedSize(bytes);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.freed.find(size);
    if (it != s.freed.end()) {
      void *buffer = it->second;
      s.freed.erase(it);
      s.live[buffer] = size;
      return buffer;
    }
  }
  if (!makeCurrent(d)) {
    error = d.opened ? "the CUDA context is unusable" : d.error;
    return nullptr;
  }
  CUdeviceptr pointer = 0;
  if (CUresult r = d.cuMemAllocManaged(&pointer, size, kAttachGlobal)) {
    error = "cannot allocate " + std::to_string(bytes) + " bytes of CUDA managed memory (" +
            describe(d, r) + ")";
    return nullptr;
  }
  void *buffer = reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
  std::lock_guard<std::mutex> lock(s.mutex);
  s.live[buffer] = size;
  return buffer;
}

void cuda::freeManaged(void *buffer) {
  if (!buffer)
    return;
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.hostFallback.erase(buffer)) {
    std::free(buffer);
    return;
  }
  auto it = s.live.find(buffer);
  if (it == s.live.end())
    return; // not ours: never freed twice
  s.freed.emplace(it->second, buffer);
  s.live.erase(it);
}

cuda::ManagedStaging::~ManagedStaging() {
  for (auto &entry : kept)
    freeManaged(entry.second);
  for (auto &entry : perCall)
    freeManaged(entry.second.data);
}

void cuda::ManagedStaging::beginCall(const std::string &name, std::vector<bool> keepArgs) {
  symbol = name;
  keep = std::move(keepArgs);
  results.clear();
  // An error from before this call (another model's) is not this call's.
  takeLaunchError();
}

void *cuda::ManagedStaging::buffer(size_t position, size_t bytes) {
  Buffer &slot = perCall[{symbol, position}];
  if (slot.bytes < bytes) {
    freeManaged(slot.data);
    std::string error;
    slot = Buffer();
    if (!(slot.data = allocateManaged(bytes, error))) {
      recordError(error); // the launches are skipped; finish reports it
      return nullptr;
    }
    slot.bytes = bytes;
  }
  return slot.data;
}

void *cuda::ManagedStaging::argument(size_t index, const void *data, size_t bytes) {
  void *copy = nullptr;
  if (index < keep.size() && keep[index]) {
    auto it = kept.find({data, bytes});
    if (it != kept.end())
      return it->second;
    std::string error;
    if (!(copy = allocateManaged(bytes, error))) {
      recordError(error);
      return const_cast<void *>(data);
    }
    kept[{data, bytes}] = copy;
  } else if (!(copy = buffer(index, bytes))) {
    return const_cast<void *>(data);
  }
  std::memcpy(copy, data, bytes);
  return copy;
}

void *cuda::ManagedStaging::result(size_t index, void *data, size_t bytes) {
  // Positions after every argument's (1 << 20 is past any signature).
  void *device = buffer((size_t(1) << 20) + index, bytes);
  if (!device)
    return data;
  results.push_back({device, data, bytes});
  return device;
}

bool cuda::ManagedStaging::finish(std::string &error) {
  error = takeLaunchError();
  if (!error.empty())
    return false;
  for (const PendingResult &r : results)
    std::memcpy(r.host, r.device, r.bytes);
  results.clear();
  return true;
}

// MLIR's GPU runtime interface, as the host code of hybrid-gpu-pipeline
// calls it (the signatures of mlir/lib/ExecutionEngine's CUDA wrappers).
// Exported from the tools that load CUDA artifacts (CMake:
// hybrid_exports_cuda_runtime), whose code finds them when dlopen'd.
extern "C" {
__attribute__((visibility("default"))) void *mgpuModuleLoad(void *data, size_t /*size*/) {
  Driver &d = driver();
  if (!makeCurrent(d)) {
    recordError(d.opened ? "the CUDA context is unusable" : d.error);
    return nullptr;
  }
  CUmodule module = nullptr;
  if (CUresult r = d.cuModuleLoadData(&module, data)) {
    recordError("cannot load the kernels on the GPU (" + describe(d, r) + ")");
    return nullptr;
  }
  return module;
}

__attribute__((visibility("default"))) void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  return mgpuModuleLoad(data, 0); // PTX: the driver compiles it
}

__attribute__((visibility("default"))) void mgpuModuleUnload(void *module) {
  Driver &d = driver();
  if (module && makeCurrent(d))
    d.cuModuleUnload(module);
}

__attribute__((visibility("default"))) void *mgpuModuleGetFunction(void *module,
                                                                   const char *name) {
  Driver &d = driver();
  if (!module || !makeCurrent(d)) {
    recordError(std::string("kernel ") + name + ": the kernels were not loaded");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (CUresult r = d.cuModuleGetFunction(&function, module, name)) {
    recordError(std::string("kernel ") + name + " is not in the loaded kernels (" +
                describe(d, r) + ")");
    return nullptr;
  }
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.kernelNames.emplace(function, name);
  return function;
}

__attribute__((visibility("default"))) void *mgpuStreamCreate() {
  Driver &d = driver();
  CUstream stream = nullptr;
  if (!makeCurrent(d))
    return nullptr;
  if (CUresult r = d.cuStreamCreate(&stream, 0))
    recordError("cannot create a CUDA stream (" + describe(d, r) + ")");
  return stream;
}

__attribute__((visibility("default"))) void mgpuStreamDestroy(void *stream) {
  Driver &d = driver();
  if (stream && makeCurrent(d))
    d.cuStreamDestroy(stream);
}

__attribute__((visibility("default"))) void mgpuLaunchKernel(
    void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ, intptr_t blockX,
    intptr_t blockY, intptr_t blockZ, int32_t sharedBytes, void *stream, void **params,
    void **extra, size_t /*paramsCount*/) {
  // After an error every launch is skipped: the caller reports the first.
  if (!function || failedBefore())
    return;
  Driver &d = driver();
  if (!makeCurrent(d))
    return;
  std::string name;
  {
    RuntimeState &s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    name = s.kernelNames[function];
    s.lastKernel = name;
  }
  if (CUresult r = d.cuLaunchKernel(function, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
                                    unsigned(blockX), unsigned(blockY), unsigned(blockZ),
                                    unsigned(sharedBytes), stream, params, extra))
    recordError("kernel " + name + ": the launch of " +
                std::to_string(gridX * gridY * gridZ) + " block(s) of " +
                std::to_string(blockX * blockY * blockZ) + " threads failed (" +
                describe(d, r) + ")");
}

__attribute__((visibility("default"))) void mgpuStreamSynchronize(void *stream) {
  if (failedBefore())
    return;
  Driver &d = driver();
  if (!makeCurrent(d))
    return;
  if (CUresult r = d.cuStreamSynchronize(stream)) {
    RuntimeState &s = state();
    std::string kernel;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      kernel = s.lastKernel;
    }
    recordError("kernel " + kernel + " failed on the GPU (" + describe(d, r) + ")");
  }
}

// Every buffer of the host code: managed memory. Where the device has no
// room, the error is kept and host memory returned, so that the host code
// finishes (its launches are skipped) and the caller reports the error.
__attribute__((visibility("default"))) void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  std::string error;
  if (void *buffer = cuda::allocateManaged(bytes, error))
    return buffer;
  recordError(error);
  void *buffer = std::aligned_alloc(256, (bytes + 256) / 256 * 256);
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.hostFallback.insert(buffer);
  return buffer;
}

__attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  // Managed buffers start on at least 256-byte boundaries (and pages).
  (void)alignment;
  return _mlir_memref_to_llvm_alloc(bytes);
}

__attribute__((visibility("default"))) void _mlir_memref_to_llvm_free(void *buffer) {
  cuda::freeManaged(buffer);
}
} // extern "C"
