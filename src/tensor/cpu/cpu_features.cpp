#include "tensor/cpu/cpu_features.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace corral::cpu {
namespace {

#if defined(__x86_64__)
struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs Cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return {};
  return r;
}

// XGETBV needs -mxsave for its intrinsic; this file is built for baseline x86-64, so spell it out.
uint64_t ReadXcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool Bit(uint32_t reg, int bit) {
  return ((reg >> bit) & 1u) != 0;
}

// Linux keeps AMX tile data out of a process's saved state until it asks (arch/x86/include/uapi/asm/prctl.h).
bool RequestAmxTileData() {
#if defined(__linux__)
  constexpr long kArchGetXcompPerm = 0x1022;
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr int kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
  unsigned long permitted = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &permitted) != 0) return false;
  return ((permitted >> kXfeatureXtiledata) & 1u) != 0;
#else
  return false;
#endif
}

CpuFeatures Detect() {
  CpuFeatures f;
  const CpuidRegs leaf0 = Cpuid(0, 0);
  if (leaf0.eax < 7) return f;
  const CpuidRegs l1 = Cpuid(1, 0);
  const CpuidRegs l7 = Cpuid(7, 0);
  const CpuidRegs l7s1 = Cpuid(7, 1);

  const bool osxsave = Bit(l1.ecx, 27);
  const uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;              // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_tile_cfg = (xcr0 & (uint64_t{3} << 17)) == (uint64_t{3} << 17);  // XTILECFG + XTILEDATA

  const bool avx = Bit(l1.ecx, 28) && os_ymm;
  f.fma = avx && Bit(l1.ecx, 12);
  f.f16c = avx && Bit(l1.ecx, 29);
  f.avx2 = avx && Bit(l7.ebx, 5);
  f.bmi2 = Bit(l7.ebx, 8);
  f.avx_vnni = f.avx2 && Bit(l7s1.eax, 4);

  f.avx512f = os_zmm && Bit(l7.ebx, 16);
  f.avx512dq = f.avx512f && Bit(l7.ebx, 17);
  f.avx512bw = f.avx512f && Bit(l7.ebx, 30);
  f.avx512vl = f.avx512f && Bit(l7.ebx, 31);
  f.avx512vnni = f.avx512f && Bit(l7.ecx, 11);
  f.avx512bf16 = f.avx512f && Bit(l7s1.eax, 5);
  f.gfni = Bit(l7.ecx, 8);

  const bool amx_cpu = os_tile_cfg && Bit(l7.edx, 24);
  if (amx_cpu && RequestAmxTileData()) {
    f.amx_tile = true;
    f.amx_int8 = Bit(l7.edx, 25);
    f.amx_bf16 = Bit(l7.edx, 22);
  }
  return f;
}
#else
CpuFeatures Detect() {
  return {};
}
#endif

}  // namespace

const CpuFeatures& HostCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

std::string_view IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

std::optional<Isa> ParseIsa(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaName(isa) == name) return isa;
  }
  return std::nullopt;
}

bool IsaSupported(Isa isa, const CpuFeatures& f) {
  const bool avx2 = f.avx2 && f.fma && f.f16c && f.bmi2;
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return avx2;
    case Isa::kAvx512:
      return avx2 && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.avx512vnni;
  }
  return false;
}

Isa BestIsa(const CpuFeatures& features) {
  Isa best = Isa::kScalar;
  for (Isa isa : SupportedIsas(features)) best = isa;
  return best;
}

std::vector<Isa> SupportedIsas(const CpuFeatures& features) {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa, features)) out.push_back(isa);
  }
  return out;
}

Result<Isa> IsaFromEnvironment(const CpuFeatures& features) {
  const char* requested = std::getenv("CORRAL_ISA");
  if (requested == nullptr || *requested == '\0') return BestIsa(features);
  std::optional<Isa> isa = ParseIsa(requested);
  if (!isa) {
    return Status::InvalidArgument(std::string("CORRAL_ISA=") + requested +
                                   ": expected scalar, avx2 or avx512");
  }
  if (!IsaSupported(*isa, features)) {
    return Status::Unsupported(std::string("CORRAL_ISA=") + requested + ": this CPU cannot run it");
  }
  return *isa;
}

Isa IsaOrBest(const CpuFeatures& features) {
  const Result<Isa> isa = IsaFromEnvironment(features);
  return isa.ok() ? *isa : BestIsa(features);
}

bool AmxUsable(const CpuFeatures& features) {
  return features.amx_tile && features.amx_int8 && features.amx_bf16 && IsaSupported(Isa::kAvx512, features);
}

bool AmxAllowedByEnvironment() {
  const char* value = std::getenv("CORRAL_AMX");
  if (value == nullptr) return true;
  const std::string v(value);
  return v != "0" && v != "off";
}

}  // namespace corral::cpu
