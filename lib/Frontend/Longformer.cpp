//===- Longformer.cpp - Hugging Face LongformerModel / ForMaskedLM --------===//
//
// HF transformers' modeling_longformer.py and configuration_longformer.py
// (4.46), MATH.md §5. RoBERTa embeddings (word + position + token type 0,
// LayerNorm; positions count non-padding tokens from pad_token_id + 1);
// post-LN layers whose self-attention is a band of one-sided radius
// attention_window[l] / 2 plus the global tokens of the `global_attention_mask` input: every token sees
// them, and their own rows are recomputed with the separate *_global
// projections over the whole sequence. HF pads the input to a multiple of the
// window with masked pad tokens; masked keys change nothing, so the band over
// the unpadded sequence gives the same result.
//
// A checkpoint written from LongformerForMaskedLM (config.architectures)
// names its weights "longformer.…" and yields MLM logits; one written from
// LongformerModel yields the final hidden states.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importLongformer(MLIRContext *context,
                                                 HuggingFaceConfig &config,
                                                 const ModelInputShape &shape,
                                                 ModelInfo &info,
                                                 std::string &error) {
  auto fail = [&](const std::string &message) {
    error = config.file() + ": longformer: " + message;
    return nullptr;
  };
  int64_t hidden, inter, layers, heads, vocab, maxPositions, typeVocab, pad;
  double eps;
  bool tied;
  std::string act;
  std::vector<std::string> architectures;
  std::vector<int64_t> windows;
  if (!config.positive("hidden_size", 768, hidden) ||
      !config.positive("intermediate_size", 3072, inter) ||
      !config.positive("num_hidden_layers", 12, layers) ||
      !config.positive("num_attention_heads", 12, heads) ||
      !config.positive("vocab_size", 30522, vocab) ||
      !config.positive("max_position_embeddings", 512, maxPositions) ||
      !config.positive("type_vocab_size", 2, typeVocab) ||
      !config.epsilon("layer_norm_eps", 1e-12, eps) ||
      !config.boolean("tie_word_embeddings", true, tied) ||
      !config.string("hidden_act", "gelu", act) ||
      !config.strings("architectures", architectures) ||
      !config.perLayer("attention_window", 512, layers, windows)) {
    error = config.error;
    return nullptr;
  }
  // pad_token_id may be 0, which positive() rejects.
  if (!config.nonNegative("pad_token_id", 1, pad)) {
    error = config.error;
    return nullptr;
  }
  std::optional<Activation> activation = huggingFaceActivation(act);
  if (!activation)
    return fail("hidden_act '" + act + "' is not supported (" +
                kHuggingFaceActivationNames + ")");
  if (pad >= vocab)
    return fail("pad_token_id (" + std::to_string(pad) + ") must be below vocab_size (" +
                std::to_string(vocab) + ")");
  if (hidden % heads != 0)
    return fail("hidden_size (" + std::to_string(hidden) +
                ") must be a multiple of num_attention_heads (" +
                std::to_string(heads) + ")");
  for (auto [l, w] : llvm::enumerate(windows))
    if (w % 2 != 0)
      return fail("attention_window[" + std::to_string(l) + "] is " +
                  std::to_string(w) + "; HF requires an even window");
  if (pad + shape.seq >= maxPositions) // at most, with no padding
    return fail(std::to_string(shape.seq) + " tokens need position ids up to " +
                std::to_string(pad + shape.seq) +
                " but max_position_embeddings is " +
                std::to_string(maxPositions));
  const bool maskedLM = llvm::is_contained(architectures, "LongformerForMaskedLM");
  info.vocabSize = vocab;
  if (shape.carryState) {
    error = config.file() +
            ": longformer: an encoder (bidirectional attention) does not generate token by token";
    return nullptr;
  }

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq, headDim = hidden / heads;
  const std::string pre = maskedLM ? "longformer." : "";
  Value globals = m.optionalTokenInput("global_attention_mask");

  // Embeddings: positions count the non-padding tokens from pad + 1 (HF's
  // create_position_ids_from_input_ids); every token type is 0.
  auto typeIds = [&]() {
    auto type = RankedTensorType::get({B, S}, b.getI64Type());
    return arith::ConstantOp::create(
               b, loc, type, DenseElementsAttr::get(type, b.getI64IntegerAttr(0)))
        .getResult();
  };
  auto lookup = [&](Value ids, const std::string &table, int64_t rows) {
    return EmbeddingOp::create(b, loc, m.f32({B, S, hidden}), ids,
                               m.weight(table, {rows, hidden}), FloatAttr())
        .getResult();
  };
  Value words = m.weight(pre + "embeddings.word_embeddings.weight", {vocab, hidden});
  Value h = m.embed(words);
  Value positions = PositionIdsOp::create(b, loc, m.ids().getType(), m.ids(),
                                          b.getI64IntegerAttr(pad));
  h = m.add(h, lookup(positions, pre + "embeddings.position_embeddings.weight",
                      maxPositions));
  h = m.add(h, lookup(typeIds(), pre + "embeddings.token_type_embeddings.weight",
                      typeVocab));
  h = m.layerNorm(h, pre + "embeddings.LayerNorm", eps);

  auto activate = [&](Value x) {
    return ActivationOp::create(b, loc, x.getType(), x,
                                ActivationAttr::get(context, *activation))
        .getResult();
  };
  const FloatAttr scale = b.getF32FloatAttr(1.0 / std::sqrt(double(headDim)));
  // Both passes take the runtime global flags (no dense S×S bias): the
  // local one sees the band and the global tokens, the global one computes
  // only the global tokens' rows, over every key.
  auto attention = [&](Value x, const std::string &p, const std::string &suffix,
                       const MaskSpec &mask, bool globalRowsOnly) {
    auto project = [&](const char *name) {
      return m.splitHeads(m.linear(x, p + name + suffix, hidden, true), heads,
                          headDim);
    };
    Value o = AttentionOp::create(
        b, loc, m.f32({B, heads, S, headDim}), project("query"), project("key"),
        project("value"), Value(), globals, MaskAttr::get(context, mask), scale,
        FloatAttr(), b.getI64IntegerAttr(0), globalRowsOnly ? b.getUnitAttr() : UnitAttr());
    return MergeHeadsOp::create(b, loc, m.f32({B, S, hidden}), o).getResult();
  };
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = pre + "encoder.layer." + std::to_string(l) + ".";
    m.beginLayer();
    Value local = attention(h, p + "attention.self.", "", MaskSpec::local(windows[l] / 2),
                            false);
    Value global = attention(h, p + "attention.self.", "_global", MaskSpec::none(), true);
    Value mixed = SelectTokensOp::create(b, loc, local.getType(), globals, global, local);
    Value a = m.layerNorm(m.add(m.linear(mixed, p + "attention.output.dense", hidden, true), h),
                          p + "attention.output.LayerNorm", eps);
    Value f = activate(m.linear(a, p + "intermediate.dense", inter, true));
    h = m.layerNorm(m.add(m.linear(f, p + "output.dense", hidden, true), a),
                    p + "output.LayerNorm", eps);
    m.endLayer();
  }
  if (!maskedLM)
    return m.finish(h);
  // LongformerLMHead: dense, exact GELU, LayerNorm, decoder with its bias.
  // 4.46 shares lm_head.bias with the decoder and writes it once; 5.x's
  // untied head uses lm_head.decoder.bias (lm_head.bias is then unused), so
  // the decoder's own name wins where the checkpoint has it.
  Value x = ActivationOp::create(
      b, loc, h.getType(), m.linear(h, "lm_head.dense", hidden, true),
      ActivationAttr::get(context, Activation::gelu));
  x = m.layerNorm(x, "lm_head.layer_norm", eps);
  Value decoder = tied ? words : m.weight("lm_head.decoder.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), x, decoder,
                                   m.weight(config.checkpointHas("lm_head.decoder.bias")
                                                ? "lm_head.decoder.bias"
                                                : "lm_head.bias",
                                            {vocab})));
}
