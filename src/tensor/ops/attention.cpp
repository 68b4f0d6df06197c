#include "tensor/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"
#include "tensor/ops/ggml_exp.h"

namespace corral::ops {
namespace {

float DotF16Scalar(const uint16_t* k, const float* q, int n, int n_acc) {
  float acc[4][16] = {};
  const int step = 16 * n_acc;
  const int whole = n - n % step;
  for (int i = 0; i < whole; ++i) {
    float& a = acc[(i / 16) % n_acc][i % 16];
    a = std::fma(Fp16ToFp32(k[i]), q[i], a);
  }
  if (n_acc == 4) {
    for (int l = 0; l < 16; ++l) {
      acc[0][l] += acc[2][l];
      acc[1][l] += acc[3][l];
      acc[0][l] += acc[1][l];
    }
  }
  double sum = ReduceLanes16(acc[0]);
  for (int i = whole; i < n; ++i) sum += static_cast<double>(Fp16ToFp32(k[i]) * q[i]);
  return static_cast<float>(sum);
}

void AxpyF16Scalar(float w, const uint16_t* v, float* acc, int n) {
  for (int i = 0; i < n; ++i) acc[i] = std::fma(w, Fp16ToFp32(v[i]), acc[i]);
}

void ExpShiftedScalar(float* x, int n, float shift) {
  for (int i = 0; i < n; ++i) x[i] = ExpLikeGgml(x[i] - shift);
}

// The row kernels from the one-row kernels, for the families without their own.
template <float (*Dot)(const uint16_t*, const float*, int, int)>
void DotRowsVia(const uint16_t* k, int64_t row_stride, int n_rows, const float* q, int64_t q_stride, int n_q,
                int n, int n_acc, float scale, float* scores, int64_t scores_stride) {
  for (int r = 0; r < n_rows; ++r) {
    for (int g = 0; g < n_q; ++g)
      scores[g * scores_stride + r] = Dot(k + r * row_stride, q + g * q_stride, n, n_acc) * scale;
  }
}

template <void (*Axpy)(float, const uint16_t*, float*, int)>
void AxpyRowsVia(const uint16_t* const* rows, int n_rows, const float* w, int64_t w_stride, int n_q,
                 float* acc, int64_t acc_stride, int n) {
  for (int r = 0; r < n_rows; ++r) {
    for (int g = 0; g < n_q; ++g) Axpy(w[g * w_stride + r], rows[r], acc + g * acc_stride, n);
  }
}

void RoundF16Scalar(float* x, int n, float scale) {
  for (int i = 0; i < n; ++i) x[i] = Fp16ToFp32(Fp32ToFp16(x[i] * scale));
}

// Start of position p's row in a block table.
const uint16_t* RowOf(const uint16_t* base, const KvBlocks& kv, int32_t p) {
  return base + static_cast<int64_t>(kv.block_ids[p / kv.block_size]) * kv.block_stride +
         (p % kv.block_size) * kv.row_stride;
}

}  // namespace

float ReduceLanes16(const float* lanes, int stride) {
  float t3[8];
  for (int i = 0; i < 8; ++i) t3[i] = lanes[(8 + i) * stride] + lanes[i * stride];
  float t6[4];
  for (int i = 0; i < 4; ++i) t6[i] = t3[4 + i] + t3[i];
  return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}

AttentionKernels AttentionKernelsFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kAvx512:
      return {&avx512::DotF16,     &avx512::AxpyF16,     &avx512::ExpShifted,
              &avx512::DotF16Rows, &avx512::AxpyF16Rows, &avx512::RoundF16};
    case cpu::Isa::kAvx2:
      return {&avx2::DotF16,
              &avx2::AxpyF16,
              &avx2::ExpShifted,
              &DotRowsVia<&avx2::DotF16>,
              &AxpyRowsVia<&avx2::AxpyF16>,
              &avx2::RoundF16};
    case cpu::Isa::kScalar:
      break;
  }
  return {&DotF16Scalar,
          &AxpyF16Scalar,
          &ExpShiftedScalar,
          &DotRowsVia<&DotF16Scalar>,
          &AxpyRowsVia<&AxpyF16Scalar>,
          &RoundF16Scalar};
}

void AttendHead(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, const float* q,
                int32_t first, int32_t last, float* scores, float* out) {
  std::fill(out, out + head.head_dim_v, 0.f);
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.f;
  const int n_acc = head.head_dim_k % 16 == 0 ? 1 : 4;
  int32_t p = first;
  while (p <= last) {
    const int32_t slot0 = p % kv.block_size;
    const int32_t n = std::min<int32_t>(kv.block_size - slot0, last - p + 1);
    const uint16_t* k = RowOf(kv.k_base, kv, p) + head.k_offset;
    const uint16_t* v = RowOf(kv.v_base, kv, p) + head.v_offset;
    float block_max = running_max;
    for (int32_t j = 0; j < n; ++j) {
      scores[j] = kernels.dot_f16(k + j * kv.row_stride, q, head.head_dim_k, n_acc) * head.scale;
      block_max = std::max(block_max, scores[j]);
    }
    // A larger maximum shrinks what was accumulated so far by exp(old − new); the sum of weights and the
    // weighted values stay consistent, and every exponent stays ≤ 0 (no overflow).
    if (block_max > running_max) {
      const float shrink = std::exp(running_max - block_max);
      running_sum *= shrink;
      for (int i = 0; i < head.head_dim_v; ++i) out[i] *= shrink;
      running_max = block_max;
    }
    for (int32_t j = 0; j < n; ++j) {
      const float w = std::exp(scores[j] - running_max);
      running_sum += w;
      kernels.axpy_f16(w, v + j * kv.row_stride, out, head.head_dim_v);
    }
    p += n;
  }
  const float inv = 1.f / running_sum;
  for (int i = 0; i < head.head_dim_v; ++i) out[i] *= inv;
}

void AttendHeadTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head,
                       const float* q, int32_t first, int32_t last, int n_acc, float* scores, float* lanes,
                       float* out) {
  AttendGroupTwoPass(kernels, kv, head, 1, q, 0, first, last, n_acc, scores, lanes, out, 0);
}

namespace {

// Softmax of one head's scores[first..last] as ggml_vec_soft_max_f32 computes it (exponentials 16 cells
// at a time, masked cells 0, each group summed in float by the lane tree and added to a double), then each
// probability rounded to f16 (ggml multiplies the f16 V cache by the probabilities converted to f16).
void SoftmaxToF16(const AttentionKernels& kernels, float* scores, int32_t first, int32_t last) {
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t p = first; p <= last; ++p) max = std::max(max, scores[p]);
  kernels.exp_shifted(scores + first, last - first + 1, max);
  double sum = 0.0;
  for (int32_t g = first - first % 16; g <= last; g += 16) {
    float group[16];
    for (int l = 0; l < 16; ++l) {
      const int32_t p = g + l;
      group[l] = p >= first && p <= last ? scores[p] : 0.f;
    }
    sum += ReduceLanes16(group);
  }
  kernels.round_f16(scores + first, last - first + 1, static_cast<float>(1.0 / sum));
}

// Σ p·v into lanes[slot][head_dim_v] for the n_q ≤ kMaxRowsHeads heads (head g's lanes at lanes + g·
// lanes_stride): cell p in slot p % slots, each slot summing its cells in increasing order, as the matmul
// of V (transposed) by the f16 probabilities sums it: lane c % 16 of accumulator (c / 16) % n_acc.
void WeightedValues(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, int n_q,
                    const float* weights, int64_t weights_stride, int32_t first, int32_t last, int slots,
                    float* lanes, int64_t lanes_stride) {
  constexpr int kChunk = 64;
  const int hd = head.head_dim_v;
  const uint16_t* rows[kChunk];
  float w[kMaxRowsHeads * kChunk];
  int n = 0;
  int slot = 0;
  auto flush = [&] {
    if (n > 0) {
      kernels.axpy_f16_rows(rows, n, w, kChunk, n_q, lanes + static_cast<int64_t>(slot) * hd, lanes_stride,
                            hd);
    }
    n = 0;
  };
  auto add = [&](int32_t p, const uint16_t* row) {
    rows[n] = row + head.v_offset;
    for (int g = 0; g < n_q; ++g) w[g * kChunk + n] = weights[g * weights_stride + p];
    if (++n == kChunk) flush();
  };
  for (slot = 0; slot < slots; ++slot) {
    const int32_t p0 = first + ((slot - first % slots) % slots + slots) % slots;
    if (kv.block_size % slots == 0) {
      // p % slots == (p % block_size) % slots: walk the blocks without dividing per cell.
      for (int32_t block = p0 / kv.block_size; block <= last / kv.block_size; ++block) {
        const uint16_t* base = kv.v_base + static_cast<int64_t>(kv.block_ids[block]) * kv.block_stride;
        const int32_t start = block * kv.block_size;
        for (int32_t r = slot; r < kv.block_size; r += slots) {
          const int32_t p = start + r;
          if (p < first) continue;
          if (p > last) break;
          add(p, base + r * kv.row_stride);
        }
      }
    } else {
      for (int32_t p = p0; p <= last; p += slots) add(p, RowOf(kv.v_base, kv, p));
    }
    flush();
  }
}

}  // namespace

void AttendQueriesTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, int n_q,
                          const float* q, int64_t q_stride, const int32_t* first, const int32_t* last,
                          float* const* out, int n_acc, float* scores, float* lanes) {
  // tinyBLAS takes only whole 16-element steps; otherwise llama.cpp falls back to vec_dot.
  const int kq_acc = n_acc == 1 && head.head_dim_k % 16 == 0 ? 1 : 4;
  const int hd = head.head_dim_v;
  const int slots = 16 * n_acc;
  const int64_t lanes_stride = static_cast<int64_t>(slots) * hd;
  for (int g0 = 0; g0 < n_q; g0 += kMaxRowsHeads) {
    const int queries = std::min(kMaxRowsHeads, n_q - g0);
    const int32_t lo = *std::min_element(first + g0, first + g0 + queries);
    const int32_t hi = *std::max_element(last + g0, last + g0 + queries);
    const int64_t scores_stride = hi + 1;
    int32_t p = lo;
    while (p <= hi) {
      const int32_t n = std::min<int32_t>(kv.block_size - p % kv.block_size, hi - p + 1);
      kernels.dot_f16_rows(RowOf(kv.k_base, kv, p) + head.k_offset, kv.row_stride, n, q + g0 * q_stride,
                           q_stride, queries, head.head_dim_k, kq_acc, head.scale, scores + p, scores_stride);
      p += n;
    }
    for (int g = 0; g < queries; ++g) {
      float* s = scores + g * scores_stride;
      SoftmaxToF16(kernels, s, first[g0 + g], last[g0 + g]);
      std::fill(s + lo, s + first[g0 + g], 0.f);
      std::fill(s + last[g0 + g] + 1, s + hi + 1, 0.f);
    }
    std::fill(lanes, lanes + queries * lanes_stride, 0.f);
    WeightedValues(kernels, kv, head, queries, scores, scores_stride, lo, hi, slots, lanes, lanes_stride);
    for (int g = 0; g < queries; ++g) {
      float* lg = lanes + g * lanes_stride;
      if (n_acc == 4) {
        for (int i = 0; i < 16 * hd; ++i) {
          lg[i] += lg[32 * hd + i];
          lg[16 * hd + i] += lg[48 * hd + i];
          lg[i] += lg[16 * hd + i];
        }
      }
      for (int d = 0; d < hd; ++d) out[g0 + g][d] = ReduceLanes16(lg + d, hd);
    }
  }
}

void AttendGroupTwoPass(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, int n_q,
                        const float* q, int64_t q_stride, int32_t first, int32_t last, int n_acc,
                        float* scores, float* lanes, float* out, int64_t out_stride) {
  for (int g0 = 0; g0 < n_q; g0 += kMaxRowsHeads) {
    const int queries = std::min(kMaxRowsHeads, n_q - g0);
    int32_t firsts[kMaxRowsHeads], lasts[kMaxRowsHeads];
    float* outs[kMaxRowsHeads];
    for (int g = 0; g < queries; ++g) {
      firsts[g] = first;
      lasts[g] = last;
      outs[g] = out + (g0 + g) * out_stride;
    }
    AttendQueriesTwoPass(kernels, kv, head, queries, q + g0 * q_stride, q_stride, firsts, lasts, outs, n_acc,
                         scores, lanes);
  }
}

}  // namespace corral::ops
