// Parity with llama.cpp: every tests/model/golden/*.json holds greedy runs of llama.cpp (ref.mjs greedy) on a
// model that corral-testmodel writes from the file's own arguments. corral must produce the same tokens for
// the steps before llama.cpp's first near-tie (clear_prefix: top-1/top-2 margin < 0.05) and the same top-5
// probabilities (softmax of the raw logits over the whole vocabulary) within 0.01 at each of them — with the
// prompt evaluated as one batch and again token by token.
//
// Quantized cases are teacher-forced and held to bounds sized by llama.cpp's own run-to-run disagreement
// (see Tolerances below). The Llama-3.2-1B-shaped cases in golden/slow/ run with CORRAL_SLOW=1 (a Release
// build: scripts/test-slow).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../cli/run_process.h"
#include "model/context.h"
#include "model/model.h"
#include "tensor/cpu/cpu_features.h"
#include "test_paths.h"

namespace corral::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path GoldenDir() {
  return testing::SourceDir() / "tests" / "model" / "golden";
}

// "llama-f16", ..., and "slow/l1b-f16" for the files under golden/slow/.
std::vector<std::string> GoldenCases() {
  std::vector<std::string> names;
  for (const fs::path& dir : {GoldenDir(), GoldenDir() / "slow"}) {
    if (!fs::exists(dir)) continue;
    const std::string prefix = dir == GoldenDir() ? "" : "slow/";
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") names.push_back(prefix + entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool EnvSet(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) != "0" && !std::string(v).empty();
}

fs::path CacheDir() {
  const char* dir = std::getenv("CORRAL_BINARY_DIR");
  fs::path base = dir != nullptr ? fs::path(dir) : fs::temp_directory_path();
  return base / "model-parity-cache";
}

// Writes (once; later tests reuse the file) the model a golden file was made on.
::testing::AssertionResult MakeModel(const json& golden, fs::path& out) {
  fs::create_directories(CacheDir());
  out = CacheDir() / (golden.at("case").get<std::string>() + ".gguf");
  std::vector<std::string> argv = {
      CORRAL_TESTMODEL_EXE, "--vocab",
      (testing::TestDataDir() / "models" / golden.at("vocab").get<std::string>()).string()};
  for (const auto& a : golden.at("testmodel")) argv.push_back(a.get<std::string>());
  // "dtype": every matrix in one type (corral-testmodel --dtype); "ftype": a llama.cpp file type, with
  // llama-quantize's per-tensor mixture (--ftype).
  if (golden.contains("dtype") && golden.at("dtype").is_string()) {
    argv.insert(argv.end(), {"--dtype", golden.at("dtype").get<std::string>()});
  } else {
    argv.insert(argv.end(), {"--ftype", golden.at("ftype").get<std::string>()});
  }
  // The arguments are part of the cache key: a golden file regenerated with other arguments remakes it.
  std::string key;
  for (const auto& a : argv) key += a + '\n';
  const fs::path key_file = out.string() + ".args";
  if (fs::exists(out) && fs::exists(key_file)) {
    std::ifstream in(key_file);
    const std::string cached((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cached == key) return ::testing::AssertionSuccess();
  }
  const fs::path tmp = out.string() + ".tmp";
  argv.insert(argv.end(), {"--out", tmp.string()});
  const testing::ProcessResult r = testing::RunProcess(argv);
  if (r.exit_code != 0) return ::testing::AssertionFailure() << "corral-testmodel failed: " << r.err;
  fs::rename(tmp, out);
  std::ofstream(key_file) << key;
  return ::testing::AssertionSuccess();
}

std::vector<double> Softmax(std::span<const float> logits) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l - max));
  std::vector<double> p(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) p[i] = std::exp(static_cast<double>(logits[i] - max)) / sum;
  return p;
}

int Argmax(std::span<const float> logits) {
  return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Tolerances. With f16 weights activations stay float: tokens equal before llama.cpp's first near-tie
// (margin < 0.05, the golden's clear_prefix) and top-5 probabilities within 0.01, with room to spare.
//
// With quantized weights llama.cpp (and corral, bit-compatibly) quantizes every matmul's activations to 8
// bits. A last-bit difference in a float sum — any other summation order — that moves one activation
// across a rounding boundary changes everything after it by about the quantization noise, so corral's
// logits equal llama.cpp's to ~1e-5 until the first such flip and then differ by up to ~0.4. llama.cpp is
// no closer to itself: `make_golden.mjs --self-noise` (its prompt as one batch vs token by token, every
// quantized case here, 72 runs) measured top-5 |dp| up to 0.065 and |dlogit| up to 0.35, and its tokens
// differed at steps with margins 0.12 and 0.14, above the f16 near-tie bound. So for quantized weights the
// run is teacher-forced — every one of the golden's steps is evaluated after llama.cpp's own tokens, so a
// flip cannot end the comparison early — with the token required equal wherever llama.cpp's margin is
// above that noise (0.5), the top-5 logits within 0.5 and their probabilities within 0.12 at every step.
// Measured over all 4,800 teacher-forced steps of the quantized cases: |dlogit| up to 0.44 and |dp| up to
// 0.100 (at a step whose top token had p 0.35).
struct Tolerances {
  bool teacher_forced;
  double near_tie_margin;  // teacher-forced: tokens are compared where llama.cpp's margin is at least this
  double probability;
  double logit;  // 0: not checked (f16: the probability bound is the tighter one)
};
constexpr Tolerances kF16Tolerances = {
    .teacher_forced = false, .near_tie_margin = 0.05, .probability = 0.01, .logit = 0};
constexpr Tolerances kQuantizedTolerances = {
    .teacher_forced = true, .near_tie_margin = 0.5, .probability = 0.12, .logit = 0.5};

// The 1B-shaped quantized case re-quantizes activations in 16 layers, not 2, and llama.cpp itself lands
// further from its own golden there: the golden carries "cross_build", the same prompts on llama.cpp's
// builds for other x86 CPUs (make_golden.mjs --cross-build), whose largest top-5 |dp| and |dlogit| exceed
// the tiny models' bounds (2,100-token prompt: haswell 0.121 / 0.524, sandybridge 0.099 / 0.566, and the
// portable x64 build, too slow to record for the 8,178-token one, 0.096 / 0.547). The bounds there are
// that spread with half again as much room: the largest of 160 values from two or three builds understates
// how far another summation order can land (corral's AVX2 and AVX-512 kernels, the same way: |dp|
// 0.088-0.162, |dlogit| 0.39-0.54).
constexpr double kCrossBuildRoom = 1.5;

Tolerances TolerancesFor(const json& golden) {
  const bool quantized = !(golden.contains("dtype") && golden.at("dtype").is_string());
  if (!quantized) return kF16Tolerances;
  Tolerances t = kQuantizedTolerances;
  if (golden.contains("cross_build")) {
    const json& spread = golden.at("cross_build");
    t.probability = std::max(t.probability, kCrossBuildRoom * spread.at("dp").get<double>());
    t.logit = std::max(t.logit, kCrossBuildRoom * spread.at("dlogit").get<double>());
  }
  return t;
}

// Greedy decoding of one run: the prompt as one batch (or token by token), then the clear_prefix steps
// (teacher-forced: all steps), each checked against llama.cpp's step.
void CheckRun(const Model& model, const json& run, bool token_by_token, const Tolerances& tolerances,
              const std::string& label) {
  const std::vector<int32_t> prompt = run.at("prompt_ids").get<std::vector<int32_t>>();
  const json& steps = run.at("steps");
  const int compared =
      tolerances.teacher_forced ? static_cast<int>(steps.size()) : run.at("clear_prefix").get<int>();
  ContextOptions options;
  options.n_ctx = static_cast<int>(prompt.size()) + static_cast<int>(steps.size()) + 1;
  options.n_batch_max = std::min<int>(512, static_cast<int>(prompt.size()));
  options.n_threads = 2;
  auto context = Context::Create(model, options);
  ASSERT_TRUE(context.ok()) << context.status().ToString();
  Context& ctx = **context;
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.Add(prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size());
    if (token_by_token || i + 1 == prompt.size() || batch.size() == options.n_batch_max) {
      const Status s = ctx.Decode(batch);
      ASSERT_TRUE(s.ok()) << s.ToString();
      batch.Clear();
    }
  }
  int32_t pos = static_cast<int32_t>(prompt.size());
  double max_dp = 0, max_dlogit = 0;
  int step = 0, tokens_compared = 0;
  for (; step < compared; ++step) {
    const json& ref = steps.at(static_cast<size_t>(step));
    std::span<const float> logits = ctx.Logits(0);
    const int token = Argmax(logits);
    const std::vector<double> p = Softmax(logits);
    const bool clear = ref.at("margin").get<double>() >= tolerances.near_tie_margin;
    tokens_compared += clear ? 1 : 0;
    if (clear && token != ref.at("token").get<int>()) {
      ADD_FAILURE() << "step " << step << ": token " << token << ", llama.cpp " << ref.at("token")
                    << " (margin " << ref.at("margin") << ")";
      break;
    }
    for (const auto& top : ref.at("top")) {
      const size_t id = top.at(0).get<size_t>();
      max_dp = std::max(max_dp, std::abs(p[id] - top.at(1).get<double>()));
      max_dlogit = std::max(max_dlogit, std::abs(logits[id] - top.at(2).get<double>()));
      EXPECT_NEAR(p[id], top.at(1).get<double>(), tolerances.probability)
          << "step " << step << " token " << id << ": logit " << logits[id] << ", llama.cpp " << top.at(2);
      if (tolerances.logit > 0) {
        EXPECT_NEAR(logits[id], top.at(2).get<double>(), tolerances.logit)
            << "step " << step << " token " << id;
      }
    }
    batch.Clear();
    batch.Add(tolerances.teacher_forced ? ref.at("token").get<int>() : token, pos++, 0, true);
    const Status s = ctx.Decode(batch);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // One line per run, so a report shows how close each case is even when it passes.
  std::cout << "[ parity   ] " << label << (token_by_token ? " token by token" : " one batch")
            << (tolerances.teacher_forced ? ", teacher-forced" : "") << ": " << step << "/" << compared
            << " steps compared (" << tokens_compared << " tokens equal), max |dp| " << max_dp
            << ", max |dlogit| " << max_dlogit << "\n";
}

// Every run of a golden file, the prompt as one batch and token by token.
void CheckRuns(const Model& model, const json& golden, bool slow, const Tolerances& tolerance,
               const std::string& name) {
  int run_index = 0;
  for (const json& run : golden.at("runs")) {
    SCOPED_TRACE("run " + std::to_string(run_index++));
    {
      SCOPED_TRACE("prompt as one batch");
      CheckRun(model, run, false, tolerance, name + " run " + std::to_string(run_index - 1));
    }
    // Token by token through an 8,178-token prompt on the 1B model would take most of an hour at 2 threads;
    // the 2,100-token prompt covers that path at scale.
    if (slow && run.at("prompt_ids").size() > 4096) continue;
    {
      SCOPED_TRACE("prompt token by token");
      CheckRun(model, run, true, tolerance, name + " run " + std::to_string(run_index - 1));
    }
  }
}

// Layer matrices (and output) in the interleaved layout.
int InterleavedMatrices(const Model& model) {
  const Weights& w = model.weights();
  int n = w.output.layout == WeightLayout::kInterleaved16 ? 1 : 0;
  for (const LayerWeights& l : w.layers) {
    for (const WeightView* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      n += m->layout == WeightLayout::kInterleaved16 ? 1 : 0;
  }
  return n;
}

class GoldenParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenParity, GreedyMatchesLlamaCpp) {
  std::ifstream in(GoldenDir() / (GetParam() + ".json"));
  const json golden = json::parse(in);
  const bool slow = GetParam().starts_with("slow/");
  if (slow && !EnvSet("CORRAL_SLOW"))
    GTEST_SKIP() << "a 1B-shaped model: set CORRAL_SLOW=1 (scripts/test-slow)";
  const Tolerances tolerance = TolerancesFor(golden);
  fs::path path;
  ASSERT_TRUE(MakeModel(golden, path));
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  CheckRuns(**model, golden, slow, tolerance, GetParam());
  // Where the load rearranged K-quant matrices for this CPU's kernels (model.h), the file's own layout, read
  // in place from the map, must agree with llama.cpp as well.
  if (InterleavedMatrices(**model) > 0 && !slow) {
    SCOPED_TRACE("weights read in place, in the file's layout");
    auto mapped = Model::Load(path, {.use_mmap = true});
    ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
    EXPECT_EQ(InterleavedMatrices(**mapped), 0);
    CheckRuns(**mapped, golden, slow, tolerance, GetParam());
  }
}

// The models whose Q4_K / Q6_K matrices a copied load interleaves on this CPU do get that layout.
TEST(GoldenParityLayout, CopiedKQuantMatricesAreInterleavedWhereTheKernelsReadThem) {
  const std::string name = "llama-q4_k_m";
  std::ifstream in(GoldenDir() / (name + ".json"));
  ASSERT_TRUE(in.good());
  const json golden = json::parse(in);
  fs::path path;
  ASSERT_TRUE(MakeModel(golden, path));
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  if (PreferInterleaved(DType::kQ4_K, cpu::IsaOrBest(cpu::HostCpuFeatures()))) {
    EXPECT_GT(InterleavedMatrices(**model), 0);
  } else {
    EXPECT_EQ(InterleavedMatrices(**model), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenParity, ::testing::ValuesIn(GoldenCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenParity);

}  // namespace
}  // namespace corral::model
