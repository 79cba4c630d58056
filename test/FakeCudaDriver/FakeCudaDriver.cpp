//===- FakeCudaDriver.cpp - A CUDA driver without a GPU, for tests --------===//
//
// The driver API functions the runtime loads (lib/Runtime/CudaDevice.cpp),
// implemented on the host so that the CUDA target's plumbing is tested on
// machines without a GPU: the tests point HYBRID_CUDA_DRIVER here. Memory is
// host memory; a module must be a fat binary, a cubin or PTX; kernels are
// looked up by name and launches are counted and checked, but nothing runs
// them (results are not the model's). Set by the environment:
//   FAKE_CUDA_DEVICES=0     the driver sees no device
//   FAKE_CUDA_CC=8.0        the device's compute capability (default 9.0)
//   FAKE_CUDA_FAIL_LAUNCH=N the N-th launch (from 1) fails
//   FAKE_CUDA_REPORT=1      at exit, what the process did, on stderr
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace {
constexpr int kSuccess = 0, kInvalidValue = 1, kInvalidImage = 200, kNotFound = 500,
              kLaunchFailed = 719;

struct Fake {
  std::mutex mutex;
  std::string moduleKind;
  std::set<std::string> kernels;
  long launches = 0, threads = 0;
  std::set<void *> buffers;
  long allocations = 0;

  ~Fake() {
    const char *report = std::getenv("FAKE_CUDA_REPORT");
    if (report && *report == '1')
      std::fprintf(stderr,
                   "fake-cuda: module %s, %zu kernels, %ld launches, %ld threads, %ld "
                   "allocations\n",
                   moduleKind.empty() ? "none" : moduleKind.c_str(), kernels.size(), launches,
                   threads, allocations);
  }
};

Fake &fake() {
  static Fake instance;
  return instance;
}

int integerEnv(const char *name, int otherwise) {
  const char *value = std::getenv(name);
  return value && *value ? std::atoi(value) : otherwise;
}
} // namespace

extern "C" {
int cuInit(unsigned flags) { return flags == 0 ? kSuccess : kInvalidValue; }
int cuDriverGetVersion(int *version) {
  *version = 13000;
  return kSuccess;
}
int cuDeviceGetCount(int *count) {
  *count = integerEnv("FAKE_CUDA_DEVICES", 1);
  return kSuccess;
}
int cuDeviceGet(int *device, int ordinal) {
  if (ordinal >= integerEnv("FAKE_CUDA_DEVICES", 1))
    return kInvalidValue;
  *device = ordinal;
  return kSuccess;
}
int cuDeviceGetName(char *name, int length, int) {
  std::snprintf(name, size_t(length), "Fake CUDA device");
  return kSuccess;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  const char *cc = std::getenv("FAKE_CUDA_CC");
  const std::string text = cc && *cc ? cc : "9.0";
  const size_t dot = text.find('.');
  if (attribute == 75)
    *value = std::atoi(text.substr(0, dot).c_str());
  else if (attribute == 76)
    *value = dot == std::string::npos ? 0 : std::atoi(text.substr(dot + 1).c_str());
  else
    return kInvalidValue;
  return kSuccess;
}
int cuDeviceTotalMem_v2(size_t *bytes, int) {
  *bytes = size_t(1) << 30;
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void **context, int) {
  static int theContext;
  *context = &theContext;
  return kSuccess;
}
int cuCtxSetCurrent(void *context) { return context ? kSuccess : kInvalidValue; }
int cuCtxSetLimit(int limit, size_t bytes) {
  return limit >= 0 && limit <= 6 && bytes > 0 ? kSuccess : kInvalidValue;
}

int cuModuleLoadData(void **module, const void *image) {
  const auto *bytes = static_cast<const unsigned char *>(image);
  const char *kind = nullptr;
  uint32_t magic;
  std::memcpy(&magic, bytes, 4);
  if (magic == 0xBA55ED50u)
    kind = "fatbin";
  else if (std::memcmp(bytes, "\x7f" "ELF", 4) == 0)
    kind = "cubin";
  else if (std::strstr(static_cast<const char *>(image), ".version") != nullptr)
    kind = "ptx";
  if (!kind)
    return kInvalidImage;
  std::lock_guard<std::mutex> lock(fake().mutex);
  fake().moduleKind = kind;
  static int theModule;
  *module = &theModule;
  return kSuccess;
}
int cuModuleUnload(void *) { return kSuccess; }
int cuModuleGetFunction(void **function, void *module, const char *name) {
  if (!module || !name || !*name)
    return kNotFound;
  std::lock_guard<std::mutex> lock(fake().mutex);
  // The kernel's handle: its name, kept for the process.
  *function = const_cast<char *>(fake().kernels.insert(name).first->c_str());
  return kSuccess;
}
int cuLaunchKernel(void *function, unsigned gridX, unsigned gridY, unsigned gridZ,
                   unsigned blockX, unsigned blockY, unsigned blockZ, unsigned, void *,
                   void **params, void **) {
  std::lock_guard<std::mutex> lock(fake().mutex);
  const long launch = ++fake().launches;
  if (!function || !params || gridX * gridY * gridZ == 0 || blockX * blockY * blockZ == 0 ||
      blockX * blockY * blockZ > 1024)
    return kInvalidValue;
  if (launch == integerEnv("FAKE_CUDA_FAIL_LAUNCH", 0))
    return kLaunchFailed;
  fake().threads += long(gridX) * gridY * gridZ * blockX * blockY * blockZ;
  return kSuccess;
}
int cuStreamCreate(void **stream, unsigned) {
  static int theStream;
  *stream = &theStream;
  return kSuccess;
}
int cuStreamSynchronize(void *) { return kSuccess; }
int cuStreamDestroy_v2(void *) { return kSuccess; }

int cuMemAllocManaged(unsigned long long *pointer, size_t bytes, unsigned flags) {
  if (flags != 1 || bytes == 0)
    return kInvalidValue;
  void *buffer = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
  std::lock_guard<std::mutex> lock(fake().mutex);
  fake().buffers.insert(buffer);
  ++fake().allocations;
  *pointer = reinterpret_cast<uintptr_t>(buffer);
  return kSuccess;
}
int cuMemFree_v2(unsigned long long pointer) {
  void *buffer = reinterpret_cast<void *>(uintptr_t(pointer));
  std::lock_guard<std::mutex> lock(fake().mutex);
  if (!fake().buffers.erase(buffer))
    return kInvalidValue;
  std::free(buffer);
  return kSuccess;
}

int cuGetErrorName(int error, const char **name) {
  static const std::map<int, const char *> names = {
      {kSuccess, "CUDA_SUCCESS"},
      {kInvalidValue, "CUDA_ERROR_INVALID_VALUE"},
      {kInvalidImage, "CUDA_ERROR_INVALID_IMAGE"},
      {kNotFound, "CUDA_ERROR_NOT_FOUND"},
      {kLaunchFailed, "CUDA_ERROR_LAUNCH_FAILED"}};
  auto it = names.find(error);
  if (it == names.end())
    return kInvalidValue;
  *name = it->second;
  return kSuccess;
}
int cuGetErrorString(int error, const char **text) {
  const char *name;
  if (cuGetErrorName(error, &name))
    return kInvalidValue;
  *text = error == kLaunchFailed ? "unspecified launch failure (fake)" : "(fake driver)";
  return kSuccess;
}
} // extern "C"
