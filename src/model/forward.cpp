#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/fp16.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/quant/interleave.h"
#include "tensor/quant/quant.h"

namespace corral::model {
namespace {

size_t Floats(int64_t rows, int64_t width) {
  return static_cast<size_t>(rows * width);
}

}  // namespace

Forward::Forward(const Config& config, int n_batch_max, int n_outputs_max, int n_threads, int n_ctx,
                 int kv_block_size, bool two_pass_attention, std::span<const uint16_t> gelu_table)
    : config_(config),
      pool_(n_threads),
      matmul_scratch_(n_batch_max, std::max({config.n_embd, config.n_ff, config.n_head * config.head_dim_v})),
      gelu_table_(gelu_table),
      kv_block_size_(kv_block_size),
      two_pass_attention_(two_pass_attention),
      // Attention, per thread: q rounded to f16 for up to max(kMaxRowsHeads, group) queries, then for each of
      // a batch of kMaxRowsHeads queries 64 lanes of head_dim_v and a score per position.
      thread_scratch_floats_(static_cast<size_t>(
          std::max<int64_t>(ops::kMaxRowsHeads, config.n_head / std::max<int64_t>(config.n_head_kv, 1)) *
              config.head_dim_k +
          ops::kMaxRowsHeads * (64 * config.head_dim_v + std::max({n_ctx, kv_block_size, n_batch_max})))) {
  matmul_options_.isa = cpu::IsaOrBest(cpu::HostCpuFeatures());
  matmul_options_.use_amx = cpu::AmxAllowedByEnvironment();
  kernels_ = ops::AttentionKernelsFor(matmul_options_.isa);
  swiglu_ = ops::SwiGluFor(matmul_options_.isa);
  const int64_t n = n_batch_max;
  x_.resize(Floats(n, config.n_embd));
  normed_.resize(Floats(n, config.n_embd));
  q_.resize(Floats(n, config.q_dim()));
  k_.resize(Floats(n, config.k_dim()));
  v_.resize(Floats(n, config.v_dim()));
  attn_.resize(Floats(n, config.n_head * config.head_dim_v));
  proj_.resize(Floats(n, config.n_embd));
  gate_.resize(Floats(n, config.n_ff));
  up_.resize(Floats(n, config.n_ff));
  out_rows_.resize(Floats(n_outputs_max, config.n_embd));
  rope_cache_.resize(Floats(n, config.rope_dims));
  thread_scratch_.resize(static_cast<size_t>(pool_.size()) * thread_scratch_floats_);
}

size_t Forward::scratch_bytes() const {
  size_t floats = 0;
  for (const auto* v : {&x_, &normed_, &q_, &k_, &v_, &attn_, &proj_, &gate_, &up_, &out_rows_, &rope_cache_,
                        &thread_scratch_}) {
    floats += v->size();
  }
  return floats * sizeof(float) + matmul_scratch_.bytes();
}

void Forward::Begin(const Batch& batch, KvCache& kv) {
  batch_ = &batch;
  kv_ = &kv;
  n_tokens_ = batch.size();
  rope_cache_base_ = std::nanf("");
  rope_cache_factors_ = nullptr;
}

void Forward::Embed(const WeightView& token_embd, float scale) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const uint8_t* data = static_cast<const uint8_t*>(token_embd.data);
      float* dst = x().row(i);
      if (token_embd.layout == WeightLayout::kInterleaved16) {
        quant::DequantizeInterleavedRow(token_embd.type, data, batch_->token[i], config_.n_embd, dst);
      } else {
        quant::DequantizeRow(token_embd.type,
                             data + static_cast<size_t>(batch_->token[i]) * token_embd.row_stride, dst,
                             config_.n_embd);
      }
      if (scale != 1.f) {
        for (int64_t j = 0; j < config_.n_embd; ++j) dst[j] *= scale;
      }
    }
  });
}

void Forward::AddTableRow(const gguf::TensorInfo& table, int64_t row) {
  std::vector<float>& values = proj_;  // free until the first block: a scratch row
  quant::DequantizeRow(table.type,
                       table.data.data() + static_cast<size_t>(row) * RowBytes(table.type, config_.n_embd),
                       values.data(), config_.n_embd);
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* dst = x().row(i);
      for (int64_t j = 0; j < config_.n_embd; ++j) dst[j] += values[static_cast<size_t>(j)];
    }
  });
}

void Forward::AddPositionEmbeddings(const gguf::TensorInfo& table) {
  const size_t row_bytes = RowBytes(table.type, config_.n_embd);
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* row = normed().row(i);  // scratch: the block has not started
      quant::DequantizeRow(table.type, table.data.data() + static_cast<size_t>(batch_->pos[i]) * row_bytes,
                           row, config_.n_embd);
      float* dst = x().row(i);
      for (int64_t j = 0; j < config_.n_embd; ++j) dst[j] += row[j];
    }
  });
}

void Forward::LayerNorm(Rows in, std::span<const float> w, std::span<const float> b, Rows out) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      ops::LayerNorm(in.row(i), w, b, config_.norm_eps, in.width, out.row(i));
  });
}

void Forward::Norm(Rows in, std::span<const float> w, Rows out) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ops::RmsNorm(in.row(i), w, config_.rms_eps, in.width, out.row(i));
  });
}

void Forward::HeadNorm(Rows rows, int64_t head_dim, std::span<const float> w) {
  const int64_t heads = rows.width / head_dim;
  pool_.ParallelFor(n_tokens_ * heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* head = rows.row(i / heads) + (i % heads) * head_dim;
      ops::RmsNorm(head, w, config_.rms_eps, head_dim, head);
    }
  });
}

Status Forward::Project(const WeightView& w, Rows in, Rows out) {
  return Matmul(pool_, matmul_options_, w, in.data, n_tokens_, in.width, out.data, out.width,
                matmul_scratch_);
}

void Forward::AddBias(Rows rows, std::span<const float> bias) {
  for (int64_t i = 0; i < n_tokens_; ++i) {
    float* r = rows.row(i);
    for (int64_t j = 0; j < rows.width; ++j) r[j] += bias[static_cast<size_t>(j)];
  }
}

void Forward::PrepareRope(float freq_base, std::span<const float> freq_factors) {
  if (rope_cache_base_ == freq_base && rope_cache_factors_ == freq_factors.data()) return;
  ops::RopeParams p{config_.rope_mode, config_.rope_dims, freq_base, config_.rope_freq_scale, freq_factors};
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      ops::RopeCache(p, batch_->pos[i], rope_cache_.data() + i * config_.rope_dims);
    }
  });
  rope_cache_base_ = freq_base;
  rope_cache_factors_ = freq_factors.data();
}

void Forward::Rope(int layer, std::span<const float> freq_factors, Rows q, Rows k) {
  const bool swa = config_.layer_is_swa[static_cast<size_t>(layer)];
  const float base = swa ? config_.rope_freq_base_swa : config_.rope_freq_base;
  PrepareRope(base, freq_factors);
  ops::RopeParams p{config_.rope_mode, config_.rope_dims, base, config_.rope_freq_scale, freq_factors};
  const int hd = static_cast<int>(config_.head_dim_k);
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* cache = rope_cache_.data() + i * config_.rope_dims;
      ops::RopeApply(p, cache, q.row(i), static_cast<int>(config_.n_head), hd);
      ops::RopeApply(p, cache, k.row(i), static_cast<int>(config_.n_head_kv), hd);
    }
  });
}

void Forward::Attention(int layer, Rows q, Rows k, Rows v, Rows out) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      uint16_t* kd = kv_->KRow(layer, batch_->seq[i], batch_->pos[i]);
      uint16_t* vd = kv_->VRow(layer, batch_->seq[i], batch_->pos[i]);
      for (int64_t j = 0; j < k.width; ++j) kd[j] = Fp32ToFp16(k.row(i)[j]);
      for (int64_t j = 0; j < v.width; ++j) vd[j] = Fp32ToFp16(v.row(i)[j]);
    }
  });
  const int64_t group = config_.n_head / config_.n_head_kv;
  const int hd_k = static_cast<int>(config_.head_dim_k);
  const int hd_v = static_cast<int>(config_.head_dim_v);
  const bool swa = config_.layer_is_swa[static_cast<size_t>(layer)];
  // gemma3 and phi3 scale q before attention (ggml_scale, then a kq scale of 1); the others scale q·k.
  const float q_scale = config_.scale_q_before_attention ? config_.attention_scale : 1.f;
  const float kq_scale = config_.scale_q_before_attention ? 1.f : config_.attention_scale;
  // llama.cpp multiplies a batch of ≥ 2 tokens by llamafile's tinyBLAS and a single token by ggml's vec_dot;
  // their f16 sums are ordered differently (ops::AttentionKernels).
  const int n_acc = n_tokens_ >= 2 ? 1 : 4;
  const int64_t n_head_kv = config_.n_head_kv;
  // Work items: a KV head and up to `span` consecutive tokens of the batch, whose query heads (all of one
  // sequence) go through the cache together, so that prefill reads it once per ops::kMaxRowsHeads queries.
  const int64_t span = std::max<int64_t>(1, ops::kMaxRowsHeads / group);
  const int64_t spans = (n_tokens_ + span - 1) / span;
  pool_.Run([&](int ith, int nth) {
    float* q16 = thread_scratch_.data() + static_cast<size_t>(ith) * thread_scratch_floats_;
    float* lanes = q16 + std::max<int64_t>(ops::kMaxRowsHeads, group) * hd_k;
    float* scores = lanes + ops::kMaxRowsHeads * 64 * hd_v;
    int32_t firsts[ops::kMaxRowsHeads];
    int32_t lasts[ops::kMaxRowsHeads];
    float* outs[ops::kMaxRowsHeads];
    // Items dealt round-robin: in a causal prefill later tokens see more of the cache, and contiguous
    // shares would leave the last thread with most of the work.
    for (int64_t item = ith; item < spans * n_head_kv; item += nth) {
      const int64_t kv_head = item % n_head_kv;
      const int64_t span_end = std::min<int64_t>(n_tokens_, (item / n_head_kv + 1) * span);
      ops::HeadSpec spec;
      spec.k_offset = kv_head * hd_k;
      spec.v_offset = kv_head * hd_v;
      spec.head_dim_k = hd_k;
      spec.head_dim_v = hd_v;
      spec.scale = kq_scale;
      for (int64_t i0 = item / n_head_kv * span; i0 < span_end;) {
        // A run of tokens of one sequence (a batch may hold several).
        const int seq = batch_->seq[i0];
        int64_t i1 = i0 + 1;
        while (i1 < span_end && batch_->seq[i1] == seq) ++i1;
        const ops::KvBlocks view = kv_->View(layer, seq);
        int n_q = 0;
        for (int64_t i = i0; i < i1; ++i) {
          // llama.cpp multiplies the f16 cache by q converted to f16 (ggml's f16 dot type); so do we.
          const float* qh = q.row(i) + kv_head * group * hd_k;
          float* q_dst = q16 + (i - i0) * group * hd_k;
          for (int64_t j = 0; j < group * hd_k; ++j) q_dst[j] = Fp16ToFp32(Fp32ToFp16(qh[j] * q_scale));
          const int32_t pos = batch_->pos[i];
          // A sliding-window layer sees the positions p with pos − p < window (llama.cpp's is_masked_swa).
          const int32_t first =
              swa ? std::max<int32_t>(0, pos - static_cast<int32_t>(config_.sliding_window) + 1) : 0;
          for (int64_t g = 0; g < group; ++g) {
            float* dst = out.row(i) + (kv_head * group + g) * hd_v;
            if (!two_pass_attention_) {
              ops::AttendHead(kernels_, view, spec, q_dst + g * hd_k, first, pos, scores, dst);
              continue;
            }
            firsts[n_q] = first;
            lasts[n_q] = pos;
            outs[n_q] = dst;
            if (++n_q == ops::kMaxRowsHeads) {
              ops::AttendQueriesTwoPass(kernels_, view, spec, n_q,
                                        q16 + ((i - i0) * group + g + 1 - n_q) * hd_k, hd_k, firsts, lasts,
                                        outs, n_acc, scores, lanes);
              n_q = 0;
            }
          }
        }
        if (n_q > 0) {
          ops::AttendQueriesTwoPass(kernels_, view, spec, n_q, q16 + ((i1 - i0) * group - n_q) * hd_k, hd_k,
                                    firsts, lasts, outs, n_acc, scores, lanes);
        }
        i0 = i1;
      }
    }
  });
}

void Forward::BidirectionalAttention(Rows q, Rows k, Rows v, Rows out) {
  const int64_t n_head = config_.n_head;
  const int64_t group = config_.n_head / config_.n_head_kv;
  const int64_t hd_k = config_.head_dim_k;
  const int64_t hd_v = config_.head_dim_v;
  const float scale = config_.attention_scale;
  pool_.Run([&](int ith, int nth) {
    float* scores = thread_scratch_.data() + static_cast<size_t>(ith) * thread_scratch_floats_;
    const int64_t items = n_tokens_ * n_head;
    for (int64_t item = items * ith / nth; item < items * (ith + 1) / nth; ++item) {
      const int64_t i = item / n_head;
      const int64_t h = item % n_head;
      const int32_t seq = batch_->seq[i];
      const float* qh = q.row(i) + h * hd_k;
      const int64_t kv_head = h / group;
      float max_score = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < n_tokens_; ++j) {
        if (batch_->seq[j] != seq) continue;
        const float* kh = k.row(j) + kv_head * hd_k;
        float dot = 0.f;
        for (int64_t d = 0; d < hd_k; ++d) dot += qh[d] * kh[d];
        scores[j] = dot * scale;
        max_score = std::max(max_score, scores[j]);
      }
      // ggml's soft_max: exponentials in f32, their sum in double, one f32 reciprocal.
      double sum = 0.0;
      for (int64_t j = 0; j < n_tokens_; ++j) {
        if (batch_->seq[j] != seq) continue;
        scores[j] = std::exp(scores[j] - max_score);
        sum += scores[j];
      }
      const float inv_sum = static_cast<float>(1.0 / sum);
      float* dst = out.row(i) + h * hd_v;
      std::fill_n(dst, hd_v, 0.f);
      for (int64_t j = 0; j < n_tokens_; ++j) {
        if (batch_->seq[j] != seq) continue;
        const float p = scores[j] * inv_sum;
        const float* vh = v.row(j) + kv_head * hd_v;
        for (int64_t d = 0; d < hd_v; ++d) dst[d] += p * vh[d];
      }
    }
  });
}

void Forward::Add(Rows into, Rows add) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* a = into.row(i);
      const float* b = add.row(i);
      for (int64_t j = 0; j < into.width; ++j) a[j] += b[j];
    }
  });
}

void Forward::SwiGlu(Rows gate, Rows up) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) swiglu_(gate.row(i), up.row(i), gate.width, gate.row(i));
  });
}

void Forward::GeGlu(Rows gate, Rows up) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      ops::GeGlu(gelu_table_.data(), gate.row(i), up.row(i), gate.width, gate.row(i));
    }
  });
}

void Forward::Gelu(Rows rows) {
  pool_.ParallelFor(n_tokens_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ops::Gelu(gelu_table_.data(), rows.row(i), rows.width, rows.row(i));
  });
}

Status Forward::Output(const Weights& weights, std::span<float> logits) {
  int64_t n_out = 0;
  for (int64_t i = 0; i < n_tokens_; ++i) {
    if (batch_->wants_logits[i] == 0) continue;
    std::copy_n(x().row(i), config_.n_embd, out_rows_.data() + n_out * config_.n_embd);
    ++n_out;
  }
  if (n_out == 0) return Status::Ok();
  Rows rows{out_rows_.data(), config_.n_embd};
  const int saved = n_tokens_;
  n_tokens_ = static_cast<int>(n_out);
  if (!weights.output_norm.empty()) Norm(rows, weights.output_norm, rows);
  Status status =
      logits.empty() ? Status::Ok() : Project(weights.output, rows, Rows{logits.data(), config_.n_vocab});
  n_tokens_ = saved;
  return status;
}

}  // namespace corral::model
