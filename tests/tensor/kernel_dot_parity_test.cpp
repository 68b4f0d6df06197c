// The scalar dot products against llama.cpp's own: ggml_vec_dot_<w>_<a> of the portable x86-64 build
// (GgmlPeer), on the same blocks. Both sum the same integers and form the float products in the same order
// (scalar_kernels.h), so the results must be equal to the last bit; no tolerance.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "kernel_test_data.h"
#include "peer/ggml_peer.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu {
namespace {

using testing::GgmlPeer;
using testing::RandomActivations;
using testing::RandomWeights;
using testing::Scales;

// ggml's vec_dot signature: (n, out, out_stride, x, x_stride, y, y_stride, nrc).
using VecDotFn = void (*)(int, float*, size_t, const void*, size_t, const void*, size_t, int);

void* PortableLibrary(const GgmlPeer& peer) {
  const std::string path = (std::filesystem::path(peer.library_dir()) / "libggml-cpu-x64.so").string();
  return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // the handle GgmlPeer holds, refcounted
}

// Without F16C the portable build converts f16 through ggml_table_f32_f16, which ggml_cpu_init() fills;
// before that every f16 scale reads as 0. (GgmlPeer does not call it.)
bool InitPortableLibrary(const GgmlPeer& peer) {
  void* lib = PortableLibrary(peer);
  auto init = lib != nullptr ? reinterpret_cast<void (*)()>(dlsym(lib, "ggml_cpu_init")) : nullptr;
  if (init == nullptr) return false;
  init();
  return true;
}

// GgmlPeer::VecDot covers the Q8 activation formats; the float rows and IQ4_XS are looked up here in the
// same portable library.
VecDotFn PortableVecDot(const GgmlPeer& peer, DType weight) {
  std::string name;
  switch (weight) {
    case DType::kF32:
      name = "ggml_vec_dot_f32";
      break;
    case DType::kF16:
      name = "ggml_vec_dot_f16";
      break;
    case DType::kBF16:
      name = "ggml_vec_dot_bf16";
      break;
    case DType::kIQ4_XS:
      name = "ggml_vec_dot_iq4_xs_q8_K";
      break;
    default:
      return nullptr;
  }
  void* lib = PortableLibrary(peer);
  return lib != nullptr ? reinterpret_cast<VecDotFn>(dlsym(lib, name.c_str())) : nullptr;
}

class KernelDotParityTest : public ::testing::TestWithParam<DType> {};

TEST_P(KernelDotParityTest, ScalarEqualsGgmlPortableVecDot) {
  const GgmlPeer* peer = GgmlPeer::Get();
  ASSERT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  ASSERT_TRUE(InitPortableLibrary(*peer));
  const DType type = GetParam();
  const DotKernel* k = scalar::FindKernel(type);
  ASSERT_NE(k, nullptr);
  const VecDotFn extra = PortableVecDot(*peer, type);
  uint32_t seed = 4242 + static_cast<uint32_t>(type);
  int compared = 0;
  for (Scales kind : {Scales::kRandom, Scales::kPowerOfTwo}) {
    for (int64_t n : testing::TestLengths(type)) {
      for (int trial = 0; trial < 8; ++trial) {
        const std::vector<uint8_t> w = RandomWeights(type, 1, n, RowBytes(type, n), kind, ++seed);
        const std::vector<uint8_t> a =
            RandomActivations(k->activation, 1, n, RowBytes(k->activation, n), kind, ++seed);
        float want = 0;
        if (extra != nullptr) {
          extra(static_cast<int>(n), &want, 0, w.data(), 0, a.data(), 0, 1);
        } else {
          ASSERT_TRUE(peer->VecDot(type, n, w.data(), a.data(), &want)) << "no ggml vec_dot for the type";
        }
        const float got = DotRow(*k, n, w.data(), a.data());
        EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
            << "n=" << n << " trial=" << trial << " got " << got << " want " << want;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 0);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KernelDotParityTest, ::testing::ValuesIn(testing::kDotTypes),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(DTypeName(info.param));
                         });

}  // namespace
}  // namespace corral::cpu
