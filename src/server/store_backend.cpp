#include "server/store_backend.h"

#include <filesystem>

#include "store/create.h"
#include "store/model_config.h"
#include "store/model_info.h"
#include "store/store.h"

namespace corral::server {
namespace {

// /api/tags and /v1/models: the store's models, newest first.
Result<std::vector<ListedModel>> ListStore(const std::string& root) {
  std::vector<ListedModel> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(root + "/manifests", ec)) return out;
  CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
  CORRAL_ASSIGN_OR_RETURN(std::vector<store::ListedModel> listed, store.List());
  for (const store::ListedModel& m : listed) {
    ListedModel l;
    l.name = m.name.Display();
    l.digest = m.digest_hex;
    l.size = m.manifest.TotalSize();
    l.modified = std::chrono::system_clock::from_time_t(m.modified);
    if (Result<std::string> config = store.ReadBlobText(m.manifest.config); config.ok()) {
      if (Result<store::ModelConfig> c = store::DecodeConfig(*config); c.ok()) {
        l.family = c->model_family;
        l.parameter_size = c->model_type;
        l.quantization_level = c->file_type;
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

void UseStore(ServerOptions& options, const std::string& root) {
  options.lister = [root] { return ListStore(root); };
  options.copy = [root](std::string_view source, std::string_view destination) -> Status {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    return store::CopyModel(store, source, destination);
  };
  options.show = [root](std::string_view name) -> Result<store::ModelInfo> {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    return store::ReadModelInfo(store, name);
  };
  options.remove = [root](std::string_view name) -> Status {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    return store::RemoveModel(store, name);
  };
  options.create = [root](std::string_view name, const store::CreateRequest& request,
                          const std::string& quantize,
                          const std::function<void(const std::string&)>& on_status) -> Status {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    CORRAL_ASSIGN_OR_RETURN(store::ModelName parsed, store::ParseModelName(name));
    return store::CreateModelFromRequest(store, parsed, request,
                                         {.quantize = quantize, .on_status = on_status})
        .status();
  };
  options.has_blob = [root](std::string_view digest) -> Result<bool> {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    return store.HasBlob(digest);
  };
  options.put_blob = [root](std::string_view digest, const BodyReader& read) -> Result<bool> {
    CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
    CORRAL_ASSIGN_OR_RETURN(bool present, store.HasBlob(digest));
    if (present) {
      // Read and dropped, so the client's request completes and the connection stays usable.
      CORRAL_RETURN_IF_ERROR(read([](std::span<const uint8_t>) { return Status::Ok(); }));
      CORRAL_RETURN_IF_ERROR(store.MarkUploaded(digest));
      return false;
    }
    // The shared lock keeps a prune (rm, create) from taking the temporary file while it is written.
    CORRAL_ASSIGN_OR_RETURN(store::StoreLock lock, store.LockShared());
    CORRAL_ASSIGN_OR_RETURN(store::BlobWriter blob, store.NewBlob());
    CORRAL_RETURN_IF_ERROR(read([&blob](std::span<const uint8_t> bytes) { return blob.Append(bytes); }));
    CORRAL_ASSIGN_OR_RETURN(store::Layer layer, blob.Commit(store::kModelMediaType));
    std::string expected(digest);
    expected[6] = ':';  // Ollama accepts sha256-<hex> as well
    if (layer.digest != expected) {
      // Left unmarked, the blob goes with the next prune.
      return Status::InvalidArgument("digest mismatch, expected \"" + std::string(digest) + "\", got \"" +
                                     layer.digest + "\"");
    }
    CORRAL_RETURN_IF_ERROR(store.MarkUploaded(layer.digest));
    return true;
  };
}

}  // namespace corral::server
