// Incremental SHA-256 (OpenSSL's EVP digest), for naming blobs by their content as Ollama does.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct evp_md_ctx_st;

namespace corral::store {

class Sha256 {
 public:
  Sha256();
  void Update(std::span<const uint8_t> bytes);
  void Update(std::string_view text) {
    Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  // 64 lowercase hex digits; the hasher is finished after this.
  std::string HexDigest();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

inline std::string Sha256Hex(std::string_view text) {
  Sha256 h;
  h.Update(text);
  return h.HexDigest();
}

}  // namespace corral::store
