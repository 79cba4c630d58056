//===- ImportedLocations.h - Where an imported op comes from ----*- C++ -*-===//
//
// An imported model has no IR text to point into, so its ops carry names:
// the model file, then the weight of a projection or norm
// ("model.layers.3.self_attn.q_proj") or the layer ("layers.3") for the rest,
// as NameLocs. A diagnostic on such an op is printed as
//
//   config.json: model.layers.3.self_attn.q_proj: error: MESSAGE
//
// instead of `<unknown>:0: error: MESSAGE`.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_FRONTEND_IMPORTEDLOCATIONS_H
#define HYBRID_FRONTEND_IMPORTEDLOCATIONS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::hybrid {

/// Wraps the location of every op of `module` in a NameLoc of `path`.
void attachModelFile(ModuleOp module, const std::string &path);

/// "NAME: NAME" for the NameLocs of `loc` from the outermost in, or empty
/// when it has none.
std::string describeNamedLocation(Location loc);

/// While alive, prints diagnostics on named locations as
/// `NAMES: error: MESSAGE` (and their notes) on `os`; the others go on to
/// the handlers registered before it (a SourceMgr handler for IR text).
class ImportedModelDiagnostics : public ScopedDiagnosticHandler {
public:
  explicit ImportedModelDiagnostics(MLIRContext *context,
                                    llvm::raw_ostream &os = llvm::errs());
};

} // namespace mlir::hybrid

#endif // HYBRID_FRONTEND_IMPORTEDLOCATIONS_H
