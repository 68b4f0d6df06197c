// The model store on disk, in Ollama's layout so an existing Ollama models folder works as it is:
//   <root>/manifests/<host>/<namespace>/<model>/<tag>   one manifest per model name (manifest.h)
//   <root>/blobs/sha256-<hex>                           content-addressed layers
// The root is CORRAL_MODELS, else OLLAMA_MODELS, else ~/.corral/models.
//
// Crash safety: a blob is written to a temporary file in blobs/, hashed as it is written, fsynced and
// renamed to its digest's name; a manifest is written to manifests/.tmp/ and renamed over its path only
// after every blob it names is on disk with its size. A process killed at any point leaves at worst an
// unreferenced blob or a temporary file, both removed by the next prune; never a manifest that points at a
// missing or partial blob.
//
// Concurrency: processes share the store through flock(2) on <root>/.corral-lock. Creating holds it shared
// from the first blob to the manifest (so creates run side by side), removing and pruning hold it exclusive
// (so a prune never deletes the blobs of a create that has not written its manifest yet). The kernel drops
// the lock of a killed process.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/manifest.h"
#include "store/name.h"
#include "store/sha256.h"

namespace corral::store {

// CORRAL_MODELS, else OLLAMA_MODELS, else $HOME/.corral/models.
std::string DefaultStoreRoot();

// An flock on the store, released when destroyed.
class StoreLock {
 public:
  StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock();

 private:
  friend class Store;
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class Store;

// A blob being written: bytes are hashed as they are appended; Commit names the blob by its digest.
// Destroying an uncommitted writer removes its temporary file.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  Status Append(std::span<const uint8_t> bytes);
  int64_t size() const { return size_; }
  // fsync, rename to blobs/sha256-<hex> (an existing blob of that digest is kept and the temporary dropped),
  // fsync the folder. Returns the layer with its digest and size.
  Result<Layer> Commit(std::string_view media_type);

 private:
  friend class Store;
  BlobWriter(std::string blobs_dir, std::string temp_path, int fd);
  void Discard();

  std::string blobs_dir_;
  std::string temp_path_;
  int fd_ = -1;
  int64_t size_ = 0;
  Sha256 hasher_;
};

struct ListedModel {
  ModelName name;
  Manifest manifest;
  std::string digest_hex;  // sha256 of the manifest file: the model's ID
  std::time_t modified = 0;
};

class Store {
 public:
  // Creates <root>/manifests and <root>/blobs when missing.
  static Result<Store> Open(std::string root);

  const std::string& root() const { return root_; }
  std::string BlobsDir() const { return root_ + "/blobs"; }
  std::string ManifestsDir() const { return root_ + "/manifests"; }
  std::string UploadsDir() const;  // markers of MarkUploaded
  // InvalidArgument for a malformed digest (so a digest can never name a path outside blobs/).
  Result<std::string> BlobPath(std::string_view digest) const;
  std::string ManifestPath(const ModelName& name) const;

  Result<StoreLock> LockShared() const;
  Result<StoreLock> LockExclusive() const;

  Result<BlobWriter> NewBlob() const;
  // A blob holding `bytes` (template, system prompt, params, ...).
  Result<Layer> WriteBlob(std::string_view bytes, std::string_view media_type) const;
  // A blob holding a copy of a file; progress(copied, total) after each chunk.
  Result<Layer> CopyFileToBlob(const std::string& path, std::string_view media_type,
                               const std::function<void(int64_t, int64_t)>& progress = {}) const;
  Result<std::string> ReadBlobText(const Layer& layer) const;

  // NotFound when the model does not exist. digest_hex/modified (optional) get the manifest's ID and mtime.
  Result<Manifest> ReadManifest(const ModelName& name, std::string* digest_hex = nullptr,
                                std::time_t* modified = nullptr) const;
  // Atomically writes the manifest after checking that every blob it names exists with its size.
  // REQUIRES: a shared or exclusive lock is held, so no prune can run in between.
  Status WriteManifest(const ModelName& name, const Manifest& manifest) const;
  // Every readable manifest, newest first (as `ollama list` orders them).
  Result<std::vector<ListedModel>> List() const;
  // Removes a model's manifest and empty folders above it. REQUIRES an exclusive lock.
  Status RemoveManifest(const ModelName& name) const;
  // Removes blobs no manifest references (but those uploaded within the hour) and leftover temporary
  // files; returns how many files went. REQUIRES an exclusive lock.
  Result<int> Prune() const;
  // Records that a client uploaded the blob (POST /api/blobs) for a create still to come: Prune keeps it,
  // unreferenced, for an hour after the upload (the grace Ollama gives unreferenced blobs).
  Status MarkUploaded(std::string_view digest) const;
  // Whether blobs/ holds the blob (InvalidArgument for a malformed digest).
  Result<bool> HasBlob(std::string_view digest) const;
  // Whether pruning is turned off (CORRAL_NOPRUNE or OLLAMA_NOPRUNE set to a true value).
  static bool PruneDisabled();

 private:
  explicit Store(std::string root) : root_(std::move(root)) {}
  Result<StoreLock> Lock(int operation) const;

  std::string root_;
};

// `cp`: `destination` gets `source`'s manifest (the same layers). NotFound when there is no source;
// InvalidArgument for a bad name.
Status CopyModel(const Store& store, std::string_view source, std::string_view destination);
// `rm`: removes the model's manifest, then prunes the blobs nothing references any more (unless pruning is
// turned off). NotFound when there is no such model.
Status RemoveModel(const Store& store, std::string_view name);

// sha256 of a file, as "sha256:<hex>".
Result<std::string> FileDigest(const std::string& path);

}  // namespace corral::store
