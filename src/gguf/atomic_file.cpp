#include "gguf/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace corral::gguf {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<AtomicFile> AtomicFile::Create(const std::string& path) {
  const std::string temp_path = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    // Left behind by an earlier process that had our pid and died mid-write: nobody else writes this name.
    ::unlink(temp_path.c_str());
    fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) return Status::IoError(temp_path + ": " + std::strerror(errno));
  return AtomicFile(path, temp_path, fd);
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)) {}

AtomicFile::~AtomicFile() {
  Discard();
}

void AtomicFile::Discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

Status AtomicFile::Fail(const std::string& what, int err) {
  Discard();
  return Status::IoError(temp_path_ + ": " + what + ": " + std::strerror(err));
}

Status AtomicFile::Append(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return Status::IoError(temp_path_ + ": write after a failure or commit");
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("write", errno);
    }
    if (n == 0) return Fail("write", ENOSPC);  // no progress and no error: treat as a full device
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (fd_ < 0) return Status::IoError(temp_path_ + ": commit after a failure or commit");
  if (::fsync(fd_) != 0) return Fail("fsync", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    return Status::IoError(temp_path_ + ": close: " + std::strerror(err));
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    return Status::IoError(path_ + ": rename from " + temp_path_ + ": " + std::strerror(err));
  }
  // Make the rename itself durable. Best effort: the file is complete at its path either way, and some file
  // systems refuse fsync on a directory.
  const int dir = ::open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace corral::gguf
