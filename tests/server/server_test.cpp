// The HTTP server in this process on a free port, over raw HTTP: every route's shape, Ollama's and OpenAI's
// error shapes and status codes, streaming (NDJSON and SSE) against the same answer unstreamed, CORS, bad
// input, many clients at once, and a client that hangs up mid-stream. The model is written by
// corral-testmodel with widely spread logits (std 64), so float rounding in batched steps cannot flip a
// token and every client must get exactly the text it gets alone.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/http_test_client.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral::server {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-server-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const corral::testing::ProcessResult r =
        corral::testing::WriteTinyLlama(*dir_ / "tiny.gguf", 3, 64, 4096);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // "minilm": an embedding-only model (bert, WordPiece vocab, mean pooling).
    const corral::testing::ProcessResult bert = corral::testing::WriteTestModel(
        *dir_ / "minilm.gguf", "ggml-vocab-bert-bge.gguf",
        {.dim = 64, .layers = 1, .heads = 2, .kv_heads = 2, .ffn = 128, .ctx = 128}, {"--arch", "bert"});
    ASSERT_EQ(bert.exit_code, 0) << bert.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  void SetUp() override { Start({}); }
  void TearDown() override { StopServer(); }

  void Start(sched::SchedulerOptions options) {
    StopServer();
    options.num_thread = 2;
    if (options.num_ctx == 4096) options.num_ctx = 1024;
    // "tiny" (and "tiny:latest") name the test model, "minilm" the embedding model; anything else is unknown.
    scheduler_ = std::make_unique<sched::Scheduler>(
        [](std::string_view name) -> Result<sched::ModelSpec> {
          if (name == "minilm") {
            sched::ModelSpec spec;
            spec.name = "minilm:latest";
            spec.gguf = *dir_ / "minilm.gguf";
            spec.digest = "fedcba9876543210";
            return spec;
          }
          if (name != "tiny" && name != "tiny:latest")
            return Status::NotFound("no model " + std::string(name));
          sched::ModelSpec spec;
          spec.name = "tiny:latest";
          spec.gguf = *dir_ / "tiny.gguf";
          spec.digest = "0123456789abcdef";
          spec.parameters = {{"temperature", "0"}};  // as a Modelfile PARAMETER
          return spec;
        },
        options);
    ServerOptions server_options;
    server_options.origins = {"https://*.example.com"};
    server_options.max_body_bytes = 1 << 20;
    server_options.lister = []() -> Result<std::vector<ListedModel>> {
      ListedModel m;
      m.name = "tiny:latest";
      m.digest = "0123456789abcdef";
      m.size = 1234;
      m.modified = std::chrono::system_clock::now();
      return std::vector<ListedModel>{m};
    };
    server_ = std::make_unique<Server>(*scheduler_, server_options);
    ASSERT_TRUE(server_->Bind("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
    ASSERT_TRUE(WaitUntilServing(*client_)) << "the server did not come up";
  }

  void StopServer() {
    if (server_) {
      server_->Stop();
      thread_.join();
    }
    client_.reset();
    server_.reset();
    scheduler_.reset();
  }

  httplib::Result Post(const std::string& path, const Json& body) {
    return client_->Post(path, body.dump(), "application/json");
  }

  // The body of a streamed POST, read as it arrives; `keep_reading` false hangs up.
  std::string PostStream(const std::string& path, const Json& body,
                         const std::function<bool(const std::string& so_far)>& keep_reading = {}) {
    return PostStreaming(*client_, path, body.dump(), keep_reading).body;
  }

  static std::vector<Json> NdjsonLines(const std::string& body) {
    std::vector<Json> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(Json::parse(line));
    }
    return lines;
  }

  static std::vector<std::string> SseData(const std::string& body) {
    std::vector<std::string> frames;
    size_t pos = 0;
    while (pos < body.size()) {
      const size_t end = body.find("\n\n", pos);
      EXPECT_NE(end, std::string::npos) << "an SSE frame without its blank line";
      if (end == std::string::npos) break;
      const std::string frame = body.substr(pos, end - pos);
      EXPECT_TRUE(frame.starts_with("data: ")) << frame;
      frames.push_back(frame.substr(6));
      pos = end + 2;
    }
    return frames;
  }

  static inline fs::path* dir_ = nullptr;
  std::unique_ptr<sched::Scheduler> scheduler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, HealthAndVersion) {
  auto root = client_->Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, "Ollama is running");
  auto head = client_->Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  auto version = client_->Get("/api/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(Json::parse(version->body)["version"], kOllamaApiVersion);
  auto missing = client_->Get("/api/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ServerTest, GenerateStreamsWhatItAnswersWhole) {
  const Json request{
      {"model", "tiny"}, {"prompt", "Why is the sky blue?"}, {"options", {{"num_predict", 12}}}};
  Json whole_request = request;
  whole_request["stream"] = false;
  auto whole = Post("/api/generate", whole_request);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200) << whole->body;
  EXPECT_EQ(whole->get_header_value("Content-Type"), "application/json");
  const Json answer = Json::parse(whole->body);
  EXPECT_EQ(answer["model"], "tiny");
  EXPECT_EQ(answer["done"], true);
  EXPECT_EQ(answer["done_reason"], "length");
  EXPECT_EQ(answer["eval_count"], 12);
  EXPECT_GT(answer["prompt_eval_count"].get<int>(), 5);
  EXPECT_GT(answer["total_duration"].get<int64_t>(), 0);
  // The request's whole time includes loading the model (this is its first use).
  EXPECT_GE(answer["total_duration"].get<int64_t>(), answer["load_duration"].get<int64_t>());
  EXPECT_GE(answer["total_duration"].get<int64_t>(),
            answer["prompt_eval_duration"].get<int64_t>() + answer["eval_duration"].get<int64_t>());
  EXPECT_TRUE(answer["created_at"].get<std::string>().ends_with("Z"));
  ASSERT_TRUE(answer["context"].is_array());
  EXPECT_EQ(answer["context"].size(), answer["prompt_eval_count"].get<size_t>() + 12);

  const std::vector<Json> lines = NdjsonLines(PostStream("/api/generate", request));
  ASSERT_GE(lines.size(), 2u);
  std::string streamed;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["done"], false);
    streamed += lines[i]["response"].get<std::string>();
  }
  EXPECT_EQ(lines.back()["done"], true);
  EXPECT_EQ(lines.back()["eval_count"], 12);
  EXPECT_EQ(streamed, answer["response"].get<std::string>());
}

TEST_F(ServerTest, ChatStreamsWhatItAnswersWhole) {
  const Json request{
      {"model", "tiny"},
      {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi!"}}}},
      {"options", {{"num_predict", 10}}}};
  Json whole_request = request;
  whole_request["stream"] = false;
  auto whole = Post("/api/chat", whole_request);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200) << whole->body;
  const Json answer = Json::parse(whole->body);
  EXPECT_EQ(answer["message"]["role"], "assistant");
  EXPECT_EQ(answer["done_reason"], "length");
  const std::vector<Json> lines = NdjsonLines(PostStream("/api/chat", request));
  ASSERT_GE(lines.size(), 2u);
  std::string streamed;
  for (const Json& line : lines) streamed += line["message"]["content"].get<std::string>();
  EXPECT_EQ(streamed, answer["message"]["content"].get<std::string>());
  EXPECT_EQ(lines.back()["done"], true);
}

TEST_F(ServerTest, EmptyPromptLoadsAndKeepAliveZeroUnloads) {
  auto load = Post("/api/generate", {{"model", "tiny"}});
  ASSERT_TRUE(load);
  ASSERT_EQ(load->status, 200) << load->body;
  EXPECT_EQ(Json::parse(load->body)["done_reason"], "load");
  const Json ps = Json::parse(client_->Get("/api/ps")->body);
  ASSERT_EQ(ps["models"].size(), 1u);
  EXPECT_EQ(ps["models"][0]["name"], "tiny:latest");
  EXPECT_EQ(ps["models"][0]["digest"], "0123456789abcdef");
  EXPECT_EQ(ps["models"][0]["context_length"], 1024);
  EXPECT_GT(ps["models"][0]["size"].get<int64_t>(), 0);

  auto unload = Post("/api/chat", {{"model", "tiny"}, {"messages", Json::array()}, {"keep_alive", 0}});
  ASSERT_TRUE(unload);
  EXPECT_EQ(Json::parse(unload->body)["done_reason"], "unload");
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = Json::parse(client_->Get("/api/ps")->body)["models"].empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
}

TEST_F(ServerTest, OllamaErrors) {
  struct Case {
    std::string path;
    std::string body;
    int status;
    std::string message;  // a substring of "error"
  };
  const Case cases[] = {
      {"/api/generate", R"({"model":"nope","prompt":"x"})", 404,
       "model \"nope\" not found, try pulling it first"},
      {"/api/chat", R"({"model":"nope","messages":[{"role":"user","content":"x"}]})", 404, "not found"},
      {"/api/generate", "", 400, "missing request body"},
      {"/api/generate", "{not json", 400, "invalid JSON"},
      {"/api/generate", "[1,2]", 400, "object"},
      {"/api/generate", R"({"prompt":"x"})", 400, "model is required"},
      {"/api/generate", R"({"model":"tiny","prompt":"x","options":{"temperature":"hot"}})", 400,
       "temperature"},
      {"/api/generate", R"({"model":"tiny","prompt":"x","options":{"top_k":1.5}})", 400, "top_k"},
      {"/api/generate", R"({"model":"tiny","prompt":"x","raw":true,"system":"s"})", 400, "raw mode"},
      {"/api/generate", R"({"model":"tiny","prompt":"x","keep_alive":"soon"})", 400, "keep_alive"},
      {"/api/chat", R"({"model":"tiny","messages":"hello"})", 400, "messages"},
      {"/api/chat", R"({"model":"tiny","messages":[{"role":"user","content":"x"}],"think":"very"})", 400,
       "think"},
      {"/api/generate", "{\"model\":\"tiny\",\"prompt\":\"\xff\xfe\"}", 400, "invalid JSON"},
      // Its template (the default ChatML) has no place for tools.
      {"/api/chat",
       R"({"model":"tiny","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]})",
       400, "tiny:latest does not support tools"},
      // Nor for a suffix (fill-in-the-middle).
      {"/api/generate", R"({"model":"tiny","prompt":"def f(","suffix":"return x"})", 400,
       "tiny:latest does not support insert"},
  };
  for (const Case& c : cases) {
    auto res = client_->Post(c.path, c.body, "application/json");
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, c.status) << c.body << " → " << res->body;
    const Json j = Json::parse(res->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j["error"].is_string()) << res->body;
    EXPECT_NE(j["error"].get<std::string>().find(c.message), std::string::npos) << j["error"];
  }
  // Unknown options are ignored, as Ollama does.
  auto unknown = Post("/api/generate", {{"model", "tiny"},
                                        {"prompt", "x"},
                                        {"stream", false},
                                        {"options", {{"num_predict", 1}, {"no_such_option", 3}}}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 200) << unknown->body;
  // With a template that reads .Suffix, the suffix is rendered into the prompt (Ollama's insert).
  auto insert = Post("/api/generate", {{"model", "tiny"},
                                       {"prompt", "def f("},
                                       {"suffix", "return x"},
                                       {"template", "<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>"},
                                       {"stream", false},
                                       {"options", {{"num_predict", 1}}}});
  ASSERT_TRUE(insert);
  ASSERT_EQ(insert->status, 200) << insert->body;
  auto tokens = Post("/api/tokenize", {{"model", "tiny"}, {"content", "<PRE> def f( <SUF>return x <MID>"}});
  ASSERT_TRUE(tokens);
  EXPECT_EQ(Json::parse(insert->body)["prompt_eval_count"],
            Json::parse(tokens->body)["tokens"].size() + 1);  // BOS
}

TEST_F(ServerTest, HugeBodiesAreRefused) {
  const std::string big(2 << 20, 'a');
  auto res =
      client_->Post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"" + big + "\"}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  // The server still answers.
  auto ok = client_->Get("/api/version");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServerTest, OpenAiChatCompletions) {
  const Json request{
      {"model", "tiny"},
      {"messages", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Hello there"}}}}}}},
      {"max_tokens", 7},
      {"temperature", 0}};
  auto whole = Post("/v1/chat/completions", request);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200) << whole->body;
  const Json answer = Json::parse(whole->body);
  EXPECT_EQ(answer["object"], "chat.completion");
  EXPECT_TRUE(answer["id"].get<std::string>().starts_with("chatcmpl-"));
  EXPECT_EQ(answer["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(answer["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(answer["usage"]["completion_tokens"], 7);
  EXPECT_EQ(answer["usage"]["total_tokens"].get<int>(),
            answer["usage"]["prompt_tokens"].get<int>() + answer["usage"]["completion_tokens"].get<int>());

  Json streamed_request = request;
  streamed_request["stream"] = true;
  streamed_request["stream_options"] = {{"include_usage", true}};
  const std::vector<std::string> frames = SseData(PostStream("/v1/chat/completions", streamed_request));
  ASSERT_GE(frames.size(), 4u);
  EXPECT_EQ(frames.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 3 < frames.size(); ++i) {
    const Json chunk = Json::parse(frames[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    text += chunk["choices"][0]["delta"]["content"].get<std::string>();
  }
  const Json finish = Json::parse(frames[frames.size() - 3]);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  const Json usage = Json::parse(frames[frames.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 7);
  EXPECT_EQ(text, answer["choices"][0]["message"]["content"].get<std::string>());
}

TEST_F(ServerTest, OpenAiCompletionsModelsAndErrors) {
  auto completion = Post("/v1/completions", {{"model", "tiny"}, {"prompt", "Once upon"}, {"max_tokens", 5}});
  ASSERT_TRUE(completion);
  ASSERT_EQ(completion->status, 200) << completion->body;
  const Json c = Json::parse(completion->body);
  EXPECT_EQ(c["object"], "text_completion");
  EXPECT_EQ(c["usage"]["completion_tokens"], 5);
  EXPECT_TRUE(c["choices"][0]["text"].is_string());

  const Json models = Json::parse(client_->Get("/v1/models")->body);
  EXPECT_EQ(models["object"], "list");
  ASSERT_EQ(models["data"].size(), 1u);
  EXPECT_EQ(models["data"][0]["id"], "tiny:latest");
  EXPECT_EQ(models["data"][0]["owned_by"], "library");
  auto one = client_->Get("/v1/models/tiny:latest");
  ASSERT_TRUE(one);
  EXPECT_EQ(Json::parse(one->body)["id"], "tiny:latest");

  auto missing =
      Post("/v1/chat/completions", {{"model", "nope"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["error"]["type"], "not_found_error");
  auto empty = Post("/v1/chat/completions", {{"model", "tiny"}, {"messages", Json::array()}});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(Json::parse(empty->body)["error"]["type"], "invalid_request_error");
  auto no_model = client_->Get("/v1/models/nope");
  ASSERT_TRUE(no_model);
  EXPECT_EQ(no_model->status, 404);
  auto tools =
      Post("/v1/chat/completions", {{"model", "tiny"},
                                    {"messages", {{{"role", "user"}, {"content", "x"}}}},
                                    {"tools", {{{"type", "function"}, {"function", {{"name", "f"}}}}}}});
  ASSERT_TRUE(tools);
  EXPECT_EQ(tools->status, 400);
  EXPECT_EQ(Json::parse(tools->body)["error"]["message"], "tiny:latest does not support tools");
}

TEST_F(ServerTest, TagsTokenizeDetokenize) {
  const Json tags = Json::parse(client_->Get("/api/tags")->body);
  ASSERT_EQ(tags["models"].size(), 1u);
  EXPECT_EQ(tags["models"][0]["name"], "tiny:latest");
  EXPECT_EQ(tags["models"][0]["size"], 1234);
  auto tok = Post("/api/tokenize", {{"model", "tiny"}, {"content", "Hello world"}});
  ASSERT_TRUE(tok);
  ASSERT_EQ(tok->status, 200) << tok->body;
  const Json ids = Json::parse(tok->body)["tokens"];
  EXPECT_EQ(ids, Json({9906, 1917}));  // llama-bpe: "Hello", " world"
  auto detok = Post("/api/detokenize", {{"model", "tiny"}, {"tokens", ids}});
  ASSERT_TRUE(detok);
  EXPECT_EQ(Json::parse(detok->body)["content"], "Hello world");
  auto bad = Post("/api/detokenize", {{"model", "tiny"}, {"tokens", {-1}}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(ServerTest, CorsAllowsLocalAndConfiguredOrigins) {
  httplib::Headers local{{"Origin", "http://localhost:3000"}};
  auto ok = client_->Get("/api/version", local);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
  auto configured = client_->Get("/api/version", {{"Origin", "https://chat.example.com"}});
  ASSERT_TRUE(configured);
  EXPECT_EQ(configured->status, 200);
  auto evil = client_->Get("/api/version", {{"Origin", "https://evil.test"}});
  ASSERT_TRUE(evil);
  EXPECT_EQ(evil->status, 403);
  auto preflight = client_->Options("/v1/chat/completions", local);
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
}

TEST_F(ServerTest, ConcurrentClientsEachGetTheirOwnAnswer) {
  const std::vector<std::string> prompts = {
      "The capital of France", "def main():",        "1, 1, 2, 3, 5, 8,", "Roses are red",
      "SELECT * FROM",         "Hola, ¿cómo estás?", "Once upon a time",  "import numpy as np"};
  auto request = [](const std::string& prompt) {
    return Json{{"model", "tiny"}, {"prompt", prompt}, {"options", {{"num_predict", 16}}}};
  };
  std::vector<std::string> alone;
  for (const std::string& p : prompts) {
    std::string text;
    for (const Json& line : NdjsonLines(PostStream("/api/generate", request(p)))) text += line["response"];
    alone.push_back(text);
  }
  std::vector<std::string> together(prompts.size());
  std::vector<std::thread> clients;
  for (size_t i = 0; i < prompts.size(); ++i) {
    clients.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(60, 0);
      const StreamedBody streamed = PostStreaming(client, "/api/generate", request(prompts[i]).dump());
      for (const Json& line : NdjsonLines(streamed.body)) together[i] += line["response"];
    });
  }
  for (std::thread& t : clients) t.join();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(together[i], alone[i]) << prompts[i];
}

// 32 clients stream at once, again and again for a bounded time, through 4 slots and a waiting queue:
// every answer is exactly the one its prompt gets alone, and the server still answers afterwards.
TEST_F(ServerTest, ThirtyTwoStreamingClientsUnderLoad) {
  constexpr int kClients = 32;
  auto request = [](int i) {
    return Json{{"model", "tiny"},
                {"prompt", "Client " + std::to_string(i) + " asks about item " + std::to_string(i * 7 % 13)},
                {"options", {{"num_predict", 6 + i % 5}}}};
  };
  auto stream = [&](httplib::Client& client, int i) {
    const StreamedBody streamed = PostStreaming(client, "/api/generate", request(i).dump());
    if (!streamed.ok) return std::string("<failed>");
    std::string text;
    for (const Json& line : NdjsonLines(streamed.body)) text += line["response"].get<std::string>();
    return text;
  };
  std::vector<std::string> alone(kClients);
  for (int i = 0; i < kClients; ++i) alone[static_cast<size_t>(i)] = stream(*client_, i);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  std::vector<int> rounds(kClients, 0), wrong(kClients, 0);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(120, 0);
      do {
        if (stream(client, i) != alone[static_cast<size_t>(i)]) ++wrong[static_cast<size_t>(i)];
        ++rounds[static_cast<size_t>(i)];
      } while (std::chrono::steady_clock::now() < deadline);
    });
  }
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(wrong[static_cast<size_t>(i)], 0) << "client " << i << " of " << rounds[static_cast<size_t>(i)];
  }
  auto after = Post(
      "/api/generate",
      {{"model", "tiny"}, {"prompt", "still there?"}, {"stream", false}, {"options", {{"num_predict", 2}}}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(Json::parse(client_->Get("/api/ps")->body)["models"].size(), 1u);
}

TEST_F(ServerTest, AClientThatHangsUpFreesItsSequence) {
  // An unbounded generation; the client reads two chunks and closes the connection.
  int chunks = 0;
  PostStream("/api/generate",
             {{"model", "tiny"}, {"prompt", "Tell me everything"}, {"options", {{"num_predict", -1}}}},
             [&](const std::string&) { return ++chunks < 2; });
  Result<sched::Scheduler::Lease> lease = scheduler_->Acquire("tiny", std::nullopt, 0);
  ASSERT_TRUE(lease.ok());
  bool freed = false;
  for (int i = 0; i < 300 && !freed; ++i) {
    freed = (*lease)->model().runner()->stats().running == 0;
    if (!freed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(freed) << "the sequence kept running after its client left";
}

TEST_F(ServerTest, FormatStopAndLogprobs) {
  // format "json": a JSON object, and the sequence ends when it is complete.
  auto json = Post("/api/generate", {{"model", "tiny"},
                                     {"prompt", "Describe a cat"},
                                     {"stream", false},
                                     {"format", "json"},
                                     {"options", {{"num_predict", 400}, {"temperature", 0.7}, {"seed", 5}}}});
  ASSERT_TRUE(json);
  ASSERT_EQ(json->status, 200) << json->body;
  const Json j = Json::parse(json->body);
  const Json parsed = Json::parse(j["response"].get<std::string>(), nullptr, false);
  EXPECT_TRUE(parsed.is_object()) << j["response"];

  // A JSON schema, through Ollama's format and OpenAI's response_format.
  const Json schema = {{"type", "object"},
                       {"properties",
                        {{"name", {{"type", "string"}, {"maxLength", 8}}},
                         {"age", {{"type", "integer"}, {"minimum", 0}, {"maximum", 150}}}}},
                       {"required", {"name", "age"}}};
  auto chat = Post("/api/chat", {{"model", "tiny"},
                                 {"messages", {{{"role", "user"}, {"content", "Who?"}}}},
                                 {"stream", false},
                                 {"format", schema},
                                 {"options", {{"num_predict", 200}}}});
  ASSERT_EQ(chat->status, 200) << chat->body;
  const Json person =
      Json::parse(Json::parse(chat->body)["message"]["content"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(person.is_object()) << chat->body;
  // maxLength counts characters (code points), not bytes.
  auto characters = [](const std::string& u) {
    return std::count_if(u.begin(), u.end(),
                         [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  };
  EXPECT_TRUE(person["name"].is_string() && characters(person["name"].get<std::string>()) <= 8) << person;
  EXPECT_TRUE(person["age"].is_number_integer() && person["age"] >= 0 && person["age"] <= 150) << person;
  auto openai = Post(
      "/v1/chat/completions",
      {{"model", "tiny"},
       {"messages", {{{"role", "user"}, {"content", "Who?"}}}},
       {"max_tokens", 200},
       {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "p"}, {"schema", schema}}}}}});
  ASSERT_EQ(openai->status, 200) << openai->body;
  const Json p2 = Json::parse(
      Json::parse(openai->body)["choices"][0]["message"]["content"].get<std::string>(), nullptr, false);
  EXPECT_TRUE(p2.is_object() && p2.contains("name") && p2.contains("age")) << openai->body;
  auto unsupported =
      Post("/api/generate",
           {{"model", "tiny"}, {"prompt", "x"}, {"format", {{"type", "array"}, {"uniqueItems", true}}}});
  EXPECT_EQ(unsupported->status, 400);
  EXPECT_NE(unsupported->body.find("uniqueItems"), std::string::npos) << unsupported->body;
  auto bad_format = Post("/api/generate", {{"model", "tiny"}, {"prompt", "x"}, {"format", "yaml"}});
  EXPECT_EQ(bad_format->status, 400);

  // Stop strings: the text ends right before the first one, streamed or not.
  const Json plain_request{
      {"model", "tiny"}, {"prompt", "Stop here"}, {"stream", false}, {"options", {{"num_predict", 24}}}};
  const std::string full = Json::parse(Post("/api/generate", plain_request)->body)["response"];
  ASSERT_GT(full.size(), 16u);
  const std::string stop = full.substr(full.size() / 2, 5);
  Json stop_request = plain_request;
  stop_request["options"]["stop"] = {stop, "zzzz-never"};
  const Json stopped = Json::parse(Post("/api/generate", stop_request)->body);
  EXPECT_EQ(stopped["response"], full.substr(0, full.find(stop)));
  EXPECT_EQ(stopped["done_reason"], "stop");
  stop_request["stream"] = true;
  std::string streamed;
  for (const Json& line : NdjsonLines(PostStream("/api/generate", stop_request)))
    streamed += line["response"];
  EXPECT_EQ(streamed, full.substr(0, full.find(stop)));

  // Logprobs: one entry per token, each with its alternatives.
  auto lp = Post("/api/generate", {{"model", "tiny"},
                                   {"prompt", "x"},
                                   {"stream", false},
                                   {"logprobs", true},
                                   {"top_logprobs", 2},
                                   {"options", {{"num_predict", 4}}}});
  ASSERT_EQ(lp->status, 200) << lp->body;
  const Json lps = Json::parse(lp->body)["logprobs"];
  ASSERT_EQ(lps.size(), 4u);
  EXPECT_LE(lps[0]["logprob"].get<double>(), 0);
  EXPECT_EQ(lps[0]["top_logprobs"].size(), 2u);
  EXPECT_TRUE(lps[0]["bytes"].is_array());
  auto too_many = Post("/api/generate", {{"model", "tiny"}, {"prompt", "x"}, {"top_logprobs", 21}});
  EXPECT_EQ(too_many->status, 400);
  auto oai_lp = Post("/v1/chat/completions", {{"model", "tiny"},
                                              {"messages", {{{"role", "user"}, {"content", "x"}}}},
                                              {"max_tokens", 3},
                                              {"logprobs", true},
                                              {"top_logprobs", 1}});
  ASSERT_EQ(oai_lp->status, 200) << oai_lp->body;
  EXPECT_EQ(Json::parse(oai_lp->body)["choices"][0]["logprobs"]["content"].size(), 3u);
}

double Norm(const Json& v) {
  double sum = 0;
  for (const Json& x : v) sum += x.get<double>() * x.get<double>();
  return std::sqrt(sum);
}

TEST_F(ServerTest, AnEmbeddingModelEmbedsAndRefusesToGenerate) {
  auto embed = Post("/api/embed", {{"model", "minilm"}, {"input", {"Hello world", "Goodbye"}}});
  ASSERT_TRUE(embed);
  ASSERT_EQ(embed->status, 200) << embed->body;
  const Json e = Json::parse(embed->body);
  ASSERT_EQ(e["embeddings"].size(), 2u);
  EXPECT_EQ(e["embeddings"][0].size(), 64u);
  EXPECT_NEAR(Norm(e["embeddings"][0]), 1.0, 1e-5);
  EXPECT_NE(e["embeddings"][0], e["embeddings"][1]);
  EXPECT_EQ(e["prompt_eval_count"].get<int>(), 4 + 3);  // [CLS] hello world [SEP], [CLS] goodbye [SEP]

  // Ollama answers 400 '"all-minilm" does not support generate' for an embedding model.
  auto generate = Post("/api/generate", {{"model", "minilm"}, {"prompt", "Hello"}, {"stream", false}});
  ASSERT_TRUE(generate);
  EXPECT_EQ(generate->status, 400) << generate->body;
  EXPECT_NE(generate->body.find("does not support generate"), std::string::npos) << generate->body;
  auto chat =
      Post("/api/chat",
           {{"model", "minilm"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"stream", false}});
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->status, 400) << chat->body;
  EXPECT_NE(chat->body.find("does not support chat"), std::string::npos) << chat->body;
  auto openai = Post("/v1/chat/completions",
                     {{"model", "minilm"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  ASSERT_TRUE(openai);
  EXPECT_EQ(openai->status, 400) << openai->body;
  EXPECT_EQ(Json::parse(openai->body)["error"]["type"], "invalid_request_error");
}

TEST_F(ServerTest, Embeddings) {
  auto embed = Post("/api/embed", {{"model", "tiny"}, {"input", {"Hello world", "Goodbye"}}});
  ASSERT_TRUE(embed);
  ASSERT_EQ(embed->status, 200) << embed->body;
  const Json e = Json::parse(embed->body);
  ASSERT_EQ(e["embeddings"].size(), 2u);
  EXPECT_EQ(e["embeddings"][0].size(), 64u);  // n_embd
  EXPECT_NEAR(Norm(e["embeddings"][0]), 1.0, 1e-5);
  EXPECT_NE(e["embeddings"][0], e["embeddings"][1]);
  EXPECT_GT(e["prompt_eval_count"].get<int>(), 2);

  // The legacy endpoint: the same direction, not normalized.
  auto legacy = Post("/api/embeddings", {{"model", "tiny"}, {"prompt", "Hello world"}});
  ASSERT_TRUE(legacy);
  const Json raw = Json::parse(legacy->body)["embedding"];
  ASSERT_EQ(raw.size(), 64u);
  const double raw_norm = Norm(raw);
  EXPECT_GT(std::fabs(raw_norm - 1.0), 0.1);
  for (size_t i = 0; i < raw.size(); ++i) {
    EXPECT_NEAR(raw[i].get<double>() / raw_norm, e["embeddings"][0][i].get<double>(), 1e-5);
  }

  // dimensions: cut, then normalized again.
  auto cut = Post("/api/embed", {{"model", "tiny"}, {"input", "Hello world"}, {"dimensions", 16}});
  const Json c = Json::parse(cut->body)["embeddings"][0];
  ASSERT_EQ(c.size(), 16u);
  EXPECT_NEAR(Norm(c), 1.0, 1e-5);

  // Too long without truncation is refused; with it (the default) the input is cut to the context.
  const std::string long_text(6000, 'z');
  auto refused = Post("/api/embed", {{"model", "tiny"}, {"input", long_text}, {"truncate", false}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("exceeds the context length"), std::string::npos);
  auto truncated = Post("/api/embed", {{"model", "tiny"}, {"input", long_text}});
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->status, 200);
  EXPECT_EQ(Json::parse(truncated->body)["prompt_eval_count"], 1024);

  auto empty = Post("/api/embed", {{"model", "tiny"}, {"input", Json::array()}});
  EXPECT_EQ(Json::parse(empty->body)["embeddings"], Json::array());
  auto bad = Post("/api/embed", {{"model", "tiny"}, {"input", {1, 2}}});
  EXPECT_EQ(bad->status, 400);

  // OpenAI: floats, and base64 of the same little-endian float32 values.
  auto floats = Post("/v1/embeddings", {{"model", "tiny"}, {"input", "Hello world"}});
  ASSERT_EQ(floats->status, 200) << floats->body;
  const Json f = Json::parse(floats->body);
  EXPECT_EQ(f["object"], "list");
  EXPECT_EQ(f["data"][0]["object"], "embedding");
  EXPECT_EQ(f["data"][0]["index"], 0);
  EXPECT_EQ(f["data"][0]["embedding"], e["embeddings"][0]);
  EXPECT_GT(f["usage"]["prompt_tokens"].get<int>(), 0);
  auto b64 =
      Post("/v1/embeddings", {{"model", "tiny"}, {"input", {"Hello world"}}, {"encoding_format", "base64"}});
  ASSERT_EQ(b64->status, 200) << b64->body;
  const std::string text = Json::parse(b64->body)["data"][0]["embedding"];
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (ch == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(digits.find(ch));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  ASSERT_EQ(bytes.size(), 64 * sizeof(float));
  for (size_t i = 0; i < 64; ++i) {
    float v;
    std::memcpy(&v, bytes.data() + i * sizeof(float), sizeof(float));
    EXPECT_EQ(v, f["data"][0]["embedding"][i].get<float>());
  }
  auto bad_format = Post("/v1/embeddings", {{"model", "tiny"}, {"input", "x"}, {"encoding_format", "int8"}});
  EXPECT_EQ(bad_format->status, 400);
}

TEST_F(ServerTest, PromptsLongerThanTheContextAreCutAsOllamaCutsThem) {
  std::string long_prompt;
  for (int i = 0; i < 1500; ++i) long_prompt += " hello";
  // num_ctx 1024: 4 kept tokens plus BOS, then the newest, leaving half of the rest free:
  // 1024 - (1024 - 5) / 2 = 515 tokens evaluated.
  auto cut = Post("/api/generate", {{"model", "tiny"},
                                    {"prompt", long_prompt},
                                    {"raw", true},
                                    {"stream", false},
                                    {"options", {{"num_predict", 2}}}});
  ASSERT_TRUE(cut);
  ASSERT_EQ(cut->status, 200) << cut->body;
  EXPECT_EQ(Json::parse(cut->body).at("prompt_eval_count"), 515);
  EXPECT_EQ(Json::parse(cut->body).at("eval_count"), 2);
  // num_keep moves the kept head.
  auto keep = Post("/api/generate", {{"model", "tiny"},
                                     {"prompt", long_prompt},
                                     {"raw", true},
                                     {"stream", false},
                                     {"options", {{"num_predict", 1}, {"num_keep", 100}}}});
  ASSERT_TRUE(keep);
  EXPECT_EQ(Json::parse(keep->body).at("prompt_eval_count"), 1024 - (1024 - 101) / 2);
  // truncate: false refuses instead.
  auto refused = Post(
      "/api/generate",
      {{"model", "tiny"}, {"prompt", long_prompt}, {"raw", true}, {"stream", false}, {"truncate", false}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(Json::parse(refused->body).at("error").get<std::string>().find("num_ctx"), std::string::npos);
  // OpenAI's completions cut the same way.
  auto openai = Post("/v1/completions", {{"model", "tiny"}, {"prompt", long_prompt}, {"max_tokens", 1}});
  ASSERT_TRUE(openai);
  ASSERT_EQ(openai->status, 200) << openai->body;
  EXPECT_EQ(Json::parse(openai->body).at("usage").at("prompt_tokens"), 515);

  // A chat too long for the context loses its oldest messages, not the system one nor the last.
  Json messages = Json::array({{{"role", "system"}, {"content", "Be brief."}}});
  for (int i = 0; i < 12; ++i) {
    messages.push_back({{"role", i % 2 ? "assistant" : "user"}, {"content", long_prompt.substr(0, 900)}});
  }
  messages.push_back({{"role", "user"}, {"content", "Last question?"}});
  auto chat =
      Post("/api/chat",
           {{"model", "tiny"}, {"messages", messages}, {"stream", false}, {"options", {{"num_predict", 1}}}});
  ASSERT_TRUE(chat);
  ASSERT_EQ(chat->status, 200) << chat->body;
  const int evaluated = Json::parse(chat->body).at("prompt_eval_count");
  EXPECT_LE(evaluated, 1024);
  EXPECT_GT(evaluated, 1024 - 200);  // whole messages went, as few as needed (each ~150 tokens)
  auto whole = Post("/api/chat", {{"model", "tiny"},
                                  {"messages", messages},
                                  {"stream", false},
                                  {"truncate", false},
                                  {"options", {{"num_predict", 1}}}});
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 400) << whole->body;
}

TEST(KeepAlive, ParsesGoDurationsAndSeconds) {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  EXPECT_EQ(*sched::ParseKeepAlive("5m"), minutes(5));
  EXPECT_EQ(*sched::ParseKeepAlive("1h30m"), minutes(90));
  EXPECT_EQ(*sched::ParseKeepAlive("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*sched::ParseKeepAlive("300"), seconds(300));
  EXPECT_EQ(*sched::ParseKeepAlive("0"), seconds(0));
  EXPECT_LT(sched::ParseKeepAlive("-1m")->count(), 0);
  EXPECT_LT(sched::ParseKeepAlive("-1")->count(), 0);
  for (const char* bad : {"", "soon", "m5", "5 m", "1d", "--1s"})
    EXPECT_FALSE(sched::ParseKeepAlive(bad).ok()) << bad;
}

}  // namespace
}  // namespace corral::server
