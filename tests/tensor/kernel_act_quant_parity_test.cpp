// Activation quantizers against llama.cpp's:
//   - quantize_row_q8_0 / q8_1 of the AVX2 build (libggml-cpu-haswell.so): the rounding a user's llama.cpp
//     applies on any AVX2 or AVX-512 x86 CPU. Identical bytes.
//   - quantize_row_q8_0 / q8_1 / q8_K of the portable build (GgmlPeer): Q8_K identical bytes; Q8_0 and Q8_1
//     there are ggml's reference quantizers (id = 1/d, roundf), and differ from ours only by one step on
//     elements where the reference's x·id lies within an ulp of a half-integer.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "peer/ggml_peer.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu {
namespace {

using testing::GgmlPeer;
using QuantizeFn = void (*)(const float*, void*, int64_t);

std::vector<std::vector<float>> Rows(int64_t n) {
  std::mt19937 rng(static_cast<uint32_t>(n));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> k(-127, 126);
  std::vector<std::vector<float>> rows;
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) {
      switch (trial % 3) {
        case 0:
          x[i] = normal(rng) * std::ldexp(1.0f, static_cast<int>((i / 32) % 9) - 4);
          break;
        case 1:
          x[i] = i % 32 == 0 ? 127.0f : static_cast<float>(k(rng)) + 0.5f;
          break;  // exact ties
        default:
          x[i] = (i / 64) % 3 == 0 ? 0.0f : static_cast<float>(k(rng)) * 0.01f;
          break;
      }
    }
    rows.push_back(x);
  }
  return rows;
}

void ScalarQuantize(DType act, const float* x, void* y, int64_t n) {
  switch (act) {
    case DType::kQ8_0:
      scalar::QuantizeRowQ8_0(x, static_cast<quant::BlockQ8_0*>(y), n);
      break;
    case DType::kQ8_1:
      scalar::QuantizeRowQ8_1(x, static_cast<quant::BlockQ8_1*>(y), n);
      break;
    default:
      scalar::QuantizeRowQ8_K(x, static_cast<quant::BlockQ8_K*>(y), n);
      break;
  }
}

TEST(KernelActQuantParity, Q8_0AndQ8_1EqualTheAvx2Build) {
  if (!IsaSupported(Isa::kAvx2, HostCpuFeatures()))
    GTEST_SKIP() << "no AVX2 here: cannot run ggml's AVX2 build";
  const GgmlPeer* peer = GgmlPeer::Get();
  ASSERT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  const std::string path = (std::filesystem::path(peer->library_dir()) / "libggml-cpu-haswell.so").string();
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  for (DType act : {DType::kQ8_0, DType::kQ8_1}) {
    const std::string name = act == DType::kQ8_0 ? "quantize_row_q8_0" : "quantize_row_q8_1";
    auto fn = reinterpret_cast<QuantizeFn>(dlsym(lib, name.c_str()));
    ASSERT_NE(fn, nullptr) << name;
    for (int64_t n : {32, 96, 4096 + 256}) {
      for (const std::vector<float>& x : Rows(n)) {
        std::vector<uint8_t> want(RowBytes(act, n)), got(RowBytes(act, n));
        fn(x.data(), want.data(), n);
        ScalarQuantize(act, x.data(), got.data(), n);
        EXPECT_EQ(got, want) << name << " n=" << n;
      }
    }
  }
}

TEST(KernelActQuantParity, Q8_KEqualsGgml) {
  const GgmlPeer* peer = GgmlPeer::Get();
  ASSERT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  for (int64_t n : {256, 768, 4096 + 256}) {
    for (const std::vector<float>& x : Rows(n)) {
      // ggml leaves the block sums of an all-zero block unwritten; start from zeros as corral writes them.
      std::vector<uint8_t> want(RowBytes(DType::kQ8_K, n), 0), got(RowBytes(DType::kQ8_K, n), 0xCD);
      ASSERT_TRUE(peer->QuantizeActivationRow(DType::kQ8_K, x.data(), want.data(), n));
      ScalarQuantize(DType::kQ8_K, x.data(), got.data(), n);
      EXPECT_EQ(got, want) << "n=" << n;
    }
  }
}

// Against ggml's reference quantizer (what the portable build runs): scales identical, quants identical
// except one step apart where the reference's x·(1/d) is a near or exact tie.
TEST(KernelActQuantParity, Q8_0AndQ8_1DifferFromGgmlReferenceOnlyAtTies) {
  const GgmlPeer* peer = GgmlPeer::Get();
  ASSERT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  int ties = 0;
  for (DType act : {DType::kQ8_0, DType::kQ8_1}) {
    const bool q8_1 = act == DType::kQ8_1;
    const size_t block_bytes = q8_1 ? sizeof(quant::BlockQ8_1) : sizeof(quant::BlockQ8_0);
    const size_t qs_offset = q8_1 ? 4 : 2;
    for (int64_t n : {32, 4096 + 256}) {
      for (const std::vector<float>& x : Rows(n)) {
        std::vector<uint8_t> want(RowBytes(act, n)), got(RowBytes(act, n));
        ASSERT_TRUE(peer->QuantizeActivationRow(act, x.data(), want.data(), n));
        ScalarQuantize(act, x.data(), got.data(), n);
        for (int64_t b = 0; b < n / 32; ++b) {
          const uint8_t* wb = want.data() + b * block_bytes;
          const uint8_t* gb = got.data() + b * block_bytes;
          ASSERT_EQ(std::memcmp(wb, gb, 2), 0) << "scale of block " << b;
          float amax = 0;
          for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[32 * b + j]));
          const float d = amax / 127;
          const float id_ref = d != 0 ? 1.0f / d : 0.0f;
          bool block_differs = false;
          for (int j = 0; j < 32; ++j) {
            const int qw = static_cast<int8_t>(wb[qs_offset + j]),
                      qg = static_cast<int8_t>(gb[qs_offset + j]);
            if (qw == qg) continue;
            block_differs = true;
            const float v = x[32 * b + j] * id_ref;
            const float frac = std::fabs(v - std::trunc(v));
            EXPECT_EQ(std::abs(qw - qg), 1);
            EXPECT_NEAR(frac, 0.5f, 1e-5f * std::fabs(v) + 1e-6f) << "not a tie: x·id = " << v;
            ++ties;
          }
          // Q8_1's s = d·Σq follows the quants: equal wherever they are.
          if (q8_1 && !block_differs) {
            EXPECT_EQ(std::memcmp(wb + 2, gb + 2, 2), 0) << "s of block " << b;
          }
        }
      }
    }
  }
  EXPECT_GT(ties, 0) << "the tie rows should have produced some differences";
}

}  // namespace
}  // namespace corral::cpu
