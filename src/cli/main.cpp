// corral: a local LLM runner. Entry point: parse the command line and run one subcommand.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"corral: run open-weight language models locally"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "corral 0.1.0");
  int exit_code = 0;
  corral::cli::RegisterInspectCommand(app, exit_code);
  corral::cli::RegisterTemplateCommand(app, exit_code);
  corral::cli::RegisterTokenizeCommand(app, exit_code);
  corral::cli::RegisterRunCommand(app, exit_code);
  corral::cli::RegisterBenchCommand(app, exit_code);
  corral::cli::RegisterCreateCommand(app, exit_code);
  corral::cli::RegisterListCommand(app, exit_code);
  corral::cli::RegisterShowCommand(app, exit_code);
  corral::cli::RegisterCopyCommand(app, exit_code);
  corral::cli::RegisterRemoveCommand(app, exit_code);
  corral::cli::RegisterServeCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
