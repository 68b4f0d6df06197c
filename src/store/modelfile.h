// Ollama's Modelfile: one command per line (FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, MESSAGE,
// REQUIRES, and Ollama's RENDERER, PARSER, DRAFT), case-insensitive command words, `#` comments, values
// either bare (to the end of the line, trimmed), "quoted" or """triple-quoted""" (both may span lines; the
// text between the quotes is kept as it is). Parsed as Ollama's parser/parser.go does, with errors that name
// the line ("line 3: ..."). Format writes a command back as Ollama's Command.String does, so
// `show --modelfile` output parses to the same commands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::store {

struct ModelfileCommand {
  // Lower-case command word; FROM is "model" and PARAMETER is the parameter's own name, as in Ollama.
  std::string name;
  std::string args;  // MESSAGE: "role: content"
  int line = 0;      // where the command starts (1-based)
};

struct Modelfile {
  std::vector<ModelfileCommand> commands;
};

// InvalidArgument with "line N: ..." for an unknown command, a bad PARAMETER name, a MESSAGE role other
// than system/user/assistant, an unterminated quote, a REQUIRES that is not a version, or no FROM line.
Result<Modelfile> ParseModelfile(std::string_view text);

// One command as Ollama writes it: `FROM x`, `PARAMETER name value`, `TEMPLATE """..."""`, ...
std::string FormatModelfileCommand(const ModelfileCommand& command);

}  // namespace corral::store
