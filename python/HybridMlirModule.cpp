//===- HybridMlirModule.cpp - hybrid_mlir._core, the Python binding -------===//
//
// The runtime API (hybrid/Runtime/Model.h) and the compiler's model loading
// (hybrid/Compiler/CompileCache.h) for Python: models, sessions, snapshots
// and the sampler, with arrays in and out. The Python layer
// (hybrid_mlir/__init__.py) builds `load`, `generate` and defaults on this.
//
// Every call that runs or compiles a model releases the GIL. Errors are
// hybrid_mlir.Error with the tools' messages. Arrays cross through Python's
// buffer protocol only, never numpy's C API (whose layout changed in numpy 2,
// which the pybind11 of Debian 12 predates): logits come back as a `Tensor`
// exposing the runtime's own buffer (np.asarray of it copies nothing); ids
// are copied in, as the runtime keeps its own int64 tensor.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Compiler/CompileCache.h"
#include "hybrid/Compiler/FunctionRunner.h"
#include "hybrid/Compiler/ModelCompiler.h"
#include "hybrid/Runtime/Model.h"
#include "hybrid/Runtime/Sampling.h"
#include "hybrid/Runtime/Threads.h"
#include "hybrid/Support/ModelDirectory.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>

namespace py = pybind11;
using namespace mlir::hybrid;

namespace {

/// hybrid_mlir.Error, set up at import.
py::object errorType;

[[noreturn]] void raise(const std::string &message) {
  PyErr_SetString(errorType.ptr(), message.c_str());
  throw py::error_already_set();
}

/// A C-contiguous buffer of `itemSize`-byte elements of `kind` ('i'
/// signed integers, 'f' floats), as the Python layer passes them
/// (np.ascontiguousarray of the right dtype).
py::buffer_info contiguous(const py::buffer &buffer, char kind, py::ssize_t itemSize,
                           const std::string &what) {
  py::buffer_info info = buffer.request();
  const std::string &format = info.format;
  const char code = format.empty() ? '?' : format.back();
  const bool isInt = code == 'l' || code == 'q' || code == 'i';
  const bool isFloat = code == 'f';
  if (info.itemsize != itemSize || (kind == 'i' ? !isInt : !isFloat))
    raise(what + ": expected " + (kind == 'i' ? "int64" : "float32") +
          " elements, got buffer format '" + format + "'");
  py::ssize_t expected = itemSize;
  for (py::ssize_t d = info.ndim - 1; d >= 0; --d) {
    if (info.shape[d] > 1 && info.strides[d] != expected)
      raise(what + ": the array must be C-contiguous");
    expected *= info.shape[d];
  }
  return info;
}

/// `ids` as the runtime's int64 [batch, n] tensor.
HostTensor idsFromBuffer(const py::buffer &buffer, const char *what) {
  py::buffer_info info = contiguous(buffer, 'i', 8, what);
  if (info.ndim != 2)
    raise(std::string(what) + ": token ids must be [batch, length], got rank " +
          std::to_string(info.ndim));
  const auto *data = static_cast<const int64_t *>(info.ptr);
  std::vector<int64_t> shape(info.shape.begin(), info.shape.end());
  return HostTensor::fromInts(std::move(shape),
                              std::vector<int64_t>(data, data + info.size));
}

/// A float32 result the runtime wrote, handed to Python as it is.
struct PyTensor {
  HostTensor tensor;
};

/// Any C-contiguous float32 or int64 buffer (the Python layer converts to
/// one of them) as a HostTensor.
HostTensor tensorFromBuffer(const py::buffer &buffer, const std::string &what) {
  py::buffer_info info = buffer.request();
  const char code = info.format.empty() ? '?' : info.format.back();
  const bool isFloat = code == 'f' && info.itemsize == 4;
  py::buffer_info checked = contiguous(buffer, isFloat ? 'f' : 'i', isFloat ? 4 : 8, what);
  std::vector<int64_t> shape(checked.shape.begin(), checked.shape.end());
  if (isFloat) {
    const auto *data = static_cast<const float *>(checked.ptr);
    return HostTensor::fromFloats(std::move(shape),
                                  std::vector<float>(data, data + checked.size));
  }
  const auto *data = static_cast<const int64_t *>(checked.ptr);
  return HostTensor::fromInts(std::move(shape), std::vector<int64_t>(data, data + checked.size));
}

/// One function of a .mlir file, compiled (cpu) or on the reference.
struct PyFunction {
  std::unique_ptr<FunctionRunner> runner;
  std::mutex lock;

  std::vector<PyTensor> run(const std::vector<py::buffer> &buffers) {
    std::vector<HostTensor> inputs;
    for (size_t n = 0; n < buffers.size(); ++n)
      inputs.push_back(tensorFromBuffer(buffers[n], "input " + std::to_string(n)));
    std::vector<HostTensor> results;
    std::string error;
    bool ok;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> guard(lock);
      ok = runner->run(inputs, results, error);
    }
    if (!ok)
      raise(error);
    std::vector<PyTensor> out;
    for (HostTensor &result : results)
      out.push_back(PyTensor{std::move(result)});
    return out;
  }
};

std::shared_ptr<PyFunction> loadFunction(const std::string &path, const std::string &function,
                                         const std::string &weights, int randomSeed,
                                         const std::string &target) {
  if (target != "cpu" && target != "reference")
    raise("target must be \"cpu\" or \"reference\", got \"" + target + "\"");
  FunctionRunner::Options options;
  options.target = target == "cpu" ? Target::CPU : Target::Reference;
  options.function = function;
  options.weights = weights;
  options.randomWeights = randomSeed;
  auto result = std::make_shared<PyFunction>();
  std::string error;
  {
    py::gil_scoped_release release;
    result->runner = FunctionRunner::load(path, options, error);
  }
  if (!result->runner)
    raise(error);
  return result;
}

/// A model for one batch size: the compiled (or cached, or reference)
/// functions a session of that batch calls, with the weights.
struct PyModel {
  std::unique_ptr<Model> model;
  int64_t batch = 1;
  /// A Model and its Sessions are not thread-safe (a session's position is
  /// checked, then advanced, around the call): every use from Python holds
  /// this, taken with the GIL released so that other threads run meanwhile.
  std::mutex lock;
};

struct PySession {
  std::shared_ptr<PyModel> owner; // keeps the model alive
  std::unique_ptr<Session> session;

  PyTensor run(const py::buffer &buffer, bool decode) {
    HostTensor ids = idsFromBuffer(buffer, decode ? "decode" : "prefill");
    HostTensor logits;
    std::string error;
    bool ok;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> guard(owner->lock);
      ok = decode ? session->decode(ids, logits, error)
                  : session->prefill(ids, logits, error);
    }
    if (!ok)
      raise(error);
    return PyTensor{std::move(logits)};
  }
};

std::shared_ptr<PyModel> load(const std::string &description, const std::string &weights,
                              int randomSeed, const std::string &target, int64_t maxTokens,
                              int64_t batch, bool useCache, const std::string &cacheDir,
                              bool verbose, const std::string &weightType) {
  if (target != "cpu" && target != "reference")
    raise("target must be \"cpu\" or \"reference\", got \"" + target + "\"");
  WeightType weightKind;
  if (!parseWeightType(weightType, weightKind))
    raise("weight_type must be \"f32\", \"bf16\" or \"bf16-matmul\", got \"" + weightType +
          "\"");
  if (maxTokens < 1 || maxTokens > (int64_t(1) << 24))
    raise("max_tokens must be in [1, 2^24], got " + std::to_string(maxTokens));
  const Weights source = weights.empty() ? Weights::random(randomSeed)
                                         : Weights::fromFile(weights);
  SessionModelOptions options;
  options.target = target == "cpu" ? Target::CPU : Target::Reference;
  options.batch = batch;
  options.maxTokens = maxTokens;
  options.checkpoint = weights;
  options.useCache = useCache;
  options.cacheDir = cacheDir;
  options.verbose = verbose;
  options.weightType = weightKind;
  auto result = std::make_shared<PyModel>();
  result->batch = batch;
  std::string how, error;
  {
    py::gil_scoped_release release;
    result->model = loadModelForSessions(description, source, options, how, error);
  }
  if (!result->model)
    raise(error);
  return result;
}

py::buffer_info logitsRow(const py::buffer &logits) {
  py::buffer_info row = contiguous(logits, 'f', 4, "sampler");
  if (row.ndim != 1 || row.size < 1)
    raise("sampler: logits must be one row [vocab], got rank " + std::to_string(row.ndim));
  return row;
}

py::dict openDirectory(const std::string &path) {
  ModelDirectory directory;
  std::string error;
  if (!openModelDirectory(path, directory, error))
    raise(error);
  py::dict sampling;
  const SamplingSettings &s = directory.sampling;
  if (s.doSample)
    sampling["do_sample"] = *s.doSample;
  if (s.temperature)
    sampling["temperature"] = *s.temperature;
  if (s.topK)
    sampling["top_k"] = *s.topK;
  if (s.topP)
    sampling["top_p"] = *s.topP;
  if (s.minP)
    sampling["min_p"] = *s.minP;
  if (s.repetitionPenalty)
    sampling["repetition_penalty"] = *s.repetitionPenalty;
  if (s.seed)
    sampling["seed"] = *s.seed;
  py::dict out;
  out["config"] = directory.config;
  out["weights"] = directory.weights;
  out["eos_token_ids"] = directory.eosTokenIds;
  out["pad_token_id"] = directory.padTokenId ? py::cast(*directory.padTokenId) : py::none();
  out["sampling"] = sampling;
  return out;
}

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "hybrid-mlir's runtime and compiler (see hybrid_mlir for the API)";
  errorType = py::reinterpret_borrow<py::object>(
      PyErr_NewExceptionWithDoc("hybrid_mlir.Error",
                                "An error from hybrid-mlir, with the tools' message.",
                                PyExc_RuntimeError, nullptr));
  m.attr("Error") = errorType;

  m.def("is_directory", &isDirectory, py::arg("path"));
  m.def("open_directory", &openDirectory, py::arg("path"),
        "A checkpoint directory's config, weights, eos/pad ids and the sampling "
        "defaults of its generation_config.json.");
  m.def("set_threads", [](long threads) {
    std::string error;
    if (!setThreadCount(threads, error))
      raise(error);
  }, py::arg("threads"));
  m.def("thread_count", &threadCount);

  py::class_<PyTensor>(m, "Tensor", py::buffer_protocol())
      .def_buffer([](PyTensor &t) {
        HostTensor &h = t.tensor;
        std::vector<py::ssize_t> shape(h.shape().begin(), h.shape().end());
        std::vector<py::ssize_t> strides(shape.size());
        py::ssize_t stride = sizeof(float);
        for (size_t d = shape.size(); d-- > 0;) {
          strides[d] = stride;
          stride *= shape[d];
        }
        // Integer results (i32 or i64) are held as int64.
        const py::ssize_t item = h.isFloat() ? sizeof(float) : sizeof(int64_t);
        for (py::ssize_t &s : strides)
          s = s / py::ssize_t(sizeof(float)) * item;
        if (!h.isFloat())
          return py::buffer_info(h.ints(), item, py::format_descriptor<int64_t>::format(),
                                 py::ssize_t(shape.size()), shape, strides);
        return py::buffer_info(h.floats(), item, py::format_descriptor<float>::format(),
                               py::ssize_t(shape.size()), shape, strides);
      });

  py::class_<PyModel, std::shared_ptr<PyModel>>(m, "Model")
      .def_property_readonly("vocab_size", [](const PyModel &p) { return p.model->vocabSize(); })
      .def_property_readonly("max_tokens", [](const PyModel &p) { return p.model->maxTokens(); })
      .def_property_readonly("batch", [](const PyModel &p) { return p.batch; })
      .def_property_readonly("compiled_functions",
                             [](const PyModel &p) { return p.model->compiledFunctions(); })
      .def("new_session", [](const std::shared_ptr<PyModel> &p) {
        auto result = std::make_unique<PySession>();
        result->owner = p;
        std::string error;
        {
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> guard(p->lock);
          result->session = p->model->newSession(p->batch, error);
        }
        if (!result->session)
          raise(error);
        return result;
      });

  py::class_<Snapshot>(m, "Snapshot")
      .def_property_readonly("tokens", [](const Snapshot &s) { return s.position; });

  py::class_<PySession>(m, "Session")
      .def("prefill", [](PySession &s, const py::buffer &ids) { return s.run(ids, false); },
           py::arg("ids"))
      .def("decode", [](PySession &s, const py::buffer &ids) { return s.run(ids, true); },
           py::arg("ids"))
      .def("snapshot", [](const PySession &s) {
        std::lock_guard<std::mutex> guard(s.owner->lock);
        return s.session->snapshot();
      })
      .def("restore", [](PySession &s, const Snapshot &snapshot) {
        std::string error;
        bool ok;
        {
          std::lock_guard<std::mutex> guard(s.owner->lock);
          ok = s.session->restore(snapshot, error);
        }
        if (!ok)
          raise(error);
      }, py::arg("snapshot"))
      .def("reset", [](PySession &s) {
        std::lock_guard<std::mutex> guard(s.owner->lock);
        s.session->reset();
      })
      .def_property_readonly("tokens", [](const PySession &s) { return s.session->tokens(); })
      .def_property_readonly("state_bytes",
                             [](const PySession &s) { return s.session->stateBytes(); });

  py::class_<Sampler>(m, "Sampler")
      .def(py::init([](bool doSample, double temperature, int64_t topK, double topP,
                       double minP, double repetitionPenalty, uint64_t seed) {
             SamplingOptions options;
             options.doSample = doSample;
             options.temperature = temperature;
             options.topK = topK;
             options.topP = topP;
             options.minP = minP;
             options.repetitionPenalty = repetitionPenalty;
             options.seed = seed;
             if (std::string problem = options.validate(); !problem.empty())
               raise(problem);
             return std::make_unique<Sampler>(options);
           }),
           py::arg("do_sample"), py::arg("temperature"), py::arg("top_k"), py::arg("top_p"),
           py::arg("min_p"), py::arg("repetition_penalty"), py::arg("seed"))
      .def("next", [](Sampler &sampler, const py::buffer &logits,
                      const std::vector<int64_t> &seen) {
        py::buffer_info row = logitsRow(logits);
        return sampler.next(static_cast<const float *>(row.ptr), row.size, seen);
      }, py::arg("logits"), py::arg("seen"))
      .def("distribution", [](const Sampler &sampler, const py::buffer &logits,
                              const std::vector<int64_t> &seen) {
        py::buffer_info row = logitsRow(logits);
        return sampler.distribution(static_cast<const float *>(row.ptr), row.size, seen);
      }, py::arg("logits"), py::arg("seen"),
      "The probabilities next() draws from (a one-hot of its choice when greedy).");

  py::class_<PyFunction, std::shared_ptr<PyFunction>>(m, "Function")
      .def_property_readonly("name", [](const PyFunction &f) { return f.runner->functionName(); })
      .def_property_readonly("input_count",
                             [](const PyFunction &f) { return f.runner->inputCount(); })
      .def("run", &PyFunction::run, py::arg("inputs"));
  m.def("load_function", &loadFunction, py::arg("path"), py::arg("function"), py::arg("weights"),
        py::arg("random_seed"), py::arg("target"));

  m.def("load", &load, py::arg("description"), py::arg("weights"), py::arg("random_seed"),
        py::arg("target"), py::arg("max_tokens"), py::arg("batch"), py::arg("use_cache"),
        py::arg("cache_dir"), py::arg("verbose"), py::arg("weight_type"));
}
