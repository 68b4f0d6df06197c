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
  // Σ k[i]·q[i] over n elements, k in f16, summed in ggml's order: element i goes to lane i % 16 of
  // accumulator (i / 16) % n_acc (fused multiply-adds), the accumulators are added pairwise (0+2, 1+3, then
  // 0+1), the 16 lanes by _mm512_reduce_add_ps's tree; with n_acc 4 (ggml_vec_dot_f16) elements past the
  // last multiple of 64 are added afterwards in double. n_acc 1 is llamafile's tinyBLAS (batches of ≥ 2
  // tokens), n_acc 4 ggml's vec_dot (one token). REQUIRES n_acc 1 or 4; n_acc 1 only for n % 16 == 0.
  float (*dot_f16)(const uint16_t* k, const float* q, int n, int n_acc);
  // acc[i] = fma(w, v[i], acc[i]) over n elements, v in f16.
  void (*axpy_f16)(float w, const uint16_t* v, float* acc, int n);
  // x[i] = ExpLikeGgml(x[i] − shift) (ggml_exp.h), the softmax's exponentials.
  void (*exp_shifted)(float* x, int n, float shift);
  // Grouped-query attention reads each K and V row once for the n_q ≤ kMaxRowsHeads query heads sharing it:
  //   scores[g·scores_stride + r] = dot_f16(k + r·row_stride, q + g·q_stride, n, n_acc) · scale
  // for r < n_rows, g < n_q, each the same float as that dot_f16 call;
  void (*dot_f16_rows)(const uint16_t* k, int64_t row_stride, int n_rows, const float* q, int64_t q_stride,
                       int n_q, int n, int n_acc, float scale, float* scores, int64_t scores_stride);
  // and for each row r in order, acc + g·acc_stride = axpy_f16(w[g·w_stride + r], rows[r], that, n), the same
  // floats as those axpy_f16 calls.
  void (*axpy_f16_rows)(const uint16_t* const* rows, int n_rows, const float* w, int64_t w_stride, int n_q,
                        float* acc, int64_t acc_stride, int n);
  // x[i] = x[i] · scale rounded to f16 and back (RNE, as Fp32ToFp16).
  void (*round_f16)(float* x, int n, float scale);
};

inline constexpr int kMaxRowsHeads = 16;

// The 16-lane horizontal sum of _mm512_reduce_add_ps (GCC's tree: halves, quarters, then pairs).
float ReduceLanes16(const float* lanes, int stride = 1);

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

// The same result by llama.cpp's arithmetic (its attention without flash attention), so that activations
// entering the next quantized matmul round to the same Q8 values as llama.cpp's: all scores first (dot
// products summed in ggml's order), exponentials by ggml's polynomial, the softmax normalised in f32, each
// probability rounded to f16 (ggml multiplies the f16 V cache by the probabilities converted to f16), then
// Σ p_f16 · v in the lane order of ggml's f16 matmul. Same memory traffic as AttendHead (K once, V once).
// n_acc: 4 for a one-token batch, 1 for larger batches (which of llama.cpp's two f16 matmul paths it takes;
// see dot_f16); positions stand for llama.cpp's cache cells (one sequence in a fresh context).
// scores: room for last + 1 floats; lanes: 64 · head_dim_v floats.
void AttendHeadTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head,
                       const float* q, int32_t first, int32_t last, int n_acc, float* scores, float* lanes,
                       float* out);

// AttendHeadTwoPass for the n_q query heads that share one KV head (grouped-query attention), bit-identical
// with it head by head, reading the cache once for all of them: query g at q + g·q_stride, its output at
// out + g·out_stride. scores: min(n_q, kMaxRowsHeads) · (last + 1) floats; lanes: min(n_q, kMaxRowsHeads) ·
// 64 · head_dim_v floats.
void AttendGroupTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, int n_q,
                        const float* q, int64_t q_stride, int32_t first, int32_t last, int n_acc,
                        float* scores, float* lanes, float* out, int64_t out_stride);

// The same for queries with positions of their own: the query heads of a group for several tokens of one
// sequence (prefill), so that the cache is read once per kMaxRowsHeads queries, not once per token. Query
// g: q + g·q_stride, positions first[g]..last[g], output out[g]. Bit-identical with AttendHeadTwoPass query
// by query (rows a query does not see take part with weight 0, which leaves every sum as it was).
// scores: kMaxRowsHeads · (max last + 1) floats; lanes: kMaxRowsHeads · 64 · head_dim_v floats.
void AttendQueriesTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, int n_q,
                          const float* q, int64_t q_stride, const int32_t* first, const int32_t* last,
                          float* const* out, int n_acc, float* scores, float* lanes);

}  // namespace corral::ops
