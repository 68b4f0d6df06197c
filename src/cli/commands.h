// Each corral subcommand registers itself on the CLI11 app. A command's callback returns the process exit
// code through `exit_code`; errors are printed as one line on stderr by the command itself.
#pragma once

namespace CLI {
class App;
}

namespace corral::cli {

void RegisterInspectCommand(CLI::App& app, int& exit_code);
void RegisterTemplateCommand(CLI::App& app, int& exit_code);
void RegisterTokenizeCommand(CLI::App& app, int& exit_code);
void RegisterRunCommand(CLI::App& app, int& exit_code);
void RegisterBenchCommand(CLI::App& app, int& exit_code);
void RegisterCreateCommand(CLI::App& app, int& exit_code);
void RegisterListCommand(CLI::App& app, int& exit_code);
void RegisterShowCommand(CLI::App& app, int& exit_code);
void RegisterCopyCommand(CLI::App& app, int& exit_code);
void RegisterRemoveCommand(CLI::App& app, int& exit_code);
void RegisterServeCommand(CLI::App& app, int& exit_code);

}  // namespace corral::cli
