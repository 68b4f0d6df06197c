#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace corral::store {
namespace {

namespace fs = std::filesystem;

// Temporary files start with this prefix (blobs/ and manifests/.tmp/); prune removes leftovers.
constexpr std::string_view kTempPrefix = ".tmp-";

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::span<const uint8_t> bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write " + path);
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// A rename is durable only once the folder holding the new name is synced.
Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + dir);
}

// A unique temporary file in dir (mkstemp), opened for writing.
Result<std::pair<std::string, int>> MakeTemp(const std::string& dir) {
  std::string path = dir + "/" + std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return Errno("create a temporary file in " + dir);
  return std::pair{path, fd};
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  return Status::Ok();
}

// Removes empty folders from `dir` up to (not including) `stop`, as Ollama prunes manifests/ after a delete.
void RemoveEmptyParents(fs::path dir, const fs::path& stop) {
  std::error_code ec;
  while (dir != stop && dir.string().size() > stop.string().size()) {
    if (!fs::is_empty(dir, ec) || ec) return;
    fs::remove(dir, ec);
    if (ec) return;
    dir = dir.parent_path();
  }
}

bool EnvTrue(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  const std::string s(v);
  return s == "1" || s == "true" || s == "TRUE" || s == "True" || s == "t" || s == "T";
}

}  // namespace

std::string DefaultStoreRoot() {
  for (const char* var : {"CORRAL_MODELS", "OLLAMA_MODELS"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.corral/models";
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

// ---- BlobWriter ----

BlobWriter::BlobWriter(std::string blobs_dir, std::string temp_path, int fd)
    : blobs_dir_(std::move(blobs_dir)), temp_path_(std::move(temp_path)), fd_(fd) {}

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : blobs_dir_(std::move(o.blobs_dir_)),
      temp_path_(std::move(o.temp_path_)),
      fd_(o.fd_),
      size_(o.size_),
      hasher_(std::move(o.hasher_)) {
  o.fd_ = -1;
  o.temp_path_.clear();
}

BlobWriter::~BlobWriter() {
  Discard();
}

void BlobWriter::Discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

Status BlobWriter::Append(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return Status::Internal("blob writer already finished");
  Status s = WriteAll(fd_, bytes, temp_path_);
  if (!s.ok()) {
    Discard();
    return s;
  }
  hasher_.Update(bytes);
  size_ += static_cast<int64_t>(bytes.size());
  return Status::Ok();
}

Result<Layer> BlobWriter::Commit(std::string_view media_type) {
  if (fd_ < 0) return Status::Internal("blob writer already finished");
  if (::fsync(fd_) != 0) {
    Status s = Errno("fsync " + temp_path_);
    Discard();
    return s;
  }
  ::fchmod(fd_, 0644);  // mkstemp makes 0600; Ollama's blobs are 0644
  ::close(fd_);
  fd_ = -1;
  const std::string hex = hasher_.HexDigest();
  const std::string final_path = blobs_dir_ + "/sha256-" + hex;
  struct stat st {};
  if (::stat(final_path.c_str(), &st) == 0 && st.st_size == size_) {
    // The same content is already stored (content addressing makes the two files identical).
    Discard();
  } else {
    if (::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
      Status s = Errno("rename to " + final_path);
      Discard();
      return s;
    }
    temp_path_.clear();
    CORRAL_RETURN_IF_ERROR(SyncDir(blobs_dir_));
  }
  return Layer{.media_type = std::string(media_type),
               .digest = "sha256:" + hex,
               .size = size_,
               .from = {},
               .name = {}};
}

// ---- Store ----

Result<Store> Store::Open(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  Store store(std::move(root));
  CORRAL_RETURN_IF_ERROR(MakeDirs(store.ManifestsDir()));
  CORRAL_RETURN_IF_ERROR(MakeDirs(store.BlobsDir()));
  return store;
}

Result<std::string> Store::BlobPath(std::string_view digest) const {
  if (!IsValidDigest(digest)) return Status::InvalidArgument("invalid digest '" + std::string(digest) + "'");
  std::string name(digest);
  name[6] = '-';
  return BlobsDir() + "/" + name;
}

std::string Store::ManifestPath(const ModelName& name) const {
  return ManifestsDir() + "/" + name.RelativePath();
}

Result<StoreLock> Store::Lock(int operation) const {
  const std::string path = root_ + "/.corral-lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + path);
  while (::flock(fd, operation) != 0) {
    if (errno == EINTR) continue;
    Status s = Errno("lock " + path);
    ::close(fd);
    return s;
  }
  return StoreLock(fd);
}

Result<StoreLock> Store::LockShared() const {
  return Lock(LOCK_SH);
}
Result<StoreLock> Store::LockExclusive() const {
  return Lock(LOCK_EX);
}

Result<BlobWriter> Store::NewBlob() const {
  CORRAL_ASSIGN_OR_RETURN(auto temp, MakeTemp(BlobsDir()));
  return BlobWriter(BlobsDir(), temp.first, temp.second);
}

Result<Layer> Store::WriteBlob(std::string_view bytes, std::string_view media_type) const {
  CORRAL_ASSIGN_OR_RETURN(BlobWriter writer, NewBlob());
  CORRAL_RETURN_IF_ERROR(writer.Append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  return writer.Commit(media_type);
}

Result<Layer> Store::CopyFileToBlob(const std::string& path, std::string_view media_type,
                                    const std::function<void(int64_t, int64_t)>& progress) const {
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno("open " + path);
  struct stat st {};
  ::fstat(in, &st);
  CORRAL_ASSIGN_OR_RETURN(BlobWriter writer, NewBlob());
  std::vector<uint8_t> buf(4 << 20);
  while (true) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("read " + path);
      ::close(in);
      return s;
    }
    if (n == 0) break;
    Status s = writer.Append(std::span<const uint8_t>(buf).first(static_cast<size_t>(n)));
    if (!s.ok()) {
      ::close(in);
      return s;
    }
    if (progress) progress(writer.size(), st.st_size);
  }
  ::close(in);
  return writer.Commit(media_type);
}

Result<std::string> Store::ReadBlobText(const Layer& layer) const {
  CORRAL_ASSIGN_OR_RETURN(std::string path, BlobPath(layer.digest));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("blob " + layer.digest + " is missing");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<Manifest> Store::ReadManifest(const ModelName& name, std::string* digest_hex,
                                     std::time_t* modified) const {
  const std::string path = ManifestPath(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("model '" + name.Display() + "' not found");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  CORRAL_ASSIGN_OR_RETURN(Manifest m, DecodeManifest(text));
  if (digest_hex != nullptr) *digest_hex = Sha256Hex(text);
  if (modified != nullptr) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) *modified = st.st_mtime;
  }
  return m;
}

Status Store::WriteManifest(const ModelName& name, const Manifest& manifest) const {
  std::vector<const Layer*> all{&manifest.config};
  for (const Layer& l : manifest.layers) all.push_back(&l);
  for (const Layer* l : all) {
    CORRAL_ASSIGN_OR_RETURN(std::string path, BlobPath(l->digest));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::NotFound("blob " + l->digest + " is missing");
    if (st.st_size != l->size) {
      return Status::Corrupt("blob " + l->digest + " has " + std::to_string(st.st_size) +
                             " bytes, the manifest says " + std::to_string(l->size));
    }
  }
  const std::string temp_dir = ManifestsDir() + "/.tmp";
  CORRAL_RETURN_IF_ERROR(MakeDirs(temp_dir));
  const std::string final_path = ManifestPath(name);
  const std::string final_dir = fs::path(final_path).parent_path().string();
  CORRAL_RETURN_IF_ERROR(MakeDirs(final_dir));
  CORRAL_ASSIGN_OR_RETURN(auto temp, MakeTemp(temp_dir));
  const std::string bytes = EncodeManifest(manifest);
  Status s =
      WriteAll(temp.second, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, temp.first);
  if (s.ok() && ::fsync(temp.second) != 0) s = Errno("fsync " + temp.first);
  if (s.ok()) ::fchmod(temp.second, 0644);
  ::close(temp.second);
  if (s.ok() && ::rename(temp.first.c_str(), final_path.c_str()) != 0) s = Errno("rename to " + final_path);
  if (!s.ok()) {
    ::unlink(temp.first.c_str());
    return s;
  }
  return SyncDir(final_dir);
}

Result<std::vector<ListedModel>> Store::List() const {
  std::vector<ListedModel> out;
  std::error_code ec;
  const fs::path base(ManifestsDir());
  // Exactly host/namespace/model/tag below manifests/, as Ollama globs them ("*/*/*/*").
  for (fs::recursive_directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() < 3) {
      if (it->is_directory() && it->path().filename().string().starts_with("."))
        it.disable_recursion_pending();
      continue;
    }
    it.disable_recursion_pending();
    if (!it->is_regular_file()) continue;
    Result<ModelName> name = ModelNameFromRelativePath(fs::relative(it->path(), base).string());
    if (!name.ok()) continue;
    ListedModel listed;
    Result<Manifest> m = ReadManifest(*name, &listed.digest_hex, &listed.modified);
    if (!m.ok()) continue;  // a bad manifest does not hide the others (Ollama's continueOnError)
    listed.name = std::move(*name);
    listed.manifest = std::move(*m);
    out.push_back(std::move(listed));
  }
  if (ec) return Status::IoError("list " + ManifestsDir() + ": " + ec.message());
  std::stable_sort(out.begin(), out.end(), [](const ListedModel& a, const ListedModel& b) {
    if (a.modified != b.modified) return a.modified > b.modified;
    return a.name.Full() < b.name.Full();
  });
  return out;
}

Status Store::RemoveManifest(const ModelName& name) const {
  const std::string path = ManifestPath(name);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound("model '" + name.Display() + "' not found");
    return Errno("remove " + path);
  }
  RemoveEmptyParents(fs::path(path).parent_path(), fs::path(ManifestsDir()));
  return SyncDir(ManifestsDir());
}

Result<int> Store::Prune() const {
  std::set<std::string> referenced;
  CORRAL_ASSIGN_OR_RETURN(std::vector<ListedModel> models, List());
  for (const ListedModel& m : models) {
    referenced.insert("sha256-" + m.manifest.config.digest.substr(7));
    for (const Layer& l : m.manifest.layers) referenced.insert("sha256-" + l.digest.substr(7));
  }
  int removed = 0;
  std::error_code ec;
  // Uploads younger than an hour wait for their create; older markers go, and their blobs with them.
  const auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> stale_markers;
  for (const auto& entry : fs::directory_iterator(UploadsDir(), ec)) {
    const auto written = entry.last_write_time(ec);
    if (!ec && now - written < std::chrono::hours(1)) {
      referenced.insert(entry.path().filename().string());
    } else {
      stale_markers.push_back(entry.path());
    }
  }
  for (const fs::path& p : stale_markers) fs::remove(p, ec);
  ec.clear();
  for (const fs::path& dir : {fs::path(BlobsDir()), fs::path(ManifestsDir()) / ".tmp"}) {
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> doomed;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string file = entry.path().filename().string();
      const bool temp = file.starts_with(kTempPrefix);
      const bool blob = file.starts_with("sha256-") && IsValidDigest(file);
      if (temp || (blob && !referenced.contains(file))) doomed.push_back(entry.path());
    }
    for (const fs::path& p : doomed) {
      if (fs::remove(p, ec)) ++removed;
    }
  }
  return removed;
}

std::string Store::UploadsDir() const {
  return BlobsDir() + "/.uploads";
}

Status Store::MarkUploaded(std::string_view digest) const {
  CORRAL_ASSIGN_OR_RETURN(std::string blob, BlobPath(digest));
  std::error_code ec;
  fs::create_directories(UploadsDir(), ec);
  if (ec) return Status::IoError("create " + UploadsDir() + ": " + ec.message());
  // The marker's mtime is the upload time; writing it again restarts the hour.
  const std::string marker = UploadsDir() + "/" + fs::path(blob).filename().string();
  std::ofstream out(marker, std::ios::trunc);
  if (!out) return Status::IoError("write " + marker);
  return Status::Ok();
}

Result<bool> Store::HasBlob(std::string_view digest) const {
  CORRAL_ASSIGN_OR_RETURN(std::string path, BlobPath(digest));
  std::error_code ec;
  const bool exists = fs::is_regular_file(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return Status::IoError("stat " + path + ": " + ec.message());
  return exists;
}

bool Store::PruneDisabled() {
  return EnvTrue("CORRAL_NOPRUNE") || EnvTrue("OLLAMA_NOPRUNE");
}

Result<std::string> FileDigest(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  Sha256 h;
  std::vector<uint8_t> buf(4 << 20);
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    h.Update(std::span<const uint8_t>(buf).first(static_cast<size_t>(n)));
  }
  ::close(fd);
  return "sha256:" + h.HexDigest();
}

Status CopyModel(const Store& store, std::string_view source, std::string_view destination) {
  CORRAL_ASSIGN_OR_RETURN(ModelName from, ParseModelName(source));
  CORRAL_ASSIGN_OR_RETURN(ModelName to, ParseModelName(destination));
  CORRAL_ASSIGN_OR_RETURN(StoreLock lock, store.LockShared());
  CORRAL_ASSIGN_OR_RETURN(Manifest manifest, store.ReadManifest(from));
  return store.WriteManifest(to, manifest);
}

Status RemoveModel(const Store& store, std::string_view name) {
  CORRAL_ASSIGN_OR_RETURN(ModelName parsed, ParseModelName(name));
  CORRAL_ASSIGN_OR_RETURN(StoreLock lock, store.LockExclusive());
  CORRAL_RETURN_IF_ERROR(store.RemoveManifest(parsed));
  if (Store::PruneDisabled()) return Status::Ok();
  return store.Prune().status();
}

}  // namespace corral::store
