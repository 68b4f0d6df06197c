// Gemma 3 (llama.cpp's graph; the converter already stored every RMSNorm weight as 1 + w, so the norms
// multiply by the stored weight like any other):
//   a   = Attn(RoPE(qnorm(Wq·n)), RoPE(knorm(Wk·n)), Wv·n)    n = RMSNorm(x)·attn_norm
//   h   = x + RMSNorm(Wo·a)·post_attention_norm
//   out = h + RMSNorm(Wdown·(gelu(Wgate·m) ⊙ Wup·m))·post_ffw_norm,   m = RMSNorm(h)·ffn_norm
// Embeddings are scaled by √n_embd (Context), five of every six layers attend within a sliding window with
// their own rope base (Config), and q·k is scaled by 1/√key_length (27B: 1/√(n_embd/n_head)).
#include "model/arch/blocks.h"

namespace corral::model {

Status Gemma3Block(Forward& f, const LayerWeights& w, int layer) {
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
  f.Norm(f.proj(), w.post_attn_norm, f.proj());
  f.Add(f.x(), f.proj());

  f.Norm(f.x(), w.ffn_norm, f.normed());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_gate, f.normed(), f.gate()));
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_up, f.normed(), f.up()));
  f.GeGlu(f.gate(), f.up());
  CORRAL_RETURN_IF_ERROR(f.Project(w.w_down, f.gate(), f.proj()));
  f.Norm(f.proj(), w.post_ffn_norm, f.proj());
  f.Add(f.x(), f.proj());
  return Status::Ok();
}

}  // namespace corral::model
