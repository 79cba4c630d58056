//===- Interpreter.cpp - Run hybrid IR on the reference evaluator ---------===//

#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

namespace {

std::vector<int64_t> shapeOf(Type type) {
  auto shaped = cast<RankedTensorType>(type);
  return {shaped.getShape().begin(), shaped.getShape().end()};
}

std::optional<double> toDouble(std::optional<APFloat> value) {
  if (!value)
    return std::nullopt;
  return value->convertToDouble();
}

/// "file:line:col", as compilers print positions.
std::string describeLocation(Location loc) {
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    return fileLoc.getFilename().str() + ":" +
           std::to_string(fileLoc.getLine()) + ":" +
           std::to_string(fileLoc.getColumn());
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// Strides of a row-major shape.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

class Interpreter {
public:
  /// Runs `block` with `args` bound to its arguments; on success the values
  /// of its terminator's operands are in `results`.
  bool run(Block &block, const std::vector<HostTensor> &args,
           const std::vector<int64_t> &indexArgs,
           std::vector<HostTensor> &results, std::string &error);

private:
  bool step(Operation &op, std::string &error);
  bool elementwise(Operation &op, double (*fn)(double, double));
  bool broadcast(linalg::BroadcastOp op);
  bool unary(Operation &op, double (*fn)(double));
  /// arith.addi/subi/muli: on index scalars (shapes, positions), or
  /// elementwise on integer tensors, wrapping at the element width as the
  /// compiled code does.
  bool integerOp(Operation &op, uint64_t (*fn)(uint64_t, uint64_t));
  bool extractSlice(tensor::ExtractSliceOp op, std::string &error);
  bool constant(arith::ConstantOp op, std::string &error);
  bool concat(tensor::ConcatOp op);
  /// A call of a function of the same module (an outlined layer), run by a
  /// fresh interpreter on the call's operands.
  bool call(func::CallOp op, std::string &error);

  const HostTensor &get(Value value) { return tensors.find(value)->second; }
  const HostTensor *getOptional(Value value) {
    return value ? &get(value) : nullptr;
  }
  void set(Value value, HostTensor tensor) {
    tensors[value] = std::move(tensor);
  }

  llvm::DenseMap<Value, HostTensor> tensors;
  llvm::DenseMap<Value, int64_t> indices;
};

bool Interpreter::run(Block &block, const std::vector<HostTensor> &args,
                      const std::vector<int64_t> &indexArgs,
                      std::vector<HostTensor> &results, std::string &error) {
  size_t tensorArg = 0, indexArg = 0;
  for (BlockArgument arg : block.getArguments()) {
    if (arg.getType().isIndex())
      indices[arg] = indexArgs[indexArg++];
    else
      set(arg, args[tensorArg++]);
  }
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      results.clear();
      for (Value operand : op.getOperands())
        results.push_back(get(operand));
      return true;
    }
    if (!step(op, error))
      return false;
  }
  error = "block has no terminator";
  return false;
}

bool Interpreter::call(func::CallOp op, std::string &error) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      op, op.getCalleeAttr());
  if (!callee || callee.isExternal()) {
    error = "calls '" + op.getCallee().str() + "', which has no body";
    return false;
  }
  std::vector<HostTensor> args, results;
  for (Value operand : op.getOperands())
    args.push_back(get(operand));
  std::string inner;
  if (!Interpreter().run(callee.getBody().front(), args, {}, results, inner)) {
    error = "in '" + op.getCallee().str() + "': " + inner;
    return false;
  }
  for (auto [result, value] : llvm::zip(op.getResults(), results))
    set(result, std::move(value));
  return true;
}

bool Interpreter::elementwise(Operation &op, double (*fn)(double, double)) {
  const HostTensor &a = get(op.getOperand(0)), &b = get(op.getOperand(1));
  HostTensor out = a;
  for (int64_t n = 0; n < out.numel(); ++n)
    out.floats()[n] = static_cast<float>(fn(a.floats()[n], b.floats()[n]));
  set(op.getResult(0), std::move(out));
  return true;
}

bool Interpreter::integerOp(Operation &op, uint64_t (*fn)(uint64_t, uint64_t)) {
  Value lhs = op.getOperand(0), rhs = op.getOperand(1);
  auto type = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!type) {
    indices[op.getResult(0)] = int64_t(fn(uint64_t(indices.lookup(lhs)),
                                          uint64_t(indices.lookup(rhs))));
    return true;
  }
  const unsigned shift = 64 - type.getElementTypeBitWidth();
  const HostTensor &a = get(lhs), &b = get(rhs);
  HostTensor out = a;
  for (int64_t n = 0; n < out.numel(); ++n)
    out.ints()[n] = int64_t(fn(uint64_t(a.ints()[n]), uint64_t(b.ints()[n])) << shift) >> shift;
  set(op.getResult(0), std::move(out));
  return true;
}

bool Interpreter::unary(Operation &op, double (*fn)(double)) {
  HostTensor out = get(op.getOperand(0));
  for (int64_t n = 0; n < out.numel(); ++n)
    out.floats()[n] = static_cast<float>(fn(out.floats()[n]));
  set(op.getResult(0), std::move(out));
  return true;
}

bool Interpreter::concat(tensor::ConcatOp op) {
  // Row-major: for every index of the dims before `dim`, the inputs' blocks
  // follow one another.
  const int64_t dim = op.getDim();
  std::vector<int64_t> shape = shapeOf(op.getType());
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  HostTensor out = HostTensor::zeros(shape, get(op.getInputs()[0]).dtype());
  int64_t at = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (Value input : op.getInputs()) {
      const HostTensor &in = get(input);
      const int64_t block = in.numel() / outer;
      for (int64_t n = 0; n < block; ++n, ++at) {
        if (in.isFloat())
          out.floats()[at] = in.floats()[o * block + n];
        else
          out.ints()[at] = in.ints()[o * block + n];
      }
    }
  set(op.getResult(), std::move(out));
  return true;
}

bool Interpreter::broadcast(linalg::BroadcastOp op) {
  // Output index → input index: the output's dims without `dimensions`.
  const HostTensor &in = get(op.getInput());
  std::vector<int64_t> shape = shapeOf(op.getInit().getType());
  std::vector<bool> added(shape.size(), false);
  for (int64_t d : op.getDimensions())
    added[d] = true;
  HostTensor out = HostTensor::zeros(shape, in.dtype());
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < out.numel(); ++n) {
    int64_t from = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (!added[d])
        from = from * shape[d] + index[d];
    if (in.isFloat())
      out.floats()[n] = in.floats()[from];
    else
      out.ints()[n] = in.ints()[from];
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0 && ++index[d] == shape[d]; --d)
      index[d] = 0;
  }
  set(op.getResult()[0], std::move(out));
  return true;
}

bool Interpreter::constant(arith::ConstantOp op, std::string &error) {
  Attribute value = op.getValue();
  if (auto integer = dyn_cast<IntegerAttr>(value);
      integer && op.getType().isIndex()) {
    indices[op.getResult()] = integer.getInt();
    return true;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense) {
    error = "the reference evaluator supports index and dense tensor "
            "constants only";
    return false;
  }
  std::vector<int64_t> shape = shapeOf(op.getType());
  if (isa<FloatType>(dense.getElementType())) {
    std::vector<float> values;
    for (APFloat v : dense.getValues<APFloat>())
      values.push_back(static_cast<float>(v.convertToDouble()));
    set(op.getResult(), HostTensor::fromFloats(shape, std::move(values)));
  } else {
    std::vector<int64_t> values;
    for (APInt v : dense.getValues<APInt>())
      values.push_back(v.getSExtValue());
    set(op.getResult(), HostTensor::fromInts(shape, std::move(values)));
  }
  return true;
}

bool Interpreter::extractSlice(tensor::ExtractSliceOp op, std::string &error) {
  const HostTensor &source = get(op.getSource());
  std::vector<int64_t> offsets, sizes, strides;
  for (OpFoldResult ofr : op.getMixedOffsets())
    offsets.push_back(isa<Attribute>(ofr)
                          ? cast<IntegerAttr>(cast<Attribute>(ofr)).getInt()
                          : indices.lookup(cast<Value>(ofr)));
  for (OpFoldResult ofr : op.getMixedSizes()) {
    if (!isa<Attribute>(ofr)) {
      error = "the reference evaluator needs static slice sizes";
      return false;
    }
    sizes.push_back(cast<IntegerAttr>(cast<Attribute>(ofr)).getInt());
  }
  for (OpFoldResult ofr : op.getMixedStrides())
    strides.push_back(isa<Attribute>(ofr)
                          ? cast<IntegerAttr>(cast<Attribute>(ofr)).getInt()
                          : indices.lookup(cast<Value>(ofr)));
  for (size_t d = 0; d < sizes.size(); ++d)
    if (offsets[d] < 0 ||
        offsets[d] + (sizes[d] - 1) * strides[d] >= source.dim(d)) {
      error = "slice along dim " + std::to_string(d) + " (offset " +
              std::to_string(offsets[d]) + ", size " +
              std::to_string(sizes[d]) + ") is outside the source " +
              source.typeString();
      return false;
    }

  HostTensor out = HostTensor::zeros(sizes, source.dtype());
  const std::vector<int64_t> sourceStrides = stridesOf(source.shape());
  std::vector<int64_t> index(sizes.size(), 0);
  for (int64_t n = 0; n < out.numel(); ++n) {
    int64_t from = 0;
    for (size_t d = 0; d < sizes.size(); ++d)
      from += (offsets[d] + index[d] * strides[d]) * sourceStrides[d];
    if (source.isFloat())
      out.floats()[n] = source.floats()[from];
    else
      out.ints()[n] = source.ints()[from];
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  set(op.getResult(), out.reshaped(shapeOf(op.getType())));
  return true;
}

bool Interpreter::step(Operation &op, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = describeLocation(op.getLoc()) + ": '" +
            op.getName().getStringRef().str() + "': " + message;
    return false;
  };
  std::string opError;
  bool ok =
      llvm::TypeSwitch<Operation *, bool>(&op)
          .Case([&](AttentionOp o) {
            AttentionParams params{o.getMask().getSpec(), o.getEffectiveScale(),
                                   toDouble(o.getSoftcap()), o.getQOffset()};
            params.globals = getOptional(o.getGlobals());
            params.globalRowsOnly = o.getGlobalRowsOnly();
            // (The verifier checks this for static shapes only.)
            if (params.globals &&
                params.qOffset + get(o.getQuery()).dim(2) > get(o.getKey()).dim(2))
              return fail("'globals' flags the key positions, so q_offset + query rows must "
                          "not pass the keys");
            set(o, attention(get(o.getQuery()), get(o.getKey()),
                             get(o.getValue()), getOptional(o.getBias()),
                             params));
            return true;
          })
          .Case([&](RelAttentionOp o) {
            double scale = o.getScale()
                               ? o.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(
                                           get(o.getQuery()).dim(3)));
            set(o, relAttention(get(o.getQuery()), get(o.getKey()),
                                get(o.getValue()), get(o.getPos()),
                                get(o.getContentBias()),
                                get(o.getPositionBias()),
                                o.getMask().getSpec(), scale,
                                o.getBias() ? &get(o.getBias()) : nullptr));
            return true;
          })
          .Case([&](LinearAttentionOp o) {
            set(o, linearAttention(
                       get(o.getQuery()), get(o.getKey()), get(o.getValue()),
                       o.getMask().getKind() == MaskKind::Causal,
                       o.getEps().convertToDouble(),
                       o.getState() ? &get(o.getState()) : nullptr,
                       o.getNormalizer() ? &get(o.getNormalizer()) : nullptr));
            return true;
          })
          .Case([&](LinearAttentionStateOp o) {
            LinearAttentionState next =
                linearAttentionState(get(o.getKey()), get(o.getValue()),
                                     get(o.getState()), get(o.getNormalizer()));
            set(o.getFinalState(), std::move(next.state));
            set(o.getFinalNormalizer(), std::move(next.normalizer));
            return true;
          })
          .Case([&](SelectiveScanOp o) {
            SelectiveScanInputs in;
            in.x = &get(o.getX());
            in.delta = &get(o.getDelta());
            in.A = &get(o.getA());
            in.B = &get(o.getB());
            in.C = &get(o.getC());
            in.D = getOptional(o.getD());
            in.z = getOptional(o.getZ());
            in.deltaBias = getOptional(o.getDeltaBias());
            in.initialState = getOptional(o.getInitialState());
            in.deltaSoftplus = o.getDeltaSoftplus();
            ScanResult r = selectiveScan(in);
            set(o.getY(), std::move(r.y));
            set(o.getFinalState(), std::move(r.finalState));
            return true;
          })
          .Case([&](SSDScanOp o) {
            SSDScanInputs in;
            in.x = &get(o.getX());
            in.dt = &get(o.getDt());
            in.A = &get(o.getA());
            in.B = &get(o.getB());
            in.C = &get(o.getC());
            in.D = getOptional(o.getD());
            in.z = getOptional(o.getZ());
            in.dtBias = getOptional(o.getDtBias());
            in.initialState = getOptional(o.getInitialState());
            in.dtSoftplus = o.getDtSoftplus();
            in.dtMin = toDouble(o.getDtMin());
            in.dtMax = toDouble(o.getDtMax());
            ScanResult r = ssdScan(in);
            set(o.getY(), std::move(r.y));
            set(o.getFinalState(), std::move(r.finalState));
            return true;
          })
          .Case([&](RGLRUOp o) {
            RGLRUInputs in;
            in.x = &get(o.getX());
            in.inputGate = &get(o.getInputGate());
            in.inputGateBias = &get(o.getInputGateBias());
            in.recurrentGate = &get(o.getRecurrentGate());
            in.recurrentGateBias = &get(o.getRecurrentGateBias());
            in.recurrentParam = &get(o.getRecurrentParam());
            in.initialState = getOptional(o.getInitialState());
            in.positions = getOptional(o.getPositions());
            in.c = o.getC().convertToDouble();
            ScanResult r = rgLru(in);
            set(o.getY(), std::move(r.y));
            set(o.getFinalState(), std::move(r.finalState));
            return true;
          })
          .Case([&](GatedDeltaRuleOp o) {
            GatedDeltaRuleInputs in;
            in.query = &get(o.getQuery());
            in.key = &get(o.getKey());
            in.value = &get(o.getValue());
            in.g = &get(o.getG());
            in.beta = &get(o.getBeta());
            in.initialState = getOptional(o.getInitialState());
            in.qkL2Norm = o.getQkL2norm();
            in.scale = o.getScale() ? o.getScale()->convertToDouble()
                                    : 1.0 / std::sqrt(double(in.query->dim(3)));
            ScanResult r = gatedDeltaRule(in);
            set(o.getResult(), std::move(r.y));
            set(o.getFinalState(), std::move(r.finalState));
            return true;
          })
          .Case([&](CausalConv1DOp o) {
            ScanResult r = causalConv1d(get(o.getInput()), get(o.getWeight()),
                                        getOptional(o.getBias()),
                                        getOptional(o.getState()),
                                        o.getActivation());
            set(o.getResult(), std::move(r.y));
            set(o.getFinalState(), std::move(r.finalState));
            return true;
          })
          .Case([&](Conv2DOp o) {
            Conv2DParams params;
            for (int d = 0; d < 2; ++d) {
              params.strides[d] = o.getStrides()[d];
              params.padding[d] = o.getPadding()[d];
              params.dilations[d] = o.getDilations()[d];
            }
            params.groups = o.getGroups();
            set(o, conv2d(get(o.getInput()), get(o.getWeight()),
                          getOptional(o.getBias()), params));
            return true;
          })
          .Case([&](MemoryReadOp o) {
            set(o, memoryRead(get(o.getMemory()), get(o.getKeys()),
                              get(o.getStrength()),
                              o.getEps().convertToDouble()));
            return true;
          })
          .Case([&](MemoryWriteOp o) {
            set(o, memoryWrite(get(o.getMemory()), get(o.getKeys()),
                               get(o.getStrength()), get(o.getErase()),
                               get(o.getAdd()), getOptional(o.getGate()),
                               o.getEps().convertToDouble()));
            return true;
          })
          .Case([&](MemoryReadWriteOp o) {
            MemoryReadWriteResult r = memoryReadWrite(
                get(o.getMemory()), get(o.getReadKeys()), get(o.getReadStrength()),
                get(o.getKeys()), get(o.getStrength()), get(o.getErase()),
                get(o.getAdd()), getOptional(o.getGate()), o.getEps().convertToDouble());
            set(o.getReads(), std::move(r.reads));
            set(o.getFinalMemory(), std::move(r.memory));
            return true;
          })
          .Case([&](MoEOp o) {
            MoERouting routing;
            routing.sigmoid = o.getSigmoidRouter();
            routing.selectionBias = getOptional(o.getSelectionBias());
            routing.scaling = o.getRoutedScaling().convertToDouble();
            routing.normalizeEpsilon = o.getNormalizeEpsilon().convertToDouble();
            routing.routerInput = getOptional(o.getRouterInput());
            routing.groups = o.getExpertGroups();
            routing.topGroups = o.getTopGroups();
            set(o, moe(get(o.getInput()), get(o.getRouter()), get(o.getGate()),
                       get(o.getUp()), get(o.getDown()), o.getTopK(),
                       o.getNormalizeTopK(), o.getActivation(), routing));
            return true;
          })
          .Case([&](RecurrentDepthOp o) {
            Block &body = o.getBody().front();
            DepthBody applyBody = [&](const HostTensor &state, int64_t stepIndex,
                                HostTensor &next, HostTensor *halting,
                                std::string &bodyError) {
              std::vector<HostTensor> yielded;
              // Same interpreter: the body reads weights defined above it.
              if (!this->run(body, {state}, {stepIndex}, yielded, bodyError))
                return false;
              next = std::move(yielded[0]);
              if (halting)
                *halting = std::move(yielded[1]);
              return true;
            };
            HostTensor result;
            if (!recurrentDepth(get(o.getInit()), o.getMaxSteps(),
                                toDouble(o.getHaltThreshold()), applyBody, result,
                                opError))
              return false;
            set(o, std::move(result));
            return true;
          })
          .Case([&](LinearOp o) {
            set(o, linear(get(o.getInput()), get(o.getWeight()),
                          getOptional(o.getBias())));
            return true;
          })
          .Case([&](EmbeddingOp o) {
            HostTensor result;
            if (!embedding(get(o.getIds()), get(o.getTable()),
                           toDouble(o.getScale()), result, opError))
              return false;
            set(o, std::move(result));
            return true;
          })
          .Case([&](RMSNormOp o) {
            set(o, rmsNorm(get(o.getInput()), get(o.getWeight()),
                           o.getEps().convertToDouble(), o.getUnitOffset(),
                           o.getGroupSize()));
            return true;
          })
          .Case([&](LayerNormOp o) {
            set(o, layerNorm(get(o.getInput()), getOptional(o.getWeight()),
                             getOptional(o.getBias()),
                             o.getEps().convertToDouble()));
            return true;
          })
          .Case([&](RopeOp o) {
            set(o, rope(get(o.getInput()), getOptional(o.getPositions()),
                        o.getTheta().convertToDouble(), o.getPositionOffset(),
                        o.getInterleaved(), o.getInvFreq().value_or(ArrayRef<float>()),
                        o.getAttentionScaling().convertToDouble(),
                        o.getLongInvFreq().value_or(ArrayRef<float>()),
                        o.getNtkFactor() ? o.getNtkFactor()->convertToDouble() : 0.0,
                        o.getOriginalContext(), getOptional(o.getExtent())));
            return true;
          })
          .Case([&](SplitHeadsOp o) {
            set(o, splitHeads(get(o.getInput()), o.getHeads()));
            return true;
          })
          .Case([&](MergeHeadsOp o) {
            set(o, mergeHeads(get(o.getInput())));
            return true;
          })
          .Case([&](GatedMLPOp o) {
            set(o, gatedMlp(get(o.getInput()), get(o.getGate()),
                            get(o.getUp()), get(o.getDown()),
                            o.getActivation()));
            return true;
          })
          .Case([&](ActivationOp o) {
            set(o, activation(get(o.getInput()), o.getKind()));
            return true;
          })
          .Case([&](CacheWriteOp o) {
            HostTensor result;
            if (!cacheWrite(get(o.getCache()), get(o.getNewValues()), get(o.getPositions()),
                            o.getRing(), result, opError))
              return false;
            set(o, std::move(result));
            return true;
          })
          .Case([&](CacheBiasOp o) {
            set(o, cacheBias(get(o.getPositions()), o.getCapacity(), o.getWindow(),
                             o.getRing()    ? CacheLayout::Ring
                             : o.getShift() ? CacheLayout::Shift
                                            : CacheLayout::Plain,
                             o.getWritten()));
            return true;
          })
          .Case([&](MaskBiasOp o) {
            set(o, maskBias(get(o.getGlobals()), o.getMask().getSpec()));
            return true;
          })
          .Case([&](PositionIdsOp o) {
            set(o, positionIds(get(o.getIds()), o.getPaddingIdx()));
            return true;
          })
          .Case([&](SelectTokensOp o) {
            set(o, selectTokens(get(o.getFlags()), get(o.getOnTrue()),
                                get(o.getOnFalse())));
            return true;
          })
          .Case([&](SoftcapOp o) {
            set(o, softcap(get(o.getInput()), o.getCap().convertToDouble()));
            return true;
          })
          .Case([&](arith::AddFOp o) {
            return elementwise(*o, [](double a, double b) { return a + b; });
          })
          .Case([&](arith::SubFOp o) {
            return elementwise(*o, [](double a, double b) { return a - b; });
          })
          .Case([&](arith::MulFOp o) {
            return elementwise(*o, [](double a, double b) { return a * b; });
          })
          .Case([&](arith::DivFOp o) {
            return elementwise(*o, [](double a, double b) { return a / b; });
          })
          .Case([&](arith::MaximumFOp o) {
            return elementwise(*o, [](double a, double b) {
              return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
            });
          })
          .Case([&](arith::NegFOp o) {
            return unary(*o, [](double x) { return -x; });
          })
          .Case([&](math::ExpOp o) {
            return unary(*o, [](double x) { return std::exp(x); });
          })
          .Case([&](math::LogOp o) {
            return unary(*o, [](double x) { return std::log(x); });
          })
          .Case([&](math::TanhOp o) {
            return unary(*o, [](double x) { return std::tanh(x); });
          })
          .Case([&](math::SqrtOp o) {
            return unary(*o, [](double x) { return std::sqrt(x); });
          })
          .Case([&](arith::ConstantOp o) { return constant(o, opError); })
          .Case([&](arith::ExtFOp o) {
            // A weight kept in bfloat16 (hybrid-bf16-weights), widened
            // exactly: the reference of --weight-type=bf16.
            const HostTensor &in = get(o.getIn());
            if (in.dtype() != DType::BF16) {
              opError = "arith.extf: the reference widens bf16 tensors only, got " +
                        in.typeString();
              return false;
            }
            set(o.getResult(), in.widenedFromBFloat16());
            return true;
          })
          .Case([&](arith::TruncFOp o) {
            // f32 rounded to bfloat16 (to nearest, ties to even): what the
            // runtime does to a weight kept in bf16, here on any tensor.
            const HostTensor &in = get(o.getIn());
            if (in.dtype() != DType::F32 ||
                !getElementTypeOrSelf(o.getResult().getType()).isBF16()) {
              opError = "arith.truncf: the reference rounds f32 tensors to bf16 only, got " +
                        in.typeString();
              return false;
            }
            set(o.getResult(), in.roundedToBFloat16());
            return true;
          })
          .Case([&](arith::AddIOp o) {
            return integerOp(*o, [](uint64_t a, uint64_t b) { return a + b; });
          })
          .Case([&](arith::SubIOp o) {
            return integerOp(*o, [](uint64_t a, uint64_t b) { return a - b; });
          })
          .Case([&](arith::MulIOp o) {
            return integerOp(*o, [](uint64_t a, uint64_t b) { return a * b; });
          })
          .Case([&](tensor::ExtractSliceOp o) {
            return extractSlice(o, opError);
          })
          .Case([&](tensor::ConcatOp o) { return concat(o); })
          .Case([&](linalg::BroadcastOp o) { return broadcast(o); })
          .Case([&](tensor::EmptyOp o) {
            // Only ever an init that the op using it overwrites.
            set(o, HostTensor::zeros(shapeOf(o.getType())));
            return true;
          })
          .Case([&](func::CallOp o) { return call(o, opError); })
          .Case([&](tensor::ExpandShapeOp o) {
            set(o, get(o.getSrc()).reshaped(shapeOf(o.getType())));
            return true;
          })
          .Case([&](tensor::CollapseShapeOp o) {
            set(o, get(o.getSrc()).reshaped(shapeOf(o.getType())));
            return true;
          })
          .Default([&](Operation *) {
            opError = "not supported by the reference evaluator";
            return false;
          });
  if (!ok)
    return fail(opError);
  return true;
}

} // namespace

bool mlir::hybrid::reference::interpret(func::FuncOp func,
                                        const std::vector<HostTensor> &args,
                                        std::vector<HostTensor> &results,
                                        std::string &error) {
  if (func.isExternal()) {
    error = "function '" + func.getName().str() + "' has no body";
    return false;
  }
  return Interpreter().run(func.getBody().front(), args, {}, results, error);
}
