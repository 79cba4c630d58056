//===- ModelInterface.h - A compiled model's interface as data --*- C++ -*-===//
//
// What the runtime needs to know of a model, written by the compiler (from
// the signature attributes of DESIGN.md §5, read once by readSignature) and
// stored in compiled-model artifacts as JSON: every function the model was
// compiled to (batch, tokens, whether it is a session's first call), every
// argument's role (the token ids, positions, the request's extent, a weight with its checkpoint
// name and shape, carried state with its name, shape and initial value,
// zeros), and the state each result carries. ModelCode is where those
// functions' code comes from: a loaded artifact here, or the compiler (JIT
// or reference evaluator) on the tools' side.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_MODELINTERFACE_H
#define HYBRID_RUNTIME_MODELINTERFACE_H

#include "hybrid/Runtime/Executable.h"
#include "hybrid/Support/HostTensor.h"

#include <deque>
#include <string>
#include <vector>

namespace mlir::hybrid {

enum class ArgumentKind { Ids, Positions, Extent, State, Zeros, Weight };

/// "ids", "positions", "extent", "state", "zeros", "weight".
const char *stringifyArgumentKind(ArgumentKind role);

struct ProgramArgument {
  ArgumentKind kind = ArgumentKind::Weight;
  std::string name;          ///< a weight's checkpoint name, a state's name
  std::string initialWeight; ///< a state's starting value (empty: zeros)
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  /// A weight the code reads in panels of this many rows, packed once at
  /// load (TensorSignature::panelRows); 0: as the checkpoint stores it.
  int64_t panelRows = 0;
};

/// One compiled entry point: token ids [batch, tokens] → logits
/// [batch, tokens, vocab], then the next value of each carried state.
struct ProgramFunction {
  std::string symbol; ///< its name in the compiled code
  int64_t batch = 1, tokens = 1;
  bool firstCall = false; ///< positions start at 0, no cache reads
  std::vector<ProgramArgument> arguments;
  /// Result 0 is the logits; result 1 + i carries state stateResults[i].
  std::vector<std::string> stateResults;
  /// Shapes and types of every argument and result, for callPacked.
  FunctionSignature signature;
  /// The code updates carried state where it is passed: a state result
  /// with the name, shape and type of a state argument ends in that
  /// argument's buffer, and its own buffer is scratch the caller passes but
  /// does not read (hybrid-write-state-in-place). False: every state result
  /// is the next state (the reference evaluator; artifacts written before).
  bool stateInPlace = false;

  /// Result 1 + s's state argument, when stateInPlace pairs them; -1 if not.
  int64_t inPlaceArgument(size_t s) const;
};

struct ModelInterface {
  std::string model;     ///< what it was compiled from (for messages)
  std::string modelType; ///< e.g. "gemma2", or "hybrid-model"
  int64_t vocabSize = 0;
  int64_t maxTokens = 0;
  /// The LLVM CPU and features the code was compiled for ("+avx2,+fma,…");
  /// empty for code compiled in memory for this machine.
  std::string cpu, features;
  /// Where the code's kernels run: "cpu", or "cuda" (host code that launches
  /// kernels compiled for `gpuChip`, sm_80 ...; CudaDevice.h).
  std::string target = "cpu";
  std::string gpuChip;
  /// The token counts a session's calls are split into, largest first.
  std::vector<int64_t> chunkSizes;
  /// A deque: pointers to its functions stay valid as the compiler adds more.
  std::deque<ProgramFunction> functions;

  /// The function for batch × tokens, or null.
  const ProgramFunction *find(int64_t batch, int64_t tokens, bool firstCall) const;

  /// JSON text, and back; fromJson names the field that is wrong.
  std::string toJson() const;
  static bool fromJson(const std::string &text, ModelInterface &out, std::string &error);
};

/// Where a model's functions come from.
class ModelCode {
public:
  virtual ~ModelCode();
  /// vocab, maxTokens, chunk sizes and the functions compiled so far.
  virtual const ModelInterface &interface() const = 0;
  /// The function for batch × tokens: compiled now when this code can
  /// compile (the tools' side), looked up otherwise. Null with `error` set.
  virtual const ProgramFunction *function(int64_t batch, int64_t tokens,
                                          bool firstCall, std::string &error) = 0;
  /// Runs `fn` on `args` (one per argument, in place).
  virtual bool run(const ProgramFunction &fn, const std::vector<const HostTensor *> &args,
                   std::vector<HostTensor> &results, std::string &error) = 0;
  /// How many functions this code compiled (0 for a loaded artifact).
  virtual int64_t compiledFunctions() const { return 0; }
};

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_MODELINTERFACE_H
