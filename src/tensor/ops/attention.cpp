#include "tensor/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"

namespace corral::ops {
namespace {

float DotF16Scalar(const uint16_t* k, const float* q, int n) {
  float sum = 0.f;
  for (int i = 0; i < n; ++i) sum += Fp16ToFp32(k[i]) * q[i];
  return sum;
}

void AxpyF16Scalar(float w, const uint16_t* v, float* acc, int n) {
  for (int i = 0; i < n; ++i) acc[i] += w * Fp16ToFp32(v[i]);
}

}  // namespace

AttentionKernels AttentionKernelsFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kAvx512:
      return {&avx512::DotF16, &avx512::AxpyF16};
    case cpu::Isa::kAvx2:
      return {&avx2::DotF16, &avx2::AxpyF16};
    case cpu::Isa::kScalar:
      break;
  }
  return {&DotF16Scalar, &AxpyF16Scalar};
}

void AttendHead(const AttentionKernels& kernels, const KvBlocks& kv, const HeadSpec& head, const float* q,
                int32_t first, int32_t last, float* scores, float* out) {
  std::fill(out, out + head.head_dim_v, 0.f);
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.f;
  int32_t p = first;
  while (p <= last) {
    const int32_t block = p / kv.block_size;
    const int32_t slot0 = p % kv.block_size;
    const int32_t n = std::min<int32_t>(kv.block_size - slot0, last - p + 1);
    const int64_t base = static_cast<int64_t>(kv.block_ids[block]) * kv.block_stride;
    const uint16_t* k = kv.k_base + base + slot0 * kv.row_stride + head.k_offset;
    const uint16_t* v = kv.v_base + base + slot0 * kv.row_stride + head.v_offset;
    float block_max = running_max;
    for (int32_t j = 0; j < n; ++j) {
      scores[j] = kernels.dot_f16(k + j * kv.row_stride, q, head.head_dim_k) * head.scale;
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
                       const float* q, int32_t first, int32_t last, float* scores, float* out) {
  const int32_t n = last - first + 1;
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t p = first; p <= last;) {
    const int32_t slot0 = p % kv.block_size;
    const int32_t run = std::min<int32_t>(kv.block_size - slot0, last - p + 1);
    const uint16_t* k = kv.k_base + static_cast<int64_t>(kv.block_ids[p / kv.block_size]) * kv.block_stride +
                        slot0 * kv.row_stride + head.k_offset;
    for (int32_t j = 0; j < run; ++j) {
      const float s = kernels.dot_f16(k + j * kv.row_stride, q, head.head_dim_k) * head.scale;
      scores[p - first + j] = s;
      max = std::max(max, s);
    }
    p += run;
  }
  // ggml_soft_max: the sum in double, then one reciprocal that scales every weight.
  double sum = 0.0;
  for (int32_t j = 0; j < n; ++j) {
    scores[j] = std::exp(scores[j] - max);
    sum += scores[j];
  }
  const float inv = static_cast<float>(1.0 / sum);
  std::fill(out, out + head.head_dim_v, 0.f);
  for (int32_t p = first; p <= last;) {
    const int32_t slot0 = p % kv.block_size;
    const int32_t run = std::min<int32_t>(kv.block_size - slot0, last - p + 1);
    const uint16_t* v = kv.v_base + static_cast<int64_t>(kv.block_ids[p / kv.block_size]) * kv.block_stride +
                        slot0 * kv.row_stride + head.v_offset;
    for (int32_t j = 0; j < run; ++j) {
      const float w = Fp16ToFp32(Fp32ToFp16(scores[p - first + j] * inv));
      kernels.axpy_f16(w, v + j * kv.row_stride, out, head.head_dim_v);
    }
    p += run;
  }
}

}  // namespace corral::ops
