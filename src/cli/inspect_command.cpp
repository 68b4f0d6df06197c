#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace corral::cli {

void RegisterInspectCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("inspect", "Show a GGUF file's metadata and tensors");
  cmd->callback([&exit_code] { exit_code = 1; });
}

}  // namespace corral::cli
