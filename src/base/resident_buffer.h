// A private, anonymous, read-write memory region for bytes that must stay resident (a model's weights
// copied out of its file). Anonymous memory can be backed by 2 MiB transparent huge pages, which a page-cache
// file mapping on this kernel cannot: streaming the weights of a decode step through 4 KiB pages costs a TLB
// miss every 4 KiB, and measured memory read bandwidth on the reference machine halves (membw, 2 threads:
// 57.5 GB/s with huge pages, 28.6 GB/s with 4 KiB pages). So the region is aligned to 2 MiB and advised
// MADV_HUGEPAGE before anything touches it (THP in "madvise" mode backs only advised regions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace corral {

class ResidentBuffer {
 public:
  // Reserves `bytes` (rounded up to 2 MiB). Unavailable when the kernel refuses (no MAP_NORESERVE, so
  // its overcommit check turns down a region larger than RAM + swap here instead of the OOM killer
  // later); pages are committed when first written.
  static Result<ResidentBuffer> Allocate(size_t bytes);

  ResidentBuffer() = default;
  ResidentBuffer(ResidentBuffer&& other) noexcept;
  ResidentBuffer& operator=(ResidentBuffer&& other) noexcept;
  ResidentBuffer(const ResidentBuffer&) = delete;
  ResidentBuffer& operator=(const ResidentBuffer&) = delete;
  ~ResidentBuffer();

  std::span<uint8_t> bytes() { return {data_, size_}; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool huge_pages_advised() const { return huge_pages_advised_; }

 private:
  void Release();

  uint8_t* data_ = nullptr;  // 2 MiB aligned, inside [map_, map_ + map_bytes_)
  size_t size_ = 0;          // what the caller asked for
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  bool huge_pages_advised_ = false;
};

// Reads exactly out.size() bytes of `path` from `offset` into `out` (pread, restarted on EINTR and short
// reads). A file that ends early is Corrupt ("truncated"), other failures IoError; both name the path.
Status ReadFileRange(const std::string& path, uint64_t offset, std::span<uint8_t> out);

}  // namespace corral
