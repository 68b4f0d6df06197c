// Test helper: a small random-weight model of any supported architecture, written with corral's GGUF writer
// (f32 weights, deterministic for a seed). Tests may edit the Writer before it is serialised (drop a key,
// give a tensor a wrong shape) to check the loader's errors.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gguf/writer.h"

namespace corral::model::testing {

struct TinySpec {
  std::string arch = "llama";
  int64_t n_embd = 64;
  int64_t n_layer = 2;
  int64_t n_head = 4;
  int64_t n_head_kv = 2;
  int64_t head_dim = 16;
  int64_t n_ff = 128;
  int64_t n_vocab = 96;
  uint32_t seed = 1;
  uint32_t sliding_window = 0;  // gemma3
  bool tied = false;
  bool rope_factors = false;  // llama: a rope_freqs.weight table
  // Sees every tensor before it is added; may change its shape, or return false to leave it out.
  std::function<bool(const std::string& name, std::vector<int64_t>& dims)> tensor_edit;
};

// Builds the GGUF. `edit` runs on the Writer after every key and tensor is set.
inline std::vector<uint8_t> TinyModelBytes(const TinySpec& s,
                                           const std::function<void(gguf::Writer&)>& edit = {}) {
  gguf::Writer w;
  const std::string& a = s.arch;
  w.SetString("general.architecture", a);
  w.SetU32(a + ".embedding_length", static_cast<uint32_t>(s.n_embd));
  w.SetU32(a + ".block_count", static_cast<uint32_t>(s.n_layer));
  w.SetU32(a + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
  w.SetU32(a + ".context_length", 4096);
  w.SetU32(a + ".attention.head_count", static_cast<uint32_t>(s.n_head));
  w.SetU32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
  w.SetU32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
  w.SetU32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
  w.SetF32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
  w.SetF32(a + ".rope.freq_base", 10000.f);
  if (s.sliding_window > 0) {
    w.SetU32(a + ".attention.sliding_window", s.sliding_window);
    w.SetF32(a + ".rope.freq_base_swa", 1000.f);
  }

  std::mt19937 rng(s.seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  auto add = [&](const std::string& name, std::vector<int64_t> dims, float mean, float std) {
    if (s.tensor_edit && !s.tensor_edit(name, dims)) return;
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = mean + std * normal(rng);
    gguf::Shape shape;
    shape.n_dims = static_cast<int>(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) shape.ne[i] = dims[i];
    std::vector<uint8_t> bytes(v.size() * sizeof(float));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    (void)w.AddTensor(name, DType::kF32, shape, std::move(bytes));
  };
  auto matrix = [&](const std::string& name, int64_t in, int64_t out) {
    add(name, {in, out}, 0.f, 1.f / std::sqrt(static_cast<float>(in)));
  };
  const int64_t q = s.n_head * s.head_dim;
  const int64_t kv = s.n_head_kv * s.head_dim;
  add("token_embd.weight", {s.n_embd, s.n_vocab}, 0.f, 1.f);
  add("output_norm.weight", {s.n_embd}, 1.f, 0.2f);
  if (!s.tied) matrix("output.weight", s.n_embd, s.n_vocab);
  if (s.rope_factors) add("rope_freqs.weight", {s.head_dim / 2}, 2.f, 0.5f);
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {s.n_embd}, 1.f, 0.2f);
    if (a == "phi3") {
      matrix(p + "attn_qkv.weight", s.n_embd, q + 2 * kv);
    } else {
      matrix(p + "attn_q.weight", s.n_embd, q);
      matrix(p + "attn_k.weight", s.n_embd, kv);
      matrix(p + "attn_v.weight", s.n_embd, kv);
    }
    if (a == "qwen2") {
      add(p + "attn_q.bias", {q}, 0.f, 0.5f);
      add(p + "attn_k.bias", {kv}, 0.f, 0.5f);
      add(p + "attn_v.bias", {kv}, 0.f, 0.5f);
    }
    if (a == "qwen3" || a == "gemma3") {
      add(p + "attn_q_norm.weight", {s.head_dim}, 1.f, 0.2f);
      add(p + "attn_k_norm.weight", {s.head_dim}, 1.f, 0.2f);
    }
    matrix(p + "attn_output.weight", q, s.n_embd);
    add(p + "ffn_norm.weight", {s.n_embd}, 1.f, 0.2f);
    if (a == "phi3") {
      matrix(p + "ffn_up.weight", s.n_embd, 2 * s.n_ff);
    } else {
      matrix(p + "ffn_gate.weight", s.n_embd, s.n_ff);
      matrix(p + "ffn_up.weight", s.n_embd, s.n_ff);
    }
    matrix(p + "ffn_down.weight", s.n_ff, s.n_embd);
    if (a == "gemma3") {
      add(p + "post_attention_norm.weight", {s.n_embd}, 1.f, 0.2f);
      add(p + "post_ffw_norm.weight", {s.n_embd}, 1.f, 0.2f);
    }
  }
  if (edit) edit(w);
  auto bytes = w.ToBytes();
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>();
}

}  // namespace corral::model::testing
