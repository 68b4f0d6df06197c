// Attention of one query head over keys and values stored in f16, in fixed-size blocks (the KV cache's
// layout), with an online softmax: scores are computed a block at a time, the running maximum and sum are
// rescaled when a block raises the maximum, so one pass over the cache suffices and no score row of the
// full context length is ever materialised.
#pragma once

#include <cstdint>

#include "tensor/cpu/cpu_features.h"

namespace corral::ops {

// The f16 vector primitives attention spends its time in, one set per instruction family.
struct AttentionKernels {
  // Σ k[i]·q[i] over n elements, k in f16.
  float (*dot_f16)(const uint16_t* k, const float* q, int n);
  // acc[i] += w · v[i] over n elements, v in f16.
  void (*axpy_f16)(float w, const uint16_t* v, float* acc, int n);
};

// The kernels for `isa` (REQUIRES: the CPU can run it).
AttentionKernels AttentionKernelsFor(cpu::Isa isa);

// Where the keys and values of one sequence and one layer lie. Position p is in block block_ids[p /
// block_size], slot p % block_size; its key row starts at k_base + block_ids[p / block_size]·block_stride +
// (p % block_size)·row_stride (likewise for values), and a head's part at a further head offset.
struct KvBlocks {
  const uint16_t* k_base = nullptr;
  const uint16_t* v_base = nullptr;
  const int32_t* block_ids = nullptr;
  int block_size = 0;
  int64_t block_stride = 0;  // elements from one block to the next
  int64_t row_stride = 0;    // elements from one position to the next within a block
};

struct HeadSpec {
  int64_t k_offset = 0;  // elements from a key row's start to this head's key
  int64_t v_offset = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
  float scale = 1.f;  // applied to q·k before the softmax
};

// out[head_dim_v] = Σ_p softmax_p(scale · q·k_p) · v_p over positions first..last (inclusive; first ≤
// last), with an online softmax. scores: room for block_size floats.
void AttendHead(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, const float* q,
                int32_t first, int32_t last, float* scores, float* out);

// The same result by llama.cpp's arithmetic (its attention without flash attention): all scores first, the
// softmax normalised in f32, each probability rounded to f16 (ggml multiplies the f16 V cache by the
// probabilities converted to its f16 dot type), then Σ p_f16 · v. Same memory traffic as AttendHead (K once,
// V once); it only needs a score row of the window's length. Tokens of tiny random models are sensitive
// enough to quantized activations that a 2^-11 difference in these weights shows up in the top-5
// probabilities, hence this variant. scores: room for last − first + 1 floats.
void AttendHeadTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head,
                       const float* q, int32_t first, int32_t last, float* scores, float* out);

}  // namespace corral::ops
