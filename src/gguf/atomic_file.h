// A file that appears at its path complete or not at all: bytes go to "<path>.tmp.<pid>" in the same
// directory (so the final rename stays within one file system and is atomic), Commit() fsyncs and renames.
// Destroying an uncommitted AtomicFile closes and removes the temporary file. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace corral::gguf {

class AtomicFile {
 public:
  static Result<AtomicFile> Create(const std::string& path);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Writes all of `bytes` (retrying short writes); IoError on any failure, e.g. ENOSPC or EFBIG.
  Status Append(std::span<const uint8_t> bytes);
  // fsync, close, rename over the final path. After a failure the temporary file is gone.
  Status Commit();

  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFile(std::string path, std::string temp_path, int fd);
  void Discard();
  Status Fail(const std::string& what, int err);

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

}  // namespace corral::gguf
