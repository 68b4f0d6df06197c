// `corral rm NAME...`: removes models from the store ("deleted 'x'" for each, as `ollama rm` prints), then
// the blobs no model uses any more (unless CORRAL_NOPRUNE / OLLAMA_NOPRUNE is set). A name that is not in the
// store is an error and the exit status is 1, after the others are removed.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "store/store.h"

namespace corral::cli {
namespace {

int Remove(const std::vector<std::string>& names) {
  Result<store::Store> store = store::Store::Open(store::DefaultStoreRoot());
  if (!store.ok()) {
    std::fprintf(stderr, "corral: %s\n", store.status().ToString().c_str());
    return 1;
  }
  int rc = 0;
  for (const std::string& name : names) {
    if (Status s = store::RemoveModel(*store, name); !s.ok()) {
      std::fprintf(stderr, "corral: %s\n", s.message().c_str());
      rc = 1;
      continue;
    }
    std::printf("deleted '%s'\n", name.c_str());
  }
  return rc;
}

}  // namespace

void RegisterRemoveCommand(CLI::App& app, int& exit_code) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("rm", "Remove models from the store");
  cmd->add_option("NAME", *names, "model names")->required();
  cmd->callback([names, &exit_code] { exit_code = Remove(*names); });
}

}  // namespace corral::cli
