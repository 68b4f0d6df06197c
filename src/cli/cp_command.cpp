// `corral cp SOURCE DESTINATION`: gives a model a second name (a copy of its manifest; the blobs are
// shared), printing "copied 'a' to 'b'" as `ollama cp` does.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "store/store.h"

namespace corral::cli {
namespace {

int Copy(const std::string& source, const std::string& destination) {
  const auto fail = [](const std::string& message) {
    std::fprintf(stderr, "corral: %s\n", message.c_str());
    return 1;
  };
  Result<store::ModelName> from = store::ParseModelName(source);
  if (!from.ok()) return fail(from.status().message());
  Result<store::ModelName> to = store::ParseModelName(destination);
  if (!to.ok()) return fail(to.status().message());
  Result<store::Store> store = store::Store::Open(store::DefaultStoreRoot());
  if (!store.ok()) return fail(store.status().ToString());
  Result<store::StoreLock> lock = store->LockShared();
  if (!lock.ok()) return fail(lock.status().ToString());
  Result<store::Manifest> manifest = store->ReadManifest(*from);
  if (!manifest.ok()) return fail(manifest.status().message());
  if (Status s = store->WriteManifest(*to, *manifest); !s.ok()) return fail(s.ToString());
  std::printf("copied '%s' to '%s'\n", source.c_str(), destination.c_str());
  return 0;
}

}  // namespace

void RegisterCopyCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = app.add_subcommand("cp", "Copy a model (a new name for the same layers)");
  cmd->add_option("SOURCE", args->first, "existing model name")->required();
  cmd->add_option("DESTINATION", args->second, "new model name")->required();
  cmd->callback([args, &exit_code] { exit_code = Copy(args->first, args->second); });
}

}  // namespace corral::cli
