// BERT (llama.cpp's llama_model_bert graph): post-norm blocks over bidirectional attention,
//   a   = Attn(Wq·x + bq, Wk·x + bk, Wv·x + bv)          every token sees its whole sequence
//   h   = LayerNorm(x + Wo·a + bo) · attn_output_norm + b
//   out = LayerNorm(h + Wdown·gelu(Wup·h + bup) + bdown) · layer_output_norm + b
// The input x of the first block is LayerNorm(token + token type 0 + position embeddings) (Context).
// nomic-bert rotates q and k instead of adding position embeddings (NeoX layout), and its feed-forward is
// Wdown·(silu(Wgate·h) ⊙ Wup·h) with no biases (llama.cpp applies none there even when a file has them).
#include "model/arch/blocks.h"

namespace corral::model {
namespace {

// Every bert bias is optional in llama.cpp's loader.
void AddBiasIfAny(Forward& f, Rows rows, std::span<const float> bias) {
  if (!bias.empty()) f.AddBias(rows, bias);
}

// h (in f.proj()) from the block input f.x(), rotating q and k when `rope`.
Status AttentionHalf(Forward& f, const LayerWeights& w, int layer, bool rope) {
  CORRAL_RETURN_IF_ERROR(f.Project(w.wq, f.x(), f.q()));
  AddBiasIfAny(f, f.q(), w.bq);
  CORRAL_RETURN_IF_ERROR(f.Project(w.wk, f.x(), f.k()));
  AddBiasIfAny(f, f.k(), w.bk);
  CORRAL_RETURN_IF_ERROR(f.Project(w.wv, f.x(), f.v()));
  AddBiasIfAny(f, f.v(), w.bv);
  if (rope) f.Rope(layer, {}, f.q(), f.k());
  f.BidirectionalAttention(f.q(), f.k(), f.v(), f.attn());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wo, f.attn(), f.proj()));
  AddBiasIfAny(f, f.proj(), w.bo);
  f.Add(f.proj(), f.x());
  f.LayerNorm(f.proj(), w.attn_out_norm, w.attn_out_norm_b, f.proj());
  return Status::Ok();
}

}  // namespace

Status BertBlock(Forward& f, const LayerWeights& w, int layer) {
  CORRAL_RETURN_IF_ERROR(AttentionHalf(f, w, layer, /*rope=*/false));

  CORRAL_RETURN_IF_ERROR(f.Project(w.w_up, f.proj(), f.up()));
  AddBiasIfAny(f, f.up(), w.b_up);
  f.Gelu(f.up());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_down, f.up(), f.normed()));
  AddBiasIfAny(f, f.normed(), w.b_down);
  f.Add(f.normed(), f.proj());
  f.LayerNorm(f.normed(), w.layer_out_norm, w.layer_out_norm_b, f.x());
  return Status::Ok();
}

Status NomicBertBlock(Forward& f, const LayerWeights& w, int layer) {
  CORRAL_RETURN_IF_ERROR(AttentionHalf(f, w, layer, /*rope=*/true));
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_gate, f.proj(), f.gate()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_up, f.proj(), f.up()));
  f.SwiGlu(f.gate(), f.up());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_down, f.gate(), f.normed()));
  f.Add(f.normed(), f.proj());
  f.LayerNorm(f.normed(), w.layer_out_norm, w.layer_out_norm_b, f.x());
  return Status::Ok();
}

}  // namespace corral::model
