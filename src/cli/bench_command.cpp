// `corral bench MODEL [-p 512] [-n 128] [-t 2] [-r 3] [-d DEPTH] [-b 512] [--mmap 0|1] [--json]`: prefill and
// decode speed with llama-bench's method, so the two compare directly: the prefill test evaluates -p random
// tokens (a BOS first) in batches of -b and times the whole prompt; the decode test generates -n tokens one
// forward pass at a time. With -d the sequence first holds DEPTH tokens (not timed), so attention reads a
// deep cache. With --parallel N the decode test runs N sequences at once, one token of each per forward pass
// (what the server's continuous batching does with N clients), and reports their tokens together, as
// llama-batched-bench does. --mmap is Ollama's use_mmap (llama-bench's -mmp): 1 reads the weights in place
// from the file's map, 0 copies them into memory of their own; left out, the loader's default. Each test runs
// once to warm up, then -r times; the median is reported. Model loading is not timed.
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "engine/generator.h"
#include "model/context.h"
#include "model/model.h"
#include "tensor/cpu/cpu_features.h"

namespace corral::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string model;
  int n_prompt = 512;
  int n_gen = 128;
  int threads = 0;
  int reps = 3;
  int depth = 0;
  int batch = 512;
  int parallel = 1;
  std::optional<bool> use_mmap;
  bool json = false;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

class Bench {
 public:
  Bench(model::Context& context, const BenchArgs& args, int32_t n_vocab, int32_t bos)
      : context_(context), args_(args), n_vocab_(n_vocab), bos_(bos) {}

  // Random tokens (a BOS first when the sequence is empty), as llama-bench feeds them.
  std::vector<int32_t> Tokens(int n, bool at_start) {
    std::vector<int32_t> tokens(static_cast<size_t>(n));
    std::uniform_int_distribution<int32_t> pick(0, n_vocab_ - 1);
    for (int32_t& t : tokens) t = pick(rng_);
    if (at_start && n > 0 && bos_ >= 0) tokens[0] = bos_;
    return tokens;
  }

  Status Reset(int n_seq = 1) {
    for (int s = 0; s < n_seq; ++s) {
      context_.ClearSequence(s);
      if (args_.depth > 0)
        CORRAL_RETURN_IF_ERROR(engine::Prefill(context_, Tokens(args_.depth, true), 0, s, batch_));
    }
    return Status::Ok();
  }

  // Seconds to evaluate n prompt tokens after the depth.
  Result<double> Prefill(int n) {
    CORRAL_RETURN_IF_ERROR(Reset());
    const std::vector<int32_t> tokens = Tokens(n, args_.depth == 0);
    const Clock::time_point t0 = Clock::now();
    CORRAL_RETURN_IF_ERROR(engine::Prefill(context_, tokens, args_.depth, 0, batch_));
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }

  // Seconds to generate n tokens in each of --parallel sequences, one forward pass per step, after the depth.
  Result<double> Decode(int n) {
    const int n_seq = args_.parallel;
    CORRAL_RETURN_IF_ERROR(Reset(n_seq));
    std::vector<std::vector<int32_t>> tokens;
    for (int s = 0; s < n_seq; ++s) tokens.push_back(Tokens(n, args_.depth == 0));
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      batch_.Clear();
      for (int s = 0; s < n_seq; ++s)
        batch_.Add(tokens[static_cast<size_t>(s)][static_cast<size_t>(i)], args_.depth + i, s, true);
      CORRAL_RETURN_IF_ERROR(context_.Decode(batch_));
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }

 private:
  model::Context& context_;
  const BenchArgs& args_;
  int32_t n_vocab_;
  int32_t bos_;
  std::mt19937 rng_{1234};
  model::Batch batch_;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "corral: %s\n", message.c_str());
  return 1;
}

int RunBench(const BenchArgs& args) {
  if (args.n_prompt < 0 || args.n_gen < 0 || args.reps < 1 || args.depth < 0 || args.batch < 1 ||
      args.threads < 0 || args.parallel < 1 || args.parallel > args.batch) {
    return Fail("bench: -p, -n and -d must be ≥ 0, -r and -b ≥ 1, -t ≥ 0, 1 ≤ --parallel ≤ -b");
  }
  Result<std::unique_ptr<model::Model>> model = model::Model::Load(args.model, {.use_mmap = args.use_mmap});
  if (!model.ok()) return Fail(args.model + ": " + model.status().ToString());
  const model::Config& config = (*model)->config();
  // The KV pool holds every sequence's positions.
  const int n_ctx = (args.depth + std::max(args.n_prompt, args.n_gen) + 1) * args.parallel;
  Result<std::unique_ptr<model::Context>> context = model::Context::Create(
      **model,
      {.n_ctx = n_ctx, .n_batch_max = args.batch, .n_seq_max = args.parallel, .n_threads = args.threads});
  if (!context.ok()) return Fail(context.status().ToString());
  const int threads = args.threads > 0 ? args.threads : static_cast<int>(std::thread::hardware_concurrency());
  const Result<uint32_t> bos_id = (*model)->file().GetU32("tokenizer.ggml.bos_token_id");
  const int32_t bos = bos_id.ok() ? static_cast<int32_t>(*bos_id) : -1;
  Bench bench(**context, args, static_cast<int32_t>(config.n_vocab), bos);

  std::vector<double> prefill_tps, decode_tps;
  if (args.n_prompt > 0) {
    if (Result<double> warm = bench.Prefill(std::min(args.n_prompt, 32)); !warm.ok())
      return Fail(warm.status().ToString());
    for (int r = 0; r < args.reps; ++r) {
      Result<double> s = bench.Prefill(args.n_prompt);
      if (!s.ok()) return Fail(s.status().ToString());
      prefill_tps.push_back(args.n_prompt / *s);
    }
  }
  if (args.n_gen > 0) {
    if (Result<double> warm = bench.Decode(std::min(args.n_gen, 4)); !warm.ok())
      return Fail(warm.status().ToString());
    for (int r = 0; r < args.reps; ++r) {
      Result<double> s = bench.Decode(args.n_gen);
      if (!s.ok()) return Fail(s.status().ToString());
      decode_tps.push_back(static_cast<double>(args.n_gen) * args.parallel / *s);
    }
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto peak_rss = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  const std::string isa(cpu::IsaName(cpu::BestIsa(cpu::HostCpuFeatures())));

  if (args.json) {
    nlohmann::json j = {{"model", args.model},
                        {"architecture", std::string(model::ArchName(config.arch))},
                        {"model_bytes", (*model)->weight_bytes()},
                        {"copied_bytes", (*model)->copied_bytes()},
                        {"threads", threads},
                        {"isa", isa},
                        {"n_prompt", args.n_prompt},
                        {"n_gen", args.n_gen},
                        {"depth", args.depth},
                        {"batch", args.batch},
                        {"parallel", args.parallel},
                        {"reps", args.reps},
                        {"prefill_tps", Median(prefill_tps)},
                        {"decode_tps", Median(decode_tps)},
                        {"prefill_tps_all", prefill_tps},
                        {"decode_tps_all", decode_tps},
                        {"kv_bytes", (*context)->kv_bytes()},
                        {"context_bytes", (*context)->memory_bytes()},
                        {"peak_rss_bytes", peak_rss}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("model: %s (%s, %.2f GiB of weights)\n", args.model.c_str(),
              std::string(model::ArchName(config.arch)).c_str(),
              static_cast<double>((*model)->weight_bytes()) / (1 << 30));
  std::printf("weights: %s\n",
              (*model)->copied_bytes() > 0 ? "copied into memory of their own" : "read from the file's map");
  std::printf("threads: %d   isa: %s   depth: %d   reps: %d   parallel: %d\n", threads, isa.c_str(),
              args.depth, args.reps, args.parallel);
  if (args.n_prompt > 0) std::printf("prefill  pp%-5d %10.2f tokens/s\n", args.n_prompt, Median(prefill_tps));
  if (args.n_gen > 0) {
    std::printf("decode   tg%-5d %10.2f tokens/s%s\n", args.n_gen, Median(decode_tps),
                args.parallel > 1 ? " (all sequences together)" : "");
  }
  std::printf("peak resident memory: %.1f MiB\n", static_cast<double>(peak_rss) / (1 << 20));
  return 0;
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prefill and decode speed (llama-bench's method)");
  cmd->add_option("MODEL", args->model, "path of a .gguf model file")->required();
  cmd->add_option("-p,--n-prompt", args->n_prompt, "prompt tokens for the prefill test")
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", args->n_gen, "tokens for the decode test")->capture_default_str();
  cmd->add_option("-t,--threads", args->threads, "threads (0: one per core)")->capture_default_str();
  cmd->add_option("-r,--reps", args->reps, "repetitions (the median is reported)")->capture_default_str();
  cmd->add_option("-d,--depth", args->depth, "tokens already in the context")->capture_default_str();
  cmd->add_option("-b,--batch", args->batch, "prompt tokens per forward pass")->capture_default_str();
  cmd->add_option("--parallel", args->parallel, "sequences decoded together in the decode test")
      ->capture_default_str();
  cmd->add_option("--mmap", args->use_mmap, "1: weights read in place from the file's map, 0: copied")
      ->check(CLI::Range(0, 1));
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &exit_code] { exit_code = RunBench(*args); });
}

}  // namespace corral::cli
