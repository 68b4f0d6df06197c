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
      return {&avx512::DotF16, &avx512::AxpyF16, &avx512::ExpShifted};
    case cpu::Isa::kAvx2:
      return {&avx2::DotF16, &avx2::AxpyF16, &avx2::ExpShifted};
    case cpu::Isa::kScalar:
      break;
  }
  return {&DotF16Scalar, &AxpyF16Scalar, &ExpShiftedScalar};
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
  // tinyBLAS takes only whole 16-element steps; otherwise llama.cpp falls back to vec_dot.
  const int kq_acc = n_acc == 1 && head.head_dim_k % 16 == 0 ? 1 : 4;
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t p = first; p <= last; ++p) {
    const float s =
        kernels.dot_f16(RowOf(kv.k_base, kv, p) + head.k_offset, q, head.head_dim_k, kq_acc) * head.scale;
    scores[p] = s;
    max = std::max(max, s);
  }
  // ggml_vec_soft_max_f32: exponentials 16 cells at a time (masked cells are 0), each group summed in float
  // by the lane tree and added to a double.
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
  const float inv = static_cast<float>(1.0 / sum);
  // Σ p·v over cells, as the matmul of V (transposed) by the f16 probabilities sums it: cell c in lane c % 16
  // of accumulator (c / 16) % n_acc.
  const int hd = head.head_dim_v;
  const int slots = 16 * n_acc;
  std::fill(lanes, lanes + static_cast<size_t>(slots) * hd, 0.f);
  for (int32_t p = first; p <= last; ++p) {
    const float w = Fp16ToFp32(Fp32ToFp16(scores[p] * inv));
    kernels.axpy_f16(w, RowOf(kv.v_base, kv, p) + head.v_offset, lanes + static_cast<size_t>(p % slots) * hd,
                     hd);
  }
  if (n_acc == 4) {
    for (int i = 0; i < 16 * hd; ++i) {
      lanes[i] += lanes[32 * hd + i];
      lanes[16 * hd + i] += lanes[48 * hd + i];
      lanes[i] += lanes[16 * hd + i];
    }
  }
  for (int d = 0; d < hd; ++d) out[d] = ReduceLanes16(lanes + d, hd);
}

}  // namespace corral::ops
