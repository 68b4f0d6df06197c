// CPU feature detection against the kernel's own view (/proc/cpuinfo flags, which Linux clears for
// features whose register state it does not save), and the choice of kernel family.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tensor/cpu/cpu_features.h"

namespace corral::cpu {
namespace {

std::set<std::string> CpuinfoFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST(CpuFeatures, AgreeWithProcCpuinfo) {
  const std::set<std::string> flags = CpuinfoFlags();
  if (flags.empty()) GTEST_SKIP() << "/proc/cpuinfo has no flags line here";
  const CpuFeatures& f = HostCpuFeatures();
  auto has = [&](const char* name) { return flags.count(name) != 0; };
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.f16c, has("f16c"));
  EXPECT_EQ(f.bmi2, has("bmi2"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512dq, has("avx512dq"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512vnni, has("avx512_vnni"));
  EXPECT_EQ(f.avx512bf16, has("avx512_bf16"));
  EXPECT_EQ(f.avx_vnni, has("avx_vnni"));
  // AMX additionally needs this process's arch_prctl permission, which a kernel may refuse.
  EXPECT_LE(f.amx_tile, has("amx_tile"));
  EXPECT_LE(f.amx_int8, has("amx_int8"));
  EXPECT_LE(f.amx_bf16, has("amx_bf16"));
}

TEST(CpuFeatures, FamiliesFollowTheirRequirements) {
  CpuFeatures none;
  EXPECT_EQ(BestIsa(none), Isa::kScalar);
  EXPECT_EQ(SupportedIsas(none), std::vector<Isa>{Isa::kScalar});

  CpuFeatures avx2;
  avx2.avx2 = avx2.fma = avx2.f16c = avx2.bmi2 = true;
  EXPECT_EQ(BestIsa(avx2), Isa::kAvx2);

  CpuFeatures skylake_x = avx2;  // AVX-512 without VNNI runs the AVX2 kernels
  skylake_x.avx512f = skylake_x.avx512bw = skylake_x.avx512dq = skylake_x.avx512vl = true;
  EXPECT_EQ(BestIsa(skylake_x), Isa::kAvx2);

  CpuFeatures zen4 = skylake_x;
  zen4.avx512vnni = true;
  EXPECT_EQ(BestIsa(zen4), Isa::kAvx512);
  EXPECT_FALSE(AmxUsable(zen4));
  zen4.amx_tile = zen4.amx_int8 = zen4.amx_bf16 = true;
  EXPECT_TRUE(AmxUsable(zen4));

  CpuFeatures no_fma = avx2;
  no_fma.fma = false;
  EXPECT_EQ(BestIsa(no_fma), Isa::kScalar);
}

TEST(CpuFeatures, IsaNamesRoundTrip) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) EXPECT_EQ(ParseIsa(IsaName(isa)), isa);
  EXPECT_FALSE(ParseIsa("sse2").has_value());
}

// Sets an environment variable for a scope (nullptr: unset), then restores it.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old, had_ = true;
    value != nullptr ? setenv(name, value, 1) : unsetenv(name);
  }
  ~EnvVar() { had_ ? setenv(name_, saved_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string saved_;
  bool had_ = false;
};

class EnvIsa : public EnvVar {
 public:
  explicit EnvIsa(const char* value) : EnvVar("CORRAL_ISA", value) {}
};

TEST(CpuFeatures, CorralAmxZeroOrOffForbidsAmx) {
  for (const char* off : {"0", "off"}) {
    EnvVar env("CORRAL_AMX", off);
    EXPECT_FALSE(AmxAllowedByEnvironment()) << off;
  }
  for (const char* on : {"1", "on", ""}) {
    EnvVar env("CORRAL_AMX", on);
    EXPECT_TRUE(AmxAllowedByEnvironment()) << on;
  }
  EnvVar unset("CORRAL_AMX", nullptr);
  EXPECT_TRUE(AmxAllowedByEnvironment());
}

TEST(CpuFeatures, CorralIsaOverridesTheBestFamily) {
  CpuFeatures avx2;
  avx2.avx2 = avx2.fma = avx2.f16c = avx2.bmi2 = true;
  {
    EnvIsa env("scalar");
    Result<Isa> isa = IsaFromEnvironment(avx2);
    ASSERT_TRUE(isa.ok());
    EXPECT_EQ(*isa, Isa::kScalar);
  }
  {
    EnvIsa env("avx512");
    Result<Isa> isa = IsaFromEnvironment(avx2);
    ASSERT_FALSE(isa.ok());
    EXPECT_EQ(isa.status().code(), StatusCode::kUnsupported);
  }
  {
    EnvIsa env("neon");
    Result<Isa> isa = IsaFromEnvironment(avx2);
    ASSERT_FALSE(isa.ok());
    EXPECT_EQ(isa.status().code(), StatusCode::kInvalidArgument);
  }
  {
    EnvIsa env("");
    Result<Isa> isa = IsaFromEnvironment(avx2);
    ASSERT_TRUE(isa.ok());
    EXPECT_EQ(*isa, Isa::kAvx2);
  }
}

}  // namespace
}  // namespace corral::cpu
