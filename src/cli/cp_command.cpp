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
  Result<store::Store> store = store::Store::Open(store::DefaultStoreRoot());
  if (!store.ok()) return fail(store.status().ToString());
  if (Status s = store::CopyModel(*store, source, destination); !s.ok()) {
    return fail(s.code() == StatusCode::kNotFound || s.code() == StatusCode::kInvalidArgument ? s.message()
                                                                                              : s.ToString());
  }
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
