// Qwen2 and Qwen3: Llama's block with NeoX RoPE, and
//   qwen2: q = Wq·n + bq, k = Wk·n + bk, v = Wv·n + bv
//   qwen3: q and k RMSNorm-ed per head (attn_q_norm / attn_k_norm, head_dim weights) before RoPE
#include "model/arch/blocks.h"

namespace corral::model {
namespace {

Status FeedForward(Forward& f, const LayerWeights& w) {
  f.Norm(f.x(), w.ffn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_gate, f.normed(), f.gate()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_up, f.normed(), f.up()));
  f.SwiGlu(f.gate(), f.up());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_down, f.gate(), f.proj()));
  f.Add(f.x(), f.proj());
  return Status::Ok();
}

}  // namespace

Status Qwen2Block(Forward& f, const LayerWeights& w, int layer) {
  f.Norm(f.x(), w.attn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wq, f.normed(), f.q()));
  f.AddBias(f.q(), w.bq);
  CORRAL_RETURN_IF_ERROR(f.Project(w.wk, f.normed(), f.k()));
  f.AddBias(f.k(), w.bk);
  CORRAL_RETURN_IF_ERROR(f.Project(w.wv, f.normed(), f.v()));
  f.AddBias(f.v(), w.bv);
  f.Rope(layer, w.rope_factors, f.q(), f.k());
  f.Attention(layer, f.q(), f.k(), f.v(), f.attn());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wo, f.attn(), f.proj()));
  f.Add(f.x(), f.proj());
  return FeedForward(f, w);
}

Status Qwen3Block(Forward& f, const LayerWeights& w, int layer) {
  const int64_t head_dim = f.config().head_dim_k;
  f.Norm(f.x(), w.attn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wq, f.normed(), f.q()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.wk, f.normed(), f.k()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.wv, f.normed(), f.v()));
  f.HeadNorm(f.q(), head_dim, w.q_norm);
  f.HeadNorm(f.k(), head_dim, w.k_norm);
  f.Rope(layer, w.rope_factors, f.q(), f.k());
  f.Attention(layer, f.q(), f.k(), f.v(), f.attn());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wo, f.attn(), f.proj()));
  f.Add(f.x(), f.proj());
  return FeedForward(f, w);
}

}  // namespace corral::model
