#include "peer/ggml_peer.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace corral::testing {
namespace {

using QuantizeRowFn = void (*)(const float*, void*, int64_t);
using DequantizeRowFn = void (*)(const void*, float*, int64_t);
using QuantizeChunkFn = size_t (*)(int, const float*, void*, int64_t, int64_t, int64_t, const float*);
using VecDotFn = void (*)(int, float*, size_t, const void*, size_t, const void*, size_t, int);

std::string& Reason() {
  static std::string reason;
  return reason;
}

// ggml's function names spell the K-quant types with an upper-case K: quantize_row_q4_K_ref.
std::string GgmlName(DType type) {
  return std::string(DTypeName(type));
}

const char* ActivationName(DType weight) {
  switch (weight) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL:
      return "q8_0";
    case DType::kQ4_1:
    case DType::kQ5_1:
      return "q8_1";
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
      return "q8_K";
    default:
      return nullptr;
  }
}

}  // namespace

const std::string& GgmlPeer::UnavailableReason() {
  return Reason();
}

const GgmlPeer* GgmlPeer::Get() {
  static const GgmlPeer* peer = []() -> const GgmlPeer* {
    const char* cache = std::getenv("PEER_CACHE");
    std::filesystem::path dir = std::filesystem::path(cache != nullptr ? cache : "/tmp/peer-cache") /
                                "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
    if (!std::filesystem::exists(dir / "libggml-base.so")) {
      Reason() = "llama.cpp libraries not found in " + dir.string() + " (run ../shared/peer/setup.sh)";
      return nullptr;
    }
    auto* p = new GgmlPeer();  // lives for the whole test process
    p->dir_ = dir.string();
    p->base_ = dlopen((dir / "libggml-base.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (p->base_ == nullptr) {
      Reason() = std::string("dlopen libggml-base.so: ") + dlerror();
      return nullptr;
    }
    // The baseline x86-64 build: its vec_dot routines are ggml's portable C, deterministic on every CPU.
    p->cpu_ = dlopen((dir / "libggml-cpu-x64.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    if (p->cpu_ == nullptr) {
      Reason() = std::string("dlopen libggml-cpu-x64.so: ") + dlerror();
      return nullptr;
    }
    // ggml-cpu fills its f16 lookup tables in ggml_cpu_init(); before that its portable kernels read every
    // f16 scale as 0.
    auto cpu_init = reinterpret_cast<void (*)()>(dlsym(p->cpu_, "ggml_cpu_init"));
    if (cpu_init == nullptr) {
      Reason() = "libggml-cpu-x64.so has no ggml_cpu_init";
      return nullptr;
    }
    cpu_init();
    return p;
  }();
  return peer;
}

bool GgmlPeer::QuantizeRowRef(DType type, const float* src, void* dst, int64_t n) const {
  std::string name = "quantize_row_" + GgmlName(type) + "_ref";
  auto fn = reinterpret_cast<QuantizeRowFn>(dlsym(base_, name.c_str()));
  if (fn == nullptr) return false;
  fn(src, dst, n);
  return true;
}

size_t GgmlPeer::QuantizeChunk(DType type, const float* src, void* dst, int64_t nrows,
                               int64_t n_per_row) const {
  auto fn = reinterpret_cast<QuantizeChunkFn>(dlsym(base_, "ggml_quantize_chunk"));
  if (fn == nullptr) return 0;
  return fn(static_cast<int>(type), src, dst, 0, nrows, n_per_row, nullptr);
}

bool GgmlPeer::DequantizeRow(DType type, const void* src, float* dst, int64_t n) const {
  std::string name;
  switch (type) {
    case DType::kF16:
      name = "ggml_fp16_to_fp32_row";
      break;
    case DType::kBF16:
      name = "ggml_bf16_to_fp32_row";
      break;
    default:
      name = "dequantize_row_" + GgmlName(type);
  }
  auto fn = reinterpret_cast<DequantizeRowFn>(dlsym(base_, name.c_str()));
  if (fn == nullptr) return false;
  fn(src, dst, n);
  return true;
}

bool GgmlPeer::QuantizeActivationRow(DType act, const float* src, void* dst, int64_t n) const {
  std::string name = "quantize_row_" + GgmlName(act);
  auto fn = reinterpret_cast<QuantizeRowFn>(dlsym(cpu_, name.c_str()));
  if (fn == nullptr) return false;
  fn(src, dst, n);
  return true;
}

bool GgmlPeer::VecDot(DType weight, int64_t n, const void* w, const void* act, float* out) const {
  const char* act_name = ActivationName(weight);
  if (act_name == nullptr) return false;
  std::string name = "ggml_vec_dot_" + GgmlName(weight) + "_" + act_name;
  auto fn = reinterpret_cast<VecDotFn>(dlsym(cpu_, name.c_str()));
  if (fn == nullptr) return false;
  fn(static_cast<int>(n), out, 0, w, 0, act, 0, 1);
  return true;
}

}  // namespace corral::testing
