// Llama (and Mistral, converted under the same name):
//   h   = x + Wo · Attn(RoPE(Wq·n), RoPE(Wk·n), Wv·n),     n = RMSNorm(x)·attn_norm
//   out = h + Wdown · (silu(Wgate·m) ⊙ Wup·m),             m = RMSNorm(h)·ffn_norm
#include "model/arch/blocks.h"

namespace corral::model {

Status LlamaBlock(Forward& f, const LayerWeights& w, int layer) {
  f.Norm(f.x(), w.attn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wq, f.normed(), f.q()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.wk, f.normed(), f.k()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.wv, f.normed(), f.v()));
  f.Rope(layer, w.rope_factors, f.q(), f.k());
  f.Attention(layer, f.q(), f.k(), f.v(), f.attn());
  CORRAL_RETURN_IF_ERROR(f.Project(w.wo, f.attn(), f.proj()));
  f.Add(f.x(), f.proj());

  f.Norm(f.x(), w.ffn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_gate, f.normed(), f.gate()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_up, f.normed(), f.up()));
  f.SwiGlu(f.gate(), f.up());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_down, f.gate(), f.proj()));
  f.Add(f.x(), f.proj());
  return Status::Ok();
}

}  // namespace corral::model
