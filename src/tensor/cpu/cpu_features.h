// What the CPU we run on can execute, and which kernel family (Isa) to use on it.
//
// The kernels are compiled once per instruction set (cpu/avx2/, cpu/avx512/, cpu/amx/, each with its own
// compiler flags) and chosen at run time: a binary built on one machine must run on an AVX2-only laptop and
// on an AMX server alike. An instruction set counts only when both CPUID reports it and the OS saves its
// register state on context switches (XGETBV for YMM/ZMM, and on Linux an explicit arch_prctl request for
// the 8 KiB AMX tile data), otherwise the first use would fault.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::cpu {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool bmi2 = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool gfni = false;      // Galois-field affine byte transforms (vgf2p8affineqb)
  bool avx_vnni = false;  // VEX-encoded VNNI (Alder Lake, Zen 5): not used by the kernels yet
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;
};

// Detected once per process (CPUID and XGETBV do not change while it runs). Features whose register state
// the OS does not save are reported absent. AMX is reported only after the OS granted this process the
// tile-data permission (requested here, once; Linux refuses AMX instructions until then).
const CpuFeatures& HostCpuFeatures();

// Kernel families, each a superset of the previous one's requirements.
//   kScalar: portable C++, the reference every other path is tested against.
//   kAvx2:   AVX2 + FMA + F16C + BMI2 (Haswell, Zen 1 and later).
//   kAvx512: AVX-512 F/BW/DQ/VL + VNNI on top of kAvx2 (Ice Lake, Sapphire Rapids, Zen 4 and later).
//            CPUs with AVX-512 but without VNNI (Skylake-X, Cascade Lake has VNNI) run kAvx2: their
//            integer dot products would need the same maddubs/madd pairs as AVX2 and gain little from
//            wider registers while paying for the frequency drop of 512-bit code.
// AMX is not a family of its own: it is an extra matrix-matrix path inside kAvx512 (see AmxUsable()).
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

std::string_view IsaName(Isa isa);                   // "scalar", "avx2", "avx512"
std::optional<Isa> ParseIsa(std::string_view name);  // case-sensitive, the names above

bool IsaSupported(Isa isa, const CpuFeatures& features);
Isa BestIsa(const CpuFeatures& features);
// Every family this CPU can run, from kScalar up: tests run each of them against the scalar reference.
std::vector<Isa> SupportedIsas(const CpuFeatures& features);

// The family to use: CORRAL_ISA (scalar|avx2|avx512) when set, else the best one. InvalidArgument for an
// unknown name, Unsupported when the CPU cannot run the requested family.
Result<Isa> IsaFromEnvironment(const CpuFeatures& features);
// IsaFromEnvironment, or the best family when CORRAL_ISA is unusable: what a model runs with.
Isa IsaOrBest(const CpuFeatures& features);

// AMX int8 and bf16 tiles are present and this process may use them.
bool AmxUsable(const CpuFeatures& features);

// Whether matrix-matrix products may use AMX: false when CORRAL_AMX is "0" or "off" (to compare with the
// AVX-512 panel GEMM on the same machine, or to rule AMX out when chasing a difference), else true. Only a
// permission: AmxUsable still decides whether the CPU has it.
bool AmxAllowedByEnvironment();

}  // namespace corral::cpu
