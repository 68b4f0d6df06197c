// Phi-3: Llama's block. Its attn_qkv and ffn_up tensors are fused ([q; k; v] rows and [gate; up] rows);
// BindWeights splits them into row ranges of the mapped tensor, so the math here is Llama's with NeoX
// RoPE (and LongRoPE's short factors, when the file has them, as the frequency divisors).
#include "model/arch/blocks.h"

namespace corral::model {

Status Phi3Block(Forward& f, const LayerWeights& w, int layer) {
  return LlamaBlock(f, w, layer);
}

}  // namespace corral::model
