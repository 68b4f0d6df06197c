// `corral run MODEL [PROMPT] [--raw] [--option name=value ...] [--verbose]`: loads a GGUF model in this
// process, prints the completion of PROMPT (read from stdin when not given and stdin is not a terminal) as
// it is generated, and exits. Without --raw the prompt is one user message formatted by the model's chat
// template; --raw sends the text as it is. --verbose adds Ollama's timing block on stderr.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/go_duration.h"
#include "cli/model_options.h"
#include "cli/model_source.h"
#include "cli/output_format.h"
#include "engine/generator.h"
#include "engine/prompt.h"
#include "model/context.h"
#include "model/model.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace corral::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct RunArgs {
  std::string model;
  std::string prompt;
  bool prompt_given = false;
  bool raw = false;
  bool verbose = false;
  std::string format;  // --format: json, or a JSON schema (file or text)
  std::vector<std::string> options;
};

// One user message through the model's chat template (a store model's Go TEMPLATE, which Ollama prefers,
// else tokenizer.chat_template; ChatML, as llama.cpp and Ollama fall back to, when the model has none), with
// the assistant's turn opened, after the store model's SYSTEM and MESSAGE history, as `ollama run` sends a
// single message.
Result<std::string> FormatUserMessage(const gguf::File& file, const tokenizer::Tokenizer& tok,
                                      const ModelSource& model, const std::string& text) {
  const auto special_text = [&](int32_t id) { return std::string(id >= 0 ? tok.TokenText(id) : ""); };
  Result<std::string_view> source = file.GetString("tokenizer.chat_template");
  chat::ChatTemplate tpl = chat::ChatTemplate::Default();
  if (model.has_template) {
    Result<chat::ChatTemplate> parsed = chat::ChatTemplate::FromGo(model.template_text);
    if (!parsed.ok()) return Status::InvalidArgument("the model's template: " + parsed.status().message());
    tpl = std::move(*parsed);
  } else if (source.ok()) {
    Result<chat::ChatTemplate> parsed =
        chat::ChatTemplate::FromJinja(*source, special_text(tok.bos()), special_text(tok.eos()));
    if (!parsed.ok())
      return Status::InvalidArgument("the model's chat template: " + parsed.status().message());
    tpl = std::move(*parsed);
  }
  chat::Request request;
  if (!model.system.empty()) request.messages.push_back(chat::Message::Of("system", model.system));
  for (const auto& [role, content] : model.messages)
    request.messages.push_back(chat::Message::Of(role, content));
  request.messages.push_back(chat::Message::Of("user", text));
  Result<std::string> rendered = tpl.Render(request);
  if (!rendered.ok())
    return Status::InvalidArgument("the model's chat template: " + rendered.status().message());
  return rendered;
}

void PrintRate(const char* label, int32_t count, std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::fprintf(stderr, "%-22s%d token(s)\n", (std::string(label) + " count:").c_str(), count);
  std::fprintf(stderr, "%-22s%s\n", (std::string(label) + " duration:").c_str(),
               FormatGoDuration(duration).c_str());
  std::fprintf(stderr, "%-22s%.2f tokens/s\n", (std::string(label) + " rate:").c_str(),
               seconds > 0 ? count / seconds : 0.0);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "corral: %s\n", message.c_str());
  return 1;
}

int Run(const RunArgs& args) {
  const Clock::time_point start = Clock::now();
  Result<ModelSource> source = ResolveModelSource(args.model);
  if (!source.ok()) return Fail(source.status().message());
  Result<ModelOptions> options = ParseModelOptions(WithStoredOptions(*source, args.options));
  if (!options.ok()) return Fail(options.status().message());

  std::string prompt = args.prompt;
  if (!args.prompt_given) {
    if (::isatty(STDIN_FILENO)) {
      return Fail("give a PROMPT (or pipe one on stdin); the interactive chat needs `corral serve`");
    }
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  Result<std::unique_ptr<model::Model>> model =
      model::Model::Load(source->gguf_path, {.use_mmap = options->use_mmap});
  if (!model.ok()) return Fail(args.model + ": " + model.status().ToString());
  Result<tokenizer::Tokenizer> tok = tokenizer::Tokenizer::FromGguf((*model)->file());
  if (!tok.ok()) return Fail(args.model + ": " + tok.status().ToString());

  const model::Config& config = (*model)->config();
  int32_t n_ctx = options->num_ctx;
  if (config.n_ctx_train > 0 && n_ctx > config.n_ctx_train) n_ctx = static_cast<int32_t>(config.n_ctx_train);
  Result<std::unique_ptr<model::Context>> context = model::Context::Create(
      **model, {.n_ctx = n_ctx, .n_batch_max = options->num_batch, .n_threads = options->num_thread});
  if (!context.ok()) return Fail(context.status().ToString());
  const Clock::time_point loaded = Clock::now();

  if (!args.raw) {
    Result<std::string> formatted = FormatUserMessage((*model)->file(), *tok, *source, prompt);
    if (!formatted.ok()) return Fail(formatted.status().message());
    prompt = std::move(*formatted);
  }
  const std::vector<int32_t> ids = engine::TokenizePrompt(*tok, prompt);

  if (Status valid = sample::Validate(options->sampler, tok->n_vocab()); !valid.ok())
    return Fail(valid.message());
  Result<std::unique_ptr<OutputFormat>> format = OutputFormat::Create(args.format, *tok);
  if (!format.ok()) return Fail(format.status().message());
  sample::Sampler sampler(options->sampler, tok->n_vocab());
  Result<engine::GenerateResult> result =
      engine::Generate(**context, *tok, sampler, ids,
                       {.num_predict = options->num_predict,
                        .stop = options->stop,
                        .grammar = *format ? &(*format)->matcher() : nullptr},
                       [](std::string_view text) {
                         std::fwrite(text.data(), 1, text.size(), stdout);
                         std::fflush(stdout);
                         return true;
                       });
  if (!result.ok()) return Fail(result.status().ToString());
  std::fputs("\n", stdout);
  std::fflush(stdout);

  if (args.verbose) {
    std::fprintf(stderr, "\n%-22s%s\n", "total duration:", FormatGoDuration(Clock::now() - start).c_str());
    std::fprintf(stderr, "%-22s%s\n", "load duration:", FormatGoDuration(loaded - start).c_str());
    PrintRate("prompt eval", result->prompt_eval_count, result->prompt_eval_duration);
    PrintRate("eval", result->eval_count, result->eval_duration);
  }
  return 0;
}

}  // namespace

void RegisterRunCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model on a prompt and print the completion");
  cmd->add_option("MODEL", args->model, "a model in the store (corral list) or the path of a .gguf file")
      ->required();
  cmd->add_option("PROMPT", args->prompt, "the prompt (default: stdin)");
  cmd->add_flag("--raw", args->raw, "send the prompt as it is, without the chat template");
  cmd->add_flag("--verbose", args->verbose, "print timings (load, prompt eval, eval) on stderr");
  cmd->add_option(
      "--format", args->format,
      "constrain the output: json (one JSON object), or a JSON schema (@schema.json, a path, or the "
      "schema text)");
  cmd->add_option(
         "--option,-o", args->options,
         "generation option name=value (temperature, top_k, top_p, min_p, seed, num_predict, num_ctx, "
         "num_thread, repeat_penalty, ...); repeatable")
      ->allow_extra_args(false);
  cmd->callback([args, cmd, &exit_code] {
    args->prompt_given = cmd->count("PROMPT") > 0;
    exit_code = Run(*args);
  });
}

}  // namespace corral::cli
