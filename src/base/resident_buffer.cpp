#include "base/resident_buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace corral {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

Result<ResidentBuffer> ResidentBuffer::Allocate(size_t bytes) {
  ResidentBuffer buffer;
  if (bytes == 0) return buffer;
  if (bytes > SIZE_MAX / 2) return Status::Unavailable("cannot reserve " + std::to_string(bytes) + " bytes");
  const size_t rounded = RoundUp(bytes, kHugePage);
  // One extra huge page of address space lets the region start on a 2 MiB boundary; the slack is unmapped.
  const size_t reserve = rounded + kHugePage;
  void* p = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return Status::Unavailable("cannot reserve " + std::to_string(bytes) + " bytes: " + std::strerror(errno));
  }
  const auto base = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = RoundUp(base, kHugePage);
  if (aligned > base) ::munmap(p, aligned - base);
  const uintptr_t end = aligned + rounded;
  if (end < base + reserve) ::munmap(reinterpret_cast<void*>(end), base + reserve - end);
  buffer.map_ = reinterpret_cast<void*>(aligned);
  buffer.map_bytes_ = rounded;
  buffer.data_ = reinterpret_cast<uint8_t*>(aligned);
  buffer.size_ = bytes;
#ifdef MADV_HUGEPAGE
  // Only a hint: without THP (or with it "never") the region works with 4 KiB pages, just slower.
  buffer.huge_pages_advised_ = ::madvise(buffer.map_, buffer.map_bytes_, MADV_HUGEPAGE) == 0;
#endif
  return buffer;
}

ResidentBuffer::ResidentBuffer(ResidentBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      map_(std::exchange(other.map_, nullptr)),
      map_bytes_(std::exchange(other.map_bytes_, 0)),
      huge_pages_advised_(std::exchange(other.huge_pages_advised_, false)) {}

ResidentBuffer& ResidentBuffer::operator=(ResidentBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    huge_pages_advised_ = std::exchange(other.huge_pages_advised_, false);
  }
  return *this;
}

ResidentBuffer::~ResidentBuffer() {
  Release();
}

void ResidentBuffer::Release() {
  if (map_ != nullptr) ::munmap(map_, map_bytes_);
  map_ = nullptr;
  data_ = nullptr;
  size_ = map_bytes_ = 0;
}

Status ReadFileRange(const std::string& path, uint64_t offset, std::span<uint8_t> out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IoError(path + ": " + std::strerror(err));
  }
  // The kernel reads ahead further when told the whole range is read once, in order.
  ::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(out.size()), POSIX_FADV_SEQUENTIAL);
  size_t done = 0;
  Status status;
  while (done < out.size()) {
    // Linux transfers at most about 2 GiB per call; larger requests come back short and loop.
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::IoError(path + ": read: " + std::strerror(errno));
      break;
    }
    if (n == 0) {
      status = Status::Corrupt(path + ": truncated: " + std::to_string(offset + done) +
                               " bytes, expected at least " + std::to_string(offset + out.size()));
      break;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return status;
}

}  // namespace corral
