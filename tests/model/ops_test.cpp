// The row operations and attention of tensor/ops against straightforward scalar references in double.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/ops/attention.h"
#include "tensor/ops/ggml_exp.h"
#include "tensor/ops/norm_rope.h"

namespace corral::ops {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(OpsRmsNorm, MatchesDefinition) {
  const auto x = Random(300, 1);
  const auto w = Random(300, 2);
  std::vector<float> y(300);
  RmsNorm(x.data(), w, 1e-5f, 300, y.data());
  double ss = 0;
  for (float v : x) ss += double(v) * v;
  const double scale = 1.0 / std::sqrt(ss / 300 + 1e-5);
  for (int i = 0; i < 300; ++i) EXPECT_NEAR(y[i], x[i] * scale * w[i], 1e-5) << i;
}

// Reference rotation: θ_i = pos · base^(−2i/n_dims) / factor_i · scale, computed with pow in double.
std::vector<float> RopeReference(const RopeParams& p, int32_t pos, std::vector<float> x, int head_dim) {
  const int half = p.n_dims / 2;
  for (size_t h = 0; h < x.size() / head_dim; ++h) {
    float* row = x.data() + h * head_dim;
    for (int i = 0; i < half; ++i) {
      const double factor = p.freq_factors.empty() ? 1.0 : p.freq_factors[i];
      const double theta = pos * std::pow(double(p.freq_base), -2.0 * i / p.n_dims) / factor * p.freq_scale;
      const int a = p.mode == RopeMode::kNormal ? 2 * i : i;
      const int b = p.mode == RopeMode::kNormal ? 2 * i + 1 : i + half;
      const double x0 = row[a], x1 = row[b];
      row[a] = static_cast<float>(x0 * std::cos(theta) - x1 * std::sin(theta));
      row[b] = static_cast<float>(x0 * std::sin(theta) + x1 * std::cos(theta));
    }
  }
  return x;
}

TEST(OpsRope, BothLayoutsWithAndWithoutFrequencyFactors) {
  const int head_dim = 64;
  const std::vector<float> factors = [] {
    std::vector<float> f(16);
    for (int i = 0; i < 16; ++i) f[i] = 1.f + static_cast<float>(i);
    return f;
  }();
  for (RopeMode mode : {RopeMode::kNormal, RopeMode::kNeox}) {
    for (bool with_factors : {false, true}) {
      for (int n_dims : {64, 32}) {
        if (with_factors && n_dims != 32) continue;
        RopeParams p{mode, n_dims, 10000.f, 0.5f,
                     with_factors ? std::span<const float>(factors) : std::span<const float>()};
        for (int32_t pos : {0, 1, 17, 1000}) {
          SCOPED_TRACE(::testing::Message() << "mode " << int(mode) << " factors " << with_factors
                                            << " n_dims " << n_dims << " pos " << pos);
          const auto x = Random(3 * head_dim, 7);
          std::vector<float> cache(n_dims);
          RopeCache(p, pos, cache.data());
          std::vector<float> got = x;
          RopeApply(p, cache.data(), got.data(), 3, head_dim);
          const auto want = RopeReference(p, pos, x, head_dim);
          // Positions up to 1000 times radians: the float angle accumulation costs ~1e-4 relative.
          for (size_t i = 0; i < x.size(); ++i)
            EXPECT_NEAR(got[i], want[i], 2e-3f * (1 + std::abs(want[i]))) << i;
        }
      }
    }
  }
}

TEST(OpsGelu, TableFollowsTanhApproximationAtF16) {
  std::vector<uint16_t> table(65536);
  MakeGeluTable(table);
  std::vector<float> gate = {-12.f, -3.f, -0.5f, 0.f, 0.7f, 2.f, 9.f, 11.f};
  std::vector<float> up(gate.size(), 2.f), out(gate.size());
  GeGlu(table.data(), gate.data(), up.data(), static_cast<int64_t>(gate.size()), out.data());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double x = gate[i];
    const double gelu = 0.5 * x * (1 + std::tanh(0.7978845608 * x * (1 + 0.044715 * x * x)));
    EXPECT_NEAR(out[i], 2 * gelu, 2e-3 * (1 + std::abs(gelu))) << x;
  }
  std::vector<float> silu(1);
  float g = 1.5f, u = 3.f;
  SwiGlu(&g, &u, 1, silu.data());
  EXPECT_NEAR(silu[0], 1.5 / (1 + std::exp(-1.5)) * 3, 1e-5);
}

// Every family's SwiGLU equals the scalar one bit for bit (llama.cpp's AVX-512 arithmetic), over whole
// 16-lane groups and a ragged tail, including arguments whose exp overflows or underflows.
TEST(OpsSwiGlu, EveryIsaBitIdenticalWithScalar) {
  std::vector<float> gate = Random(16 * 37 + 11, 5), up = Random(gate.size(), 6);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] *= 8.f;
  const float extremes[] = {-200.f, -104.f, -88.f, 0.f, -0.f, 88.f, 104.f, 200.f};
  for (size_t i = 0; i < std::size(extremes); ++i) gate[gate.size() / 2 + 3 * i] = extremes[i];
  std::vector<float> want(gate.size());
  SwiGlu(gate.data(), up.data(), static_cast<int64_t>(gate.size()), want.data());
  for (cpu::Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
    SCOPED_TRACE(std::string(cpu::IsaName(isa)));
    std::vector<float> got(gate.size());
    SwiGluFor(isa)(gate.data(), up.data(), static_cast<int64_t>(gate.size()), got.data());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << "gate " << gate[i];
    }
  }
}

// A KV store in blocks, with shuffled block ids, and the two-pass softmax reference over it.
struct BlockStore {
  int block_size, n_blocks, width;
  std::vector<uint16_t> k, v;
  std::vector<int32_t> ids;
  BlockStore(int bs, int positions, int w, uint32_t seed) : block_size(bs), width(w) {
    n_blocks = (positions + bs - 1) / bs;
    const auto kf = Random(size_t(n_blocks) * bs * w, seed);
    const auto vf = Random(size_t(n_blocks) * bs * w, seed + 1);
    for (float f : kf) k.push_back(Fp32ToFp16(f));
    for (float f : vf) v.push_back(Fp32ToFp16(f));
    for (int b = 0; b < n_blocks; ++b) ids.push_back((b * 7 + 3) % n_blocks);
    std::sort(ids.begin(), ids.end());
    std::reverse(ids.begin(), ids.end());
  }
  KvBlocks View() const {
    return {k.data(), v.data(), ids.data(), block_size, int64_t(block_size) * width, width};
  }
  const uint16_t* Row(const std::vector<uint16_t>& data, int pos) const {
    return data.data() + (size_t(ids[pos / block_size]) * block_size + pos % block_size) * width;
  }
};

std::vector<double> TwoPassReference(const BlockStore& s, const HeadSpec& h, const float* q, int first,
                                     int last) {
  std::vector<double> scores;
  double max = -INFINITY;
  for (int p = first; p <= last; ++p) {
    const uint16_t* k = s.Row(s.k, p) + h.k_offset;
    double dot = 0;
    for (int i = 0; i < h.head_dim_k; ++i) dot += double(Fp16ToFp32(k[i])) * q[i];
    scores.push_back(dot * h.scale);
    max = std::max(max, scores.back());
  }
  double sum = 0;
  for (double& sc : scores) sum += (sc = std::exp(sc - max));
  std::vector<double> out(h.head_dim_v, 0.0);
  for (int p = first; p <= last; ++p) {
    const uint16_t* v = s.Row(s.v, p) + h.v_offset;
    for (int i = 0; i < h.head_dim_v; ++i) out[i] += scores[p - first] / sum * Fp16ToFp32(v[i]);
  }
  return out;
}

TEST(OpsAttention, OnlineAndLlamaCppOrderMatchTheTwoPassReferenceOnEveryIsa) {
  const int head_dim = 64, n_kv_heads = 2, positions = 300, block = 32;
  const BlockStore store(block, positions, head_dim * n_kv_heads, 11);
  const auto q = Random(head_dim, 12, 2.f);  // sharp softmax: a wrong maximum would show
  std::vector<float> scores(positions), lanes(64 * head_dim), out(head_dim);
  for (cpu::Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
    const AttentionKernels kernels = AttentionKernelsFor(isa);
    for (int kv_head : {0, 1}) {
      // Full causal windows, windows starting and ending inside blocks (sliding window), one position.
      for (auto [first, last] :
           std::vector<std::pair<int, int>>{{0, 299}, {0, 0}, {5, 37}, {64, 95}, {250, 299}, {31, 32}}) {
        SCOPED_TRACE(::testing::Message()
                     << cpu::IsaName(isa) << " head " << kv_head << " [" << first << ", " << last << "]");
        HeadSpec h{kv_head * head_dim, kv_head * head_dim, head_dim, head_dim, 0.125f};
        const auto want = TwoPassReference(store, h, q.data(), first, last);
        AttendHead(kernels, store.View(), h, q.data(), first, last, scores.data(), out.data());
        for (int i = 0; i < head_dim; ++i) EXPECT_NEAR(out[i], want[i], 1e-4) << i;
        for (int n_acc : {1, 4}) {
          AttendHeadTwoPass(kernels, store.View(), h, q.data(), first, last, n_acc, scores.data(),
                            lanes.data(), out.data());
          // The probabilities are rounded to f16 (2^-11 relative), as llama.cpp rounds them.
          for (int i = 0; i < head_dim; ++i) EXPECT_NEAR(out[i], want[i], 2e-3) << i << " n_acc " << n_acc;
        }
      }
    }
  }
}

// Grouped-query attention: the query heads sharing a KV head, taken together by each family's row kernels,
// give the floats of the scalar kernels head by head, to the bit. 11 heads cover the batches of
// kMaxRowsHeads and every register-tile width; head dim 80 the kernels' row-by-row fallback; 24-position
// blocks the walk for blocks that are not a whole number of accumulator slots.
TEST(OpsAttention, GroupedHeadsEqualScalarHeadByHeadOnEveryIsa) {
  const int n_q = 11, positions = 200;
  const AttentionKernels scalar = AttentionKernelsFor(cpu::Isa::kScalar);
  for (int head_dim : {64, 80}) {
    for (int block : {24, 64}) {
      const BlockStore store(block, positions, head_dim, 31 + static_cast<uint32_t>(block));
      std::vector<float> q = Random(static_cast<size_t>(n_q) * head_dim, 32, 2.f);
      for (float& x : q) x = Fp16ToFp32(Fp32ToFp16(x));
      const HeadSpec h{0, 0, head_dim, head_dim, 0.125f};
      for (auto [first, last] : std::vector<std::pair<int, int>>{{0, 199}, {37, 150}, {0, 0}}) {
        for (int n_acc : {1, 4}) {
          std::vector<float> scores(positions), lanes(64 * head_dim),
              want(static_cast<size_t>(n_q) * head_dim);
          for (int g = 0; g < n_q; ++g) {
            AttendHeadTwoPass(scalar, store.View(), h, q.data() + g * head_dim, first, last, n_acc,
                              scores.data(), lanes.data(), want.data() + g * head_dim);
          }
          for (cpu::Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
            SCOPED_TRACE(::testing::Message()
                         << cpu::IsaName(isa) << " head_dim " << head_dim << " block " << block << " ["
                         << first << ", " << last << "] n_acc " << n_acc);
            std::vector<float> group_scores(static_cast<size_t>(n_q) * positions);
            std::vector<float> group_lanes(static_cast<size_t>(n_q) * 64 * head_dim), got(want.size());
            AttendGroupTwoPass(AttentionKernelsFor(isa), store.View(), h, n_q, q.data(), head_dim, first,
                               last, n_acc, group_scores.data(), group_lanes.data(), got.data(), head_dim);
            for (size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << i;
            }
          }
        }
      }
    }
  }
}

// Queries of several tokens (prefill): each with its own causal end and sliding-window start, more of them
// than one batch of kMaxRowsHeads; bit-identical with the scalar kernels query by query.
TEST(OpsAttention, QueriesWithTheirOwnPositionsEqualScalarQueryByQueryOnEveryIsa) {
  const int head_dim = 64, positions = 260, n_q = 21;
  const BlockStore store(64, positions, head_dim, 41);
  std::vector<float> q = Random(static_cast<size_t>(n_q) * head_dim, 42, 2.f);
  for (float& x : q) x = Fp16ToFp32(Fp32ToFp16(x));
  const HeadSpec h{0, 0, head_dim, head_dim, 0.125f};
  std::vector<int32_t> first(n_q), last(n_q);
  for (int g = 0; g < n_q; ++g) {
    last[g] = 200 + g / 4 * 9 + g % 3;         // tokens at their own positions
    first[g] = g % 5 == 0 ? last[g] - 40 : 0;  // some in a sliding window
  }
  const AttentionKernels scalar = AttentionKernelsFor(cpu::Isa::kScalar);
  for (int n_acc : {1, 4}) {
    std::vector<float> scores(positions), lanes(64 * head_dim), want(static_cast<size_t>(n_q) * head_dim);
    for (int g = 0; g < n_q; ++g) {
      AttendHeadTwoPass(scalar, store.View(), h, q.data() + g * head_dim, first[g], last[g], n_acc,
                        scores.data(), lanes.data(), want.data() + g * head_dim);
    }
    for (cpu::Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
      SCOPED_TRACE(::testing::Message() << cpu::IsaName(isa) << " n_acc " << n_acc);
      std::vector<float> got(want.size(), -1.f);
      std::vector<float*> outs(n_q);
      for (int g = 0; g < n_q; ++g) outs[g] = got.data() + g * head_dim;
      std::vector<float> batch_scores(static_cast<size_t>(kMaxRowsHeads) * positions);
      std::vector<float> batch_lanes(static_cast<size_t>(kMaxRowsHeads) * 64 * head_dim);
      AttendQueriesTwoPass(AttentionKernelsFor(isa), store.View(), h, n_q, q.data(), head_dim, first.data(),
                           last.data(), outs.data(), n_acc, batch_scores.data(), batch_lanes.data());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << i;
      }
    }
  }
}

// Every instruction family sums in ggml's order, so they agree with the scalar emulation to the bit.
TEST(OpsAttention, DotOrderIsTheSameOnEveryIsa) {
  const auto kf = Random(256, 21);
  const auto q = Random(256, 22);
  std::vector<uint16_t> k;
  for (float f : kf) k.push_back(Fp32ToFp16(f));
  const AttentionKernels scalar = AttentionKernelsFor(cpu::Isa::kScalar);
  for (cpu::Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
    const AttentionKernels kernels = AttentionKernelsFor(isa);
    for (int n : {16, 64, 128, 80, 256}) {
      for (int n_acc : {1, 4}) {
        EXPECT_EQ(kernels.dot_f16(k.data(), q.data(), n, n_acc), scalar.dot_f16(k.data(), q.data(), n, n_acc))
            << cpu::IsaName(isa) << " n " << n << " n_acc " << n_acc;
      }
      double want = 0;
      for (int i = 0; i < n; ++i) want += double(Fp16ToFp32(k[i])) * q[i];
      EXPECT_NEAR(kernels.dot_f16(k.data(), q.data(), n, 4), want, 1e-4);
    }
    std::vector<float> a(40, 1.f), b(40, 1.f);
    kernels.axpy_f16(0.3f, k.data(), a.data(), 40);
    scalar.axpy_f16(0.3f, k.data(), b.data(), 40);
    EXPECT_EQ(a, b) << cpu::IsaName(isa);
    // Softmax exponentials: the same bits on every family, underflow to 0 included.
    std::vector<float> e = Random(250, 23, 30.f), f = e;
    e[7] = -INFINITY;
    f[7] = -INFINITY;
    kernels.exp_shifted(e.data(), 250, 40.f);
    scalar.exp_shifted(f.data(), 250, 40.f);
    EXPECT_EQ(e, f) << cpu::IsaName(isa);
  }
}

TEST(OpsExp, GgmlPolynomialIsWithinTwoUlpOfExp) {
  for (float x = -100.f; x < 88.f; x += 0.37f) {
    const float want = std::exp(x);
    EXPECT_NEAR(ExpLikeGgml(x), want, 2.5f * std::abs(std::nextafter(want, INFINITY) - want)) << x;
  }
  EXPECT_EQ(ExpLikeGgml(-INFINITY), 0.f);
  EXPECT_EQ(ExpLikeGgml(0.f), 1.f);
}

}  // namespace
}  // namespace corral::ops
