// `corral create NAME [-f Modelfile] [-q TYPE]`: builds a model in the store from a Modelfile
// (store/create.h). Without -f, ./Modelfile is read, and when there is none the model is made FROM the
// current folder, as `ollama create` does. A TEMPLATE must parse as a Go template (Ollama refuses a bad one
// the same way). Ollama's status lines go to stderr as the work proceeds, with a progress line while a file
// is copied or a model quantized.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "store/create.h"
#include "store/modelfile.h"
#include "store/store.h"
#include "template/chat_template.h"

namespace corral::cli {
namespace {

struct CreateArgs {
  std::string name;
  std::string file;
  std::string quantize;
  int threads = 0;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "\ncorral: %s\n", message.c_str());
  return 1;
}

int Create(const CreateArgs& args) {
  Result<store::ModelName> name = store::ParseModelName(args.name);
  if (!name.ok()) return Fail(name.status().message());

  std::string text;
  std::string base_dir = ".";
  const std::string path = args.file.empty() ? "Modelfile" : args.file;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    base_dir = std::filesystem::absolute(path).parent_path().string();
  } else if (args.file.empty()) {
    text = "FROM .\n";
  } else {
    return Fail(path + ": cannot open the Modelfile");
  }
  Result<store::Modelfile> modelfile = store::ParseModelfile(text);
  if (!modelfile.ok()) return Fail(path + ": " + modelfile.status().message());
  for (const store::ModelfileCommand& c : modelfile->commands) {
    if (c.name != "template") continue;
    Result<chat::ChatTemplate> tpl = chat::ChatTemplate::FromGo(c.args);
    if (!tpl.ok()) {
      return Fail(path + ": line " + std::to_string(c.line) + ": template error: " + tpl.status().message());
    }
  }

  Result<store::Store> store = store::Store::Open(store::DefaultStoreRoot());
  if (!store.ok()) return Fail(store.status().ToString());
  bool mid_line = false;
  store::CreateOptions options;
  options.base_dir = base_dir;
  options.quantize = args.quantize;
  options.threads = args.threads;
  options.on_status = [&mid_line](const std::string& status) {
    std::fprintf(stderr, "%s%s\n", mid_line ? "\n" : "", status.c_str());
    mid_line = false;
  };
  int last_percent = -1;
  const bool terminal = ::isatty(STDERR_FILENO) != 0;  // a progress line only where it can be redrawn
  options.on_progress = [&mid_line, &last_percent, terminal](const std::string& what, int64_t done,
                                                             int64_t total) {
    if (!terminal) return;
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
    if (percent == last_percent && mid_line) return;
    last_percent = percent;
    if (what == "quantizing") {
      std::fprintf(stderr, "\r%s %lld/%lld tensors %3d%%", what.c_str(), static_cast<long long>(done),
                   static_cast<long long>(total), percent);
    } else {
      std::fprintf(stderr, "\r%s %3d%%", what.c_str(), percent);
    }
    std::fflush(stderr);
    mid_line = true;
  };
  Result<store::Manifest> manifest = store::CreateModel(*store, *name, *modelfile, options);
  if (!manifest.ok()) return Fail(manifest.status().message());
  return 0;
}

}  // namespace

void RegisterCreateCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand("create", "Create a model in the store from a Modelfile");
  cmd->add_option("NAME", args->name, "model name, [host/][namespace/]model[:tag]")->required();
  cmd->add_option("-f,--file", args->file, "the Modelfile (default: ./Modelfile, else FROM .)");
  cmd->add_option(
      "-q,--quantize", args->quantize,
      "quantize the model: q4_0 q4_1 q5_0 q5_1 q8_0 q2_K q3_K_S q3_K_M q3_K_L q4_K_S q4_K_M q5_K_S "
      "q5_K_M q6_K");
  cmd->add_option("--threads", args->threads, "quantization threads (default: one per core)");
  cmd->callback([args, &exit_code] { exit_code = Create(*args); });
}

}  // namespace corral::cli
