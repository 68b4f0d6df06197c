// The continuous-batching Runner on a small model corral-testmodel writes. The reference for every
// sequence is the plain single-sequence path: its own Context, the prompt in one batch, then greedy steps
// one token at a time. Batched steps multiply through wider kernel tiles whose float sums may round
// differently, so a sequence must equal its reference at every step before the reference's first near-tie
// (top-1/top-2 logit margin below kNearTie), the rule of the model parity tests.
#include "engine/runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "engine/generator.h"
#include "sample/grammar/gbnf.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral::engine {
namespace {

namespace fs = std::filesystem;

constexpr float kNearTie = 0.01f;

struct Reference {
  std::vector<int32_t> tokens;
  int clear_steps = 0;  // steps before the first near-tie
};

class RunnerTest : public ::testing::Test {
 protected:
  // Logits spread widely (std 24) so near-ties are rare and almost every step is compared.
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-runner-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const fs::path path = *dir_ / "tiny.gguf";
    const corral::testing::ProcessResult r = corral::testing::WriteTinyLlama(path, 11, 24, 512);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto model = model::Model::Load(path);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = std::move(model).value().release();
    auto tok = tokenizer::Tokenizer::FromGguf(model_->file());
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    tokenizer_ = new tokenizer::Tokenizer(std::move(tok).value());
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete model_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::vector<int32_t> Prompt(const std::string& text) { return tokenizer_->Encode(text); }

  static sample::SamplerOptions Greedy() {
    sample::SamplerOptions o;
    o.temperature = 0;
    o.repeat_penalty = 1;
    return o;
  }

  // Greedy decoding of one sequence on its own context, with the logit margin of every step.
  static Reference Solo(const std::vector<int32_t>& prompt, int n) {
    model::ContextOptions options;
    options.n_ctx = 512;
    options.n_batch_max = 512;
    options.n_threads = 2;
    auto context = model::Context::Create(*model_, options);
    EXPECT_TRUE(context.ok());
    model::Batch batch;
    EXPECT_TRUE(Prefill(**context, prompt, 0, 0, batch).ok());
    Reference ref;
    bool tied = false;
    for (int step = 0; step < n; ++step) {
      const std::span<const float> logits = (*context)->Logits(0);
      std::vector<float> sorted(logits.begin(), logits.end());
      std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
      tied = tied || sorted[0] - sorted[1] < kNearTie;
      if (!tied) ++ref.clear_steps;
      const int32_t id = sample::Argmax(logits);
      ref.tokens.push_back(id);
      if (tokenizer_->IsEndOfGeneration(id)) break;
      batch.Clear();
      batch.Add(id, static_cast<int32_t>(prompt.size()) + step, 0, true);
      EXPECT_TRUE((*context)->Decode(batch).ok());
    }
    return ref;
  }

  // The text a client must have received for these tokens: every piece in order, none lost or repeated
  // (a character left unfinished reads as U+FFFD, as the streaming detokenizer writes it).
  static std::string StreamOf(const std::vector<int32_t>& tokens) {
    tokenizer::StreamingDetokenizer detokenizer(*tokenizer_);
    std::string text;
    for (int32_t id : tokens) text += detokenizer.Push(id);
    return text + detokenizer.Flush();
  }

  static void ExpectMatches(const Completion& got, const Reference& want, const std::string& what) {
    ASSERT_TRUE(got.status.ok()) << what << ": " << got.status.ToString();
    std::vector<int32_t> sampled = got.tokens;
    if (got.done_reason == "stop" && sampled.size() < want.tokens.size())
      sampled.push_back(want.tokens.back());
    const size_t n = std::min<size_t>(static_cast<size_t>(want.clear_steps), want.tokens.size());
    ASSERT_GE(sampled.size(), n) << what << ": ended early (" << got.done_reason << ")";
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(sampled[i], want.tokens[i]) << what << ": step " << i;
    compared_ += n;
    generated_ += want.tokens.size();
  }

  // Most steps must be compared, or the checks above say little.
  void TearDown() override {
    if (generated_ > 0) {
      EXPECT_GE(compared_ * 4, generated_ * 3) << compared_ << " of " << generated_;
    }
    compared_ = generated_ = 0;
  }

  static inline size_t compared_ = 0;
  static inline size_t generated_ = 0;
  static inline fs::path* dir_ = nullptr;
  static inline model::Model* model_ = nullptr;
  static inline tokenizer::Tokenizer* tokenizer_ = nullptr;
};

const char* const kTexts[] = {
    "The quick brown fox jumps over the lazy dog",
    "Once upon a time",
    "def fibonacci(n):\n    if n < 2:\n        return n",
    "東京は日本の首都です。",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25",
    "A",
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate:",
    "SELECT name, count(*) FROM users GROUP BY name HAVING count(*) > 1;",
};

TEST_F(RunnerTest, OneSequenceEqualsTheSingleSequencePath) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 256, .n_parallel = 2, .n_threads = 2});
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  const std::vector<int32_t> prompt = Prompt(kTexts[0]);
  std::string streamed;
  auto handle = (*runner)->Submit({.prompt = prompt, .sampling = Greedy(), .num_predict = 24},
                                  [&](const TokenEvent& e) {
                                    streamed += e.text;
                                    return true;
                                  });
  ASSERT_TRUE(handle.ok());
  const Completion done = (*handle)->Wait();
  ExpectMatches(done, Solo(prompt, 24), "solo");
  if (done.done_reason == "length") {
    EXPECT_EQ(done.eval_count, 24);
  }
  EXPECT_EQ(done.prompt_tokens, static_cast<int32_t>(prompt.size()));
  EXPECT_EQ(done.prompt_eval_count, static_cast<int32_t>(prompt.size()));
  EXPECT_EQ(streamed, StreamOf(done.tokens));
}

TEST_F(RunnerTest, ConcurrentSequencesEachEqualTheirSoloRun) {
  // Four slots for eight requests, and batches of 16 tokens: prompts are read in chunks beside sequences
  // that are already decoding, and half the requests wait for a slot.
  auto runner =
      Runner::Create(*model_, *tokenizer_, {.num_ctx = 128, .n_parallel = 4, .n_batch = 16, .n_threads = 2});
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  const int n = static_cast<int>(std::size(kTexts));
  std::vector<std::shared_ptr<Sequence>> handles(static_cast<size_t>(n));
  std::vector<std::string> streamed(static_cast<size_t>(n));
  std::latch start(n);
  std::vector<std::thread> clients;
  for (int i = 0; i < n; ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      auto h = (*runner)->Submit({.prompt = Prompt(kTexts[i]), .sampling = Greedy(), .num_predict = 20 + i},
                                 [&, i](const TokenEvent& e) {
                                   streamed[static_cast<size_t>(i)] += e.text;
                                   return true;
                                 });
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      handles[static_cast<size_t>(i)] = *h;
    });
  }
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < n; ++i) {
    ASSERT_NE(handles[static_cast<size_t>(i)], nullptr);
    const Completion done = handles[static_cast<size_t>(i)]->Wait();
    ExpectMatches(done, Solo(Prompt(kTexts[i]), 20 + i), "request " + std::to_string(i));
    EXPECT_EQ(streamed[static_cast<size_t>(i)], StreamOf(done.tokens)) << i;
  }
  EXPECT_EQ((*runner)->stats().running, 0);
  EXPECT_EQ((*runner)->stats().waiting, 0);
}

TEST_F(RunnerTest, AFollowUpReusesTheCachedPrefix) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 256, .n_parallel = 2, .n_threads = 2});
  ASSERT_TRUE(runner.ok());
  const std::vector<int32_t> first = Prompt(kTexts[6]);
  auto a = (*runner)->Submit({.prompt = first, .sampling = Greedy(), .num_predict = 8}, nullptr);
  ASSERT_TRUE(a.ok());
  const Completion done_a = (*a)->Wait();
  ASSERT_EQ(done_a.done_reason, "length");
  // The next turn: the whole first exchange (whose last sampled token was never evaluated) plus new text.
  std::vector<int32_t> second = first;
  second.insert(second.end(), done_a.tokens.begin(), done_a.tokens.end());
  const std::vector<int32_t> more = tokenizer_->Encode(" And then?", false);
  second.insert(second.end(), more.begin(), more.end());
  auto b = (*runner)->Submit({.prompt = second, .sampling = Greedy(), .num_predict = 12}, nullptr);
  ASSERT_TRUE(b.ok());
  const Completion done_b = (*b)->Wait();
  const int32_t cached = static_cast<int32_t>(first.size() + done_a.tokens.size() - 1);
  EXPECT_EQ(done_b.prompt_tokens, static_cast<int32_t>(second.size()));
  EXPECT_EQ(done_b.prompt_eval_count, static_cast<int32_t>(second.size()) - cached);
  ExpectMatches(done_b, Solo(second, 12), "follow-up");

  // The same prompt again: everything but its last token comes from the cache.
  auto c = (*runner)->Submit({.prompt = second, .sampling = Greedy(), .num_predict = 12}, nullptr);
  ASSERT_TRUE(c.ok());
  const Completion done_c = (*c)->Wait();
  EXPECT_EQ(done_c.prompt_eval_count, 1);
  ExpectMatches(done_c, Solo(second, 12), "repeat");
}

TEST_F(RunnerTest, SeededSamplingIsTheSameAloneAndUnderLoad) {
  sample::SamplerOptions sampling;  // Ollama's defaults: temperature 0.8, top_k 40, top_p 0.9
  sampling.seed = 1234;
  const std::vector<int32_t> prompt = Prompt(kTexts[2]);
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 128, .n_parallel = 3, .n_threads = 2});
  ASSERT_TRUE(runner.ok());
  auto alone = (*runner)->Submit({.prompt = prompt, .sampling = sampling, .num_predict = 24}, nullptr);
  ASSERT_TRUE(alone.ok());
  const Completion want = (*alone)->Wait();
  std::vector<std::shared_ptr<Sequence>> others;
  for (int i = 0; i < 2; ++i) {
    auto h = (*runner)->Submit({.prompt = Prompt(kTexts[3 + i]), .sampling = Greedy(), .num_predict = 30},
                               nullptr);
    ASSERT_TRUE(h.ok());
    others.push_back(*h);
  }
  auto loaded = (*runner)->Submit({.prompt = prompt, .sampling = sampling, .num_predict = 24}, nullptr);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->Wait().tokens, want.tokens);
  for (auto& h : others) EXPECT_TRUE(h->Wait().status.ok());
}

TEST_F(RunnerTest, StopStringsGrammarsAndLogprobs) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 256, .n_parallel = 2, .n_threads = 2});
  ASSERT_TRUE(runner.ok());
  const std::vector<int32_t> prompt = Prompt(kTexts[6]);
  auto run = [&](Request request, std::string* streamed) {
    request.prompt = prompt;
    request.sampling = Greedy();
    auto h = (*runner)->Submit(std::move(request), [streamed](const TokenEvent& e) {
      if (streamed != nullptr) *streamed += e.text;
      return true;
    });
    EXPECT_TRUE(h.ok());
    return (*h)->Wait();
  };
  std::string full;
  const Completion plain = run({.num_predict = 24}, &full);
  ASSERT_GT(full.size(), 20u);
  // A stop string from the middle of the text (spanning tokens): the text ends right before it.
  const std::string stop = full.substr(full.size() / 2, 7);
  std::string stopped;
  const Completion s = run({.num_predict = 24, .stop = {"never appears", stop}}, &stopped);
  EXPECT_EQ(s.done_reason, "stop");
  EXPECT_EQ(stopped, full.substr(0, full.find(stop)));
  EXPECT_LT(s.tokens.size(), plain.tokens.size());

  // A grammar: the output is one of its sentences and the sequence ends when it is complete.
  auto grammar = sample::grammar::ParseGbnf(R"(root ::= ("yes" | "no") " please")");
  ASSERT_TRUE(grammar.ok()) << grammar.status().ToString();
  std::string answer;
  const Completion g = run({.num_predict = 50, .grammar = *grammar}, &answer);
  EXPECT_EQ(g.done_reason, "stop");
  EXPECT_TRUE(answer == "yes please" || answer == "no please") << answer;

  // Logprobs: one per sampled token; greedy picks the most likely one.
  const Completion l = run({.num_predict = 6, .logprobs = true, .top_logprobs = 3}, nullptr);
  ASSERT_EQ(l.logprobs.size(), static_cast<size_t>(l.eval_count));
  for (size_t i = 0; i < l.tokens.size(); ++i) {
    EXPECT_EQ(l.logprobs[i].id, l.tokens[i]);
    EXPECT_LE(l.logprobs[i].logprob, 0.f);
    ASSERT_EQ(l.logprobs[i].top_logprobs.size(), 3u);
    EXPECT_EQ(l.logprobs[i].top_logprobs[0].id, l.tokens[i]);
    EXPECT_GE(l.logprobs[i].top_logprobs[0].logprob, l.logprobs[i].top_logprobs[1].logprob);
  }
}

TEST_F(RunnerTest, CallbackStopAndCancelFreeTheSlot) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 128, .n_parallel = 1, .n_threads = 2});
  ASSERT_TRUE(runner.ok());
  int seen = 0;
  auto stopped = (*runner)->Submit({.prompt = Prompt(kTexts[1]), .sampling = Greedy()},
                                   [&](const TokenEvent&) { return ++seen < 5; });
  ASSERT_TRUE(stopped.ok());
  const Completion s = (*stopped)->Wait();
  EXPECT_EQ(s.done_reason, "stop");
  EXPECT_EQ(s.tokens.size(), 5u);

  // A sequence cancelled mid-stream from another thread (its fifth token waits for the Cancel, so the
  // sequence cannot end on its own first), and one cancelled while it waits for the slot.
  std::shared_ptr<Sequence> running;
  std::latch five(1);
  std::atomic<bool> cancel_sent{false};
  int count = 0;
  auto r = (*runner)->Submit({.prompt = Prompt(kTexts[0]), .sampling = Greedy()}, [&](const TokenEvent&) {
    if (++count == 5) {
      five.count_down();
      while (!cancel_sent.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  });
  ASSERT_TRUE(r.ok());
  running = *r;
  auto queued =
      (*runner)->Submit({.prompt = Prompt(kTexts[2]), .sampling = Greedy(), .num_predict = 4}, nullptr);
  ASSERT_TRUE(queued.ok());
  (*queued)->Cancel();
  five.wait();
  running->Cancel();
  cancel_sent = true;
  const Completion c = running->Wait();
  EXPECT_EQ(c.done_reason, "cancel");
  EXPECT_EQ(c.tokens.size(), 5u);
  const Completion q = (*queued)->Wait();
  EXPECT_EQ(q.done_reason, "cancel");
  EXPECT_EQ(q.eval_count, 0);

  // The slot serves the next request.
  auto next =
      (*runner)->Submit({.prompt = Prompt(kTexts[5]), .sampling = Greedy(), .num_predict = 3}, nullptr);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)->Wait().tokens.size(), 3u);
}

TEST_F(RunnerTest, AFullQueueAnswersUnavailable) {
  auto runner =
      Runner::Create(*model_, *tokenizer_, {.num_ctx = 128, .n_parallel = 1, .n_threads = 2, .max_queue = 1});
  ASSERT_TRUE(runner.ok());
  // The busy sequence holds the runner in its first callback until the queue has been tried.
  std::latch started(1);
  std::atomic<bool> release{false};
  bool first = true;
  auto busy = (*runner)->Submit({.prompt = Prompt(kTexts[0]), .sampling = Greedy()}, [&](const TokenEvent&) {
    if (first) {
      first = false;
      started.count_down();
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  });
  ASSERT_TRUE(busy.ok());
  started.wait();
  auto waiting =
      (*runner)->Submit({.prompt = Prompt(kTexts[1]), .sampling = Greedy(), .num_predict = 2}, nullptr);
  ASSERT_TRUE(waiting.ok());
  auto refused =
      (*runner)->Submit({.prompt = Prompt(kTexts[1]), .sampling = Greedy(), .num_predict = 2}, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  (*busy)->Cancel();
  release = true;
  EXPECT_EQ((*waiting)->Wait().tokens.size(), 2u);
}

TEST_F(RunnerTest, AFullContextEndsWithLength) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 40, .n_parallel = 2, .n_threads = 2});
  ASSERT_TRUE(runner.ok());
  const std::vector<int32_t> prompt = Prompt(kTexts[0]);
  auto h = (*runner)->Submit({.prompt = prompt, .sampling = Greedy(), .num_predict = -1}, nullptr);
  ASSERT_TRUE(h.ok());
  const Completion done = (*h)->Wait();
  const Reference want = Solo(prompt, 40 - static_cast<int>(prompt.size()) + 1);
  ExpectMatches(done, want, "to the end of the context");
  if (done.done_reason == "length") {
    // Every position holds a token; the last one sampled had no room left.
    EXPECT_EQ(done.eval_count, 40 - static_cast<int32_t>(prompt.size()) + 1);
  } else {
    EXPECT_EQ(done.done_reason, "stop");  // an end-of-generation token came first
  }
}

TEST_F(RunnerTest, BadRequestsAreRefused) {
  auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 16, .n_parallel = 1, .n_threads = 1});
  ASSERT_TRUE(runner.ok());
  EXPECT_EQ((*runner)->Submit({}, nullptr).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      (*runner)->Submit({.prompt = std::vector<int32_t>(16, 1), .sampling = {}}, nullptr).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ((*runner)->Submit({.prompt = {1, -4}, .sampling = {}}, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*runner)->Submit({.prompt = {1, 1 << 30}, .sampling = {}}, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  sample::SamplerOptions bad;
  bad.temperature = -1;
  EXPECT_EQ((*runner)->Submit({.prompt = {1, 2}, .sampling = bad}, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(Runner::Create(*model_, *tokenizer_, {.num_ctx = 1}).ok());
}

TEST_F(RunnerTest, ShuttingDownCancelsRunningAndWaitingSequences) {
  std::shared_ptr<Sequence> running, waiting;
  {
    auto runner = Runner::Create(*model_, *tokenizer_, {.num_ctx = 128, .n_parallel = 1, .n_threads = 2});
    ASSERT_TRUE(runner.ok());
    // The running sequence waits in its first callback until the runner is about to be destroyed.
    std::latch started(1);
    std::atomic<bool> release{false};
    bool first = true;
    auto r = (*runner)->Submit({.prompt = Prompt(kTexts[0]), .sampling = Greedy()}, [&](const TokenEvent&) {
      if (first) {
        first = false;
        started.count_down();
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return true;
    });
    ASSERT_TRUE(r.ok());
    running = *r;
    auto w = (*runner)->Submit({.prompt = Prompt(kTexts[1]), .sampling = Greedy()}, nullptr);
    ASSERT_TRUE(w.ok());
    waiting = *w;
    started.wait();
    release = true;
  }
  EXPECT_EQ(running->Wait().done_reason, "cancel");
  EXPECT_EQ(waiting->Wait().done_reason, "cancel");
}

}  // namespace
}  // namespace corral::engine
