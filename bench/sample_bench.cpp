// Constrained decoding's cost: decode tokens/s under a JSON-schema grammar against free decoding, on the
// Llama-3.2-1B-shaped model (128k-token vocabulary), and the grammar mask alone.
//
//   CORRAL_BENCH_MODEL=/tmp/corral-1b/l1b-Q4_K_M.gguf build/h-sample-rel/bench/corral_bench_kernels
//       --benchmark_filter='BM_(Decode|GrammarMask)'   (one command line)
//
// BM_Decode/<free|schema>: Generate() of up to 48 tokens after a short prompt (end-of-generation tokens
// banned, temperature 1, seeded), a fresh grammar matcher each run so its lazily built automaton starts cold
// as it does for every request. Counter tok/s = generated tokens / eval time (prompt excluded).
// BM_GrammarMask/<state>: one FillMask over the whole vocabulary from a cold matcher: the worst case of a
// step (a state seen before costs a copy of the cached mask).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "engine/generator.h"
#include "model/context.h"
#include "model/model.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"
#include "sample/grammar/matcher.h"
#include "tokenizer/tokenizer.h"

namespace corral {
namespace {

constexpr const char* kSchema = R"({"type": "object", "properties": {
  "name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 150},
  "tags": {"type": "array", "items": {"type": "string"}},
  "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}},
  "kind": {"enum": ["person", "robot", "other"]}}, "required": ["name", "age", "tags", "address", "kind"]})";

struct Loaded {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tok;
  std::unique_ptr<model::Context> context;
  std::unique_ptr<sample::grammar::TokenTrie> vocab;
  std::shared_ptr<const sample::grammar::Grammar> grammar;
};

Loaded* Load() {
  static std::unique_ptr<Loaded> loaded = []() -> std::unique_ptr<Loaded> {
    const char* env = std::getenv("CORRAL_BENCH_MODEL");
    const std::string path = env != nullptr ? env : "/tmp/corral-1b/l1b-Q4_K_M.gguf";
    auto model = model::Model::Load(path);
    if (!model.ok()) return nullptr;
    auto out = std::make_unique<Loaded>();
    out->model = std::move(*model);
    auto tok = tokenizer::Tokenizer::FromGguf(out->model->file());
    if (!tok.ok()) return nullptr;
    out->tok = std::make_unique<tokenizer::Tokenizer>(std::move(*tok));
    const char* threads = std::getenv("CORRAL_BENCH_THREADS");
    auto context = model::Context::Create(
        *out->model,
        {.n_ctx = 512, .n_batch_max = 64, .n_threads = threads != nullptr ? std::atoi(threads) : 2});
    if (!context.ok()) return nullptr;
    out->context = std::move(*context);
    out->vocab = std::make_unique<sample::grammar::TokenTrie>(engine::MakeTokenTrie(*out->tok));
    auto gbnf = sample::grammar::JsonSchemaToGbnf(kSchema);
    if (!gbnf.ok()) return nullptr;
    auto grammar = sample::grammar::ParseGbnf(*gbnf);
    if (!grammar.ok()) return nullptr;
    out->grammar = *grammar;
    // Page the weights in before anything is timed (the first pass over an mmapped model reads the disk).
    sample::Sampler warm({}, out->tok->n_vocab());
    const std::vector<int32_t> prompt = out->tok->Encode("warm up");
    if (!engine::Generate(*out->context, *out->tok, warm, prompt, {.num_predict = 4}, nullptr).ok())
      return nullptr;
    return out;
  }();
  return loaded.get();
}

void BM_Decode(benchmark::State& state, bool constrained) {
  Loaded* l = Load();
  if (l == nullptr) {
    state.SkipWithError("no model (set CORRAL_BENCH_MODEL)");
    return;
  }
  const std::vector<int32_t> prompt = l->tok->Encode("Describe a person as JSON:");
  sample::SamplerOptions options;
  options.temperature = 1;
  options.seed = 7;
  for (int32_t id : l->tok->EndOfGenerationIds()) options.logit_bias.push_back({id, -INFINITY});
  double tokens = 0, seconds = 0;
  for (auto _ : state) {
    sample::Sampler sampler(options, l->tok->n_vocab());
    sample::grammar::Matcher matcher(l->grammar, *l->vocab);
    auto r = engine::Generate(*l->context, *l->tok, sampler, prompt,
                              {.num_predict = 48, .grammar = constrained ? &matcher : nullptr},
                              [](std::string_view) { return true; });
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    tokens += r->eval_count;
    seconds += std::chrono::duration<double>(r->eval_duration).count();
  }
  state.counters["tok/s"] = tokens / seconds;
  state.counters["tokens"] = tokens / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_Decode, free, false)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Decode, schema, true)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_GrammarMask(benchmark::State& state, const char* prefix) {
  Loaded* l = Load();
  if (l == nullptr) {
    state.SkipWithError("no model (set CORRAL_BENCH_MODEL)");
    return;
  }
  sample::TokenMask mask;
  for (auto _ : state) {
    sample::grammar::Matcher matcher(l->grammar, *l->vocab);
    if (!matcher.AcceptText(prefix)) {
      state.SkipWithError("prefix refused");
      return;
    }
    matcher.FillMask(mask);
    benchmark::DoNotOptimize(mask);
  }
}
BENCHMARK_CAPTURE(BM_GrammarMask, start, "")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_GrammarMask, in_string, R"({"name": "Ann)")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_GrammarMask, in_number, R"({"name": "Ann", "age": 1)")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace corral
