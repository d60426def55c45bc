#include "app/eval_memory_command.h"

#include "app/command_support.h"
#include "app/server_app.h"
#include "common/file.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "knowledge/index/bm25_index.h"
#include "net/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>
#include <thread>

namespace brainstem::app {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRateLimitedRetries = 5;

struct EvalTurn {
  std::string dia_id, speaker, text, session_date;
};
struct EvalQuestion {
  std::string question, answer;
  std::vector<std::string> evidence;
  int category = 0;
};
struct Sample {
  std::string id, speaker_a;
  std::vector<std::vector<EvalTurn>> sessions;
  std::vector<EvalQuestion> qa;
  // Filled while loading.
  std::string api_key, trajectory_id;
  std::map<std::string, std::string> dia_of_turn;  // turn id → dia_id
};

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return v.is_null() ? std::string() : json_text(v);
}

Result<std::vector<Sample>> read_samples(const std::string& text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_array()) return Status::invalid("the file is not a JSON list of samples");
  std::vector<Sample> out;
  for (const auto& item : doc.as_array()) {
    const auto* sample = item.if_object();
    const auto* conversation = sample ? sample->if_contains("conversation") : nullptr;
    if (!conversation || !conversation->is_object()) return Status::invalid("a sample has no conversation object");
    const auto& c = conversation->as_object();
    Sample s;
    s.id = sample->contains("sample_id") ? scalar_text(sample->at("sample_id")) : "sample-" + std::to_string(out.size() + 1);
    s.speaker_a = c.contains("speaker_a") ? scalar_text(c.at("speaker_a")) : "";
    for (int n = 1;; ++n) {
      const auto* session = c.if_contains("session_" + std::to_string(n));
      if (!session) break;
      if (!session->is_array()) return Status::invalid(s.id + ": session_" + std::to_string(n) + " is not a list");
      const auto* date = c.if_contains("session_" + std::to_string(n) + "_date_time");
      std::vector<EvalTurn> turns;
      for (const auto& t : session->as_array()) {
        const auto* turn = t.if_object();
        if (!turn || !turn->contains("text") || !turn->contains("dia_id")) {
          return Status::invalid(s.id + ": a turn needs dia_id and text");
        }
        turns.push_back({scalar_text(turn->at("dia_id")), turn->contains("speaker") ? scalar_text(turn->at("speaker")) : "",
                         scalar_text(turn->at("text")), date ? scalar_text(*date) : ""});
      }
      s.sessions.push_back(std::move(turns));
    }
    if (const auto* qa = sample->if_contains("qa"); qa && qa->is_array()) {
      for (const auto& q : qa->as_array()) {
        const auto* question = q.if_object();
        if (!question || !question->contains("question")) return Status::invalid(s.id + ": a qa item needs a question");
        EvalQuestion e;
        e.question = scalar_text(question->at("question"));
        if (const auto* answer = question->if_contains("answer")) e.answer = scalar_text(*answer);
        if (const auto* evidence = question->if_contains("evidence"); evidence && evidence->is_array()) {
          for (const auto& d : evidence->as_array()) e.evidence.push_back(scalar_text(d));
        }
        if (const auto* category = question->if_contains("category")) {
          e.category = category->is_number() ? category->to_number<int>() : std::atoi(scalar_text(*category).c_str());
        }
        s.qa.push_back(std::move(e));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string category_name(int category) {
  switch (category) {
    case 1: return "single-hop";
    case 2: return "multi-hop";
    case 3: return "temporal";
    case 4: return "open-domain";
    case 5: return "adversarial";
    default: return "category " + std::to_string(category);
  }
}

// SQuAD-style answer tokens: lower case, punctuation dropped, articles dropped.
std::vector<std::string> answer_tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "a" && word != "an" && word != "the") out.push_back(word);
    word.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) word += static_cast<char>(std::tolower(c));
    else if (std::isspace(c)) flush();
  }
  flush();
  return out;
}

double token_f1(std::string_view predicted, std::string_view gold) {
  auto p = answer_tokens(predicted), g = answer_tokens(gold);
  if (p.empty() || g.empty()) return p.empty() && g.empty() ? 1.0 : 0.0;
  std::map<std::string, int> counts;
  for (const auto& t : g) ++counts[t];
  int common = 0;
  for (const auto& t : p) {
    if (auto it = counts.find(t); it != counts.end() && it->second > 0) {
      --it->second;
      ++common;
    }
  }
  if (common == 0) return 0;
  double precision = double(common) / double(p.size()), recall = double(common) / double(g.size());
  return 2 * precision * recall / (precision + recall);
}

// What one (mode, category) cell sums.
struct Cell {
  int questions = 0, scored = 0;
  double any5 = 0, all5 = 0, any10 = 0, all10 = 0, reciprocal_rank = 0;
  std::vector<double> latency_ms;
  double f1 = 0;       // answers: token F1 summed
  int64_t tokens = 0;  // answers: tokens used

  // `ranked`: the dia_ids found, best first.
  void add(const EvalQuestion& q, const std::vector<std::string>& ranked, double ms) {
    ++questions;
    latency_ms.push_back(ms);
    if (q.evidence.empty()) return;
    ++scored;
    auto rank_of = [&](const std::string& dia) {
      auto it = std::find(ranked.begin(), ranked.end(), dia);
      return it == ranked.end() ? 1000 : static_cast<int>(it - ranked.begin()) + 1;
    };
    int best = 1000, worst = 0;
    for (const auto& dia : q.evidence) {
      int rank = rank_of(dia);
      best = std::min(best, rank);
      worst = std::max(worst, rank);
    }
    any5 += best <= 5;
    all5 += worst <= 5;
    any10 += best <= 10;
    all10 += worst <= 10;
    if (best <= 10) reciprocal_rank += 1.0 / best;
  }
  void merge(const Cell& other) {
    questions += other.questions;
    scored += other.scored;
    any5 += other.any5, all5 += other.all5, any10 += other.any10, all10 += other.all10;
    reciprocal_rank += other.reciprocal_rank;
    f1 += other.f1;
    tokens += other.tokens;
    latency_ms.insert(latency_ms.end(), other.latency_ms.begin(), other.latency_ms.end());
  }
  double share(double sum) const { return scored ? sum / scored : 0; }
  double p50() const {
    if (latency_ms.empty()) return 0;
    std::vector<double> sorted = latency_ms;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    return sorted[sorted.size() / 2];
  }
};

class Evaluation {
 public:
  Evaluation(const EvalMemoryCommand& cmd, std::string server, std::vector<Sample> samples, std::ostream& err)
      : cmd_(cmd), server_(std::move(server)), samples_(std::move(samples)), err_(err), progress_(isatty(2) != 0) {}

  asio::awaitable<Status> run() {
    int64_t total = 0;
    for (const auto& s : samples_) {
      for (const auto& session : s.sessions) total += static_cast<int64_t>(session.size());
    }
    int64_t loaded = 0;
    for (auto& sample : samples_) {
      Status s = co_await load(sample, loaded, total);
      if (!s.is_ok()) co_return s;
    }
    if (progress_) err_ << "\n";
    for (auto& sample : samples_) {
      Status s = co_await wait_indexed(sample);
      if (!s.is_ok()) co_return s;
    }
    int64_t asked = 0, questions = 0;
    for (const auto& s : samples_) questions += static_cast<int64_t>(s.qa.size());
    for (auto& sample : samples_) {
      for (const auto& q : sample.qa) {
        for (const auto& mode : modes()) {
          Status s = co_await ask(sample, q, mode);
          if (!s.is_ok()) co_return s;
        }
        if (!cmd_.model.empty()) {
          Status s = co_await answer(sample, q);
          if (!s.is_ok()) co_return s;
        }
        ask_bm25(sample, q);
        if (progress_ && (++asked % 10 == 0 || asked == questions)) {
          err_ << "\r" << progress_bar(asked, questions) << " " << asked << "/" << questions << " questions" << std::flush;
        }
      }
    }
    if (progress_) err_ << "\n";
    co_return Status::ok();
  }

  void print(std::ostream& out) const {
    int64_t turns = 0, questions = 0;
    for (const auto& s : samples_) {
      questions += static_cast<int64_t>(s.qa.size());
      for (const auto& session : s.sessions) turns += static_cast<int64_t>(session.size());
    }
    if (cmd_.json) {
      json::array results;
      for (const auto& [key, cell] : rows()) {
        if (key.first == "answer") {
          double n = std::max(1, cell.questions);
          results.push_back(json::object{{"mode", key.first}, {"category", key.second}, {"questions", cell.questions},
                                         {"f1", cell.f1 / n}, {"tokens_per_question", double(cell.tokens) / n},
                                         {"p50_ms", cell.p50()}});
          continue;
        }
        results.push_back(json::object{{"mode", key.first},
                                       {"category", key.second},
                                       {"questions", cell.questions},
                                       {"scored", cell.scored},
                                       {"recall_at_5_any", cell.share(cell.any5)},
                                       {"recall_at_5_all", cell.share(cell.all5)},
                                       {"recall_at_10_any", cell.share(cell.any10)},
                                       {"recall_at_10_all", cell.share(cell.all10)},
                                       {"mrr_at_10", cell.share(cell.reciprocal_rank)},
                                       {"p50_ms", cell.p50()}});
      }
      out << json_text(json::object{{"conversations", samples_.size()}, {"turns", turns}, {"questions", questions},
                                    {"results", std::move(results)}})
          << "\n";
      return;
    }
    out << samples_.size() << " conversations, " << turns << " turns, " << questions << " questions\n\n";
    out << std::left << std::setw(10) << "mode" << std::setw(14) << "category" << std::right << std::setw(10)
        << "questions" << std::setw(9) << "R@5 any" << std::setw(9) << "R@5 all" << std::setw(10) << "R@10 any"
        << std::setw(10) << "R@10 all" << std::setw(8) << "MRR" << std::setw(10) << "p50 ms" << "\n";
    for (const auto& [key, cell] : rows()) {
      if (key.first == "answer") continue;
      out << std::left << std::setw(10) << key.first << std::setw(14) << key.second << std::right << std::setw(10)
          << cell.questions << std::fixed << std::setprecision(3);
      if (cell.scored == 0) {
        out << std::setw(9) << "-" << std::setw(9) << "-" << std::setw(10) << "-" << std::setw(10) << "-" << std::setw(8)
            << "-";
      } else {
        out << std::setw(9) << cell.share(cell.any5) << std::setw(9) << cell.share(cell.all5) << std::setw(10)
            << cell.share(cell.any10) << std::setw(10) << cell.share(cell.all10) << std::setw(8)
            << cell.share(cell.reciprocal_rank);
      }
      out << std::setw(10) << std::setprecision(2) << cell.p50() << "\n";
    }
    if (cmd_.model.empty()) return;
    out << "\nanswers by " << cmd_.model << " from the default mode's top 10\n";
    out << std::left << std::setw(14) << "category" << std::right << std::setw(10) << "questions" << std::setw(8) << "F1"
        << std::setw(12) << "tokens/q" << std::setw(10) << "p50 ms" << "\n";
    for (const auto& [key, cell] : rows()) {
      if (key.first != "answer") continue;
      double n = std::max(1, cell.questions);
      out << std::left << std::setw(14) << key.second << std::right << std::setw(10) << cell.questions << std::fixed
          << std::setprecision(3) << std::setw(8) << cell.f1 / n << std::setprecision(1) << std::setw(12)
          << double(cell.tokens) / n << std::setprecision(2) << std::setw(10) << cell.p50() << "\n";
    }
  }

 private:
  // The search modes asked: "" is the server's default for turns.
  std::vector<std::string> modes() const {
    if (cmd_.mode == "all") return {"keyword", "vector", "hybrid", ""};
    return {cmd_.mode};
  }

  // Per mode, each category and then "all", in a stable order.
  std::vector<std::pair<std::pair<std::string, std::string>, Cell>> rows() const {
    std::vector<std::pair<std::pair<std::string, std::string>, Cell>> out;
    std::vector<std::string> order = {"bm25"};
    for (const auto& m : modes()) order.push_back(m.empty() ? "default" : m);
    if (!cmd_.model.empty()) order.push_back("answer");
    for (const auto& mode : order) {
      Cell all;
      for (const auto& [key, cell] : cells_) {
        if (key.first != mode) continue;
        out.push_back({{mode, category_name(key.second)}, cell});
        all.merge(cell);
      }
      out.push_back({{mode, "all"}, all});
    }
    return out;
  }

  // Views and references only: every caller awaits at once, and GCC 12 mishandles temporaries
  // with destructors inside a co_await expression.
  asio::awaitable<Result<json::value>> send(std::string_view method, std::string_view path, const json::object& body,
                                            std::string_view key, std::string_view bearer = {}) {
    net::ClientRequest request;
    request.method = std::string(method);
    request.url = server_ + std::string(path);
    request.headers = {{"Content-Type", "application/json"}};
    if (!key.empty()) request.headers.push_back({"X-API-Key", std::string(key)});
    if (!bearer.empty()) request.headers.push_back({"Authorization", "Bearer " + std::string(bearer)});
    request.body = json_text(body);
    auto response = co_await client_.send(request);
    // A server's rate limit is waited out, as its Retry-After asks.
    for (int attempt = 0; response.ok() && response->status == 429 && attempt < kRateLimitedRetries; ++attempt) {
      int seconds = std::clamp(std::atoi(std::string(response->header("Retry-After")).c_str()), 1, 60);
      if (progress_) err_ << "\rrate limited: waiting " << seconds << " s" << std::flush;
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(seconds));
      co_await timer.async_wait(asio::use_awaitable);
      response = co_await client_.send(request);
    }
    if (!response.ok()) co_return response.status();
    const std::string what = request.method + " " + request.url;
    if (response->status >= 300) co_return Status::unavailable(what + ": " + error_of(*response));
    boost::system::error_code ec;
    json::value parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object()) co_return Status::unavailable(what + ": the answer is not a JSON object");
    co_return parsed;
  }

  // A new account whose API key the sample is loaded with (or the key given).
  asio::awaitable<Result<std::string>> tenant_key(const Sample& sample) {
    if (!cmd_.api_key.empty()) co_return cmd_.api_key;
    const std::string email = "eval-" + random_id("", 12) + "@example.com", password = random_id("pw-", 16);
    json::object signup{{"email", email}, {"password", password}, {"name", sample.id}};
    auto created = co_await send("POST", "/v1/auth/signup", signup, "");
    if (!created.ok()) co_return created.status();
    json::object login{{"email", email}, {"password", password}};
    auto session = co_await send("POST", "/v1/auth/login", login, "");
    if (!session.ok()) co_return session.status();
    const auto* data = session->as_object().if_contains("data");
    const std::string token = data && data->is_object() ? text_of(data->as_object(), "token") : "";
    if (token.empty()) co_return Status::unavailable("login gave no token");
    json::object named{{"name", "memory-eval"}};
    auto key = co_await send("POST", "/portal/api/keys", named, "", token);
    if (!key.ok()) co_return key.status();
    co_return text_of(key->as_object(), "key");
  }

  asio::awaitable<Status> load(Sample& sample, int64_t& loaded, int64_t total) {
    auto key = co_await tenant_key(sample);
    if (!key.ok()) co_return key.status();
    sample.api_key = *key;
    json::object named{{"name", sample.id}};
    auto trajectory = co_await send("POST", "/api/v1/trajectories", named, sample.api_key);
    if (!trajectory.ok()) co_return trajectory.status();
    sample.trajectory_id = text_of(trajectory->as_object(), "trajectory_id");
    for (size_t n = 0; n < sample.sessions.size(); ++n) {
      json::object scope_body{{"name", "session " + std::to_string(n + 1)},
                              {"trajectory_id", sample.trajectory_id},
                              {"token_budget", INT32_MAX}};
      auto scope = co_await send("POST", "/api/v1/scopes", scope_body, sample.api_key);
      if (!scope.ok()) co_return scope.status();
      const std::string scope_id = text_of(scope->as_object(), "scope_id");
      for (const auto& turn : sample.sessions[n]) {
        json::object metadata{{"speaker", turn.speaker}, {"dia_id", turn.dia_id}};
        if (!turn.session_date.empty()) metadata["session_date"] = turn.session_date;
        json::object body{{"scope_id", scope_id},
                          {"role", turn.speaker == sample.speaker_a ? "user" : "assistant"},
                          {"content", turn.text},
                          {"metadata", std::move(metadata)}};
        auto stored = co_await send("POST", "/api/v1/turns", body, sample.api_key);
        if (!stored.ok()) co_return stored.status();
        sample.dia_of_turn[text_of(stored->as_object(), "turn_id")] = turn.dia_id;
        ++loaded;
        if (progress_ && (loaded % 20 == 0 || loaded == total)) {
          err_ << "\r" << progress_bar(loaded, total) << " " << loaded << "/" << total << " turns loaded" << std::flush;
        }
      }
    }
    co_return Status::ok();
  }

  json::object search_body(const Sample& sample, const std::string& query, const std::string& mode, int limit) const {
    json::object body{{"query", query}, {"entity_types", json::array{"turn"}}, {"limit", limit}};
    if (!mode.empty()) body["search_mode"] = mode;
    json::array filters;
    if (!cmd_.api_key.empty()) filters.push_back(json::object{{"field", "trajectory_id"}, {"op", "eq"}, {"value", sample.trajectory_id}});
    body["filters"] = std::move(filters);
    return body;
  }

  // Turns are indexed off the write path: waits until the sample's last turn is found.
  asio::awaitable<Status> wait_indexed(const Sample& sample) {
    if (sample.sessions.empty() || sample.sessions.back().empty()) co_return Status::ok();
    const EvalTurn& last = sample.sessions.back().back();
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
      const json::object body = search_body(sample, last.text, "keyword", 100);
      auto found = co_await send("POST", "/api/v1/search", body, sample.api_key);
      if (!found.ok()) co_return found.status();
      for (const auto& r : found->as_object().at("results").as_array()) {
        auto dia = sample.dia_of_turn.find(text_of(r.as_object(), "entity_id"));
        if (dia != sample.dia_of_turn.end() && dia->second == last.dia_id) co_return Status::ok();
      }
      if (Clock::now() > deadline) co_return Status::unavailable(sample.id + ": turns were not searchable within 60 s");
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }

  asio::awaitable<Status> ask(const Sample& sample, const EvalQuestion& q, const std::string& mode) {
    const auto started = Clock::now();
    const json::object body = search_body(sample, q.question, mode, 10);
    auto found = co_await send("POST", "/api/v1/search", body, sample.api_key);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (!found.ok()) co_return found.status();
    std::vector<std::string> ranked;
    for (const auto& r : found->as_object().at("results").as_array()) {
      auto dia = sample.dia_of_turn.find(text_of(r.as_object(), "entity_id"));
      ranked.push_back(dia == sample.dia_of_turn.end() ? "" : dia->second);
    }
    cells_[{mode.empty() ? "default" : mode, q.category}].add(q, ranked, ms);
    if (mode.empty()) recalled_ = std::move(*found);
    co_return Status::ok();
  }

  // Asks the model the question with the turns the default mode recalled (searched again when
  // the default mode is not among those measured).
  asio::awaitable<Status> answer(const Sample& sample, const EvalQuestion& q) {
    if (cmd_.mode != "all") {
      const json::object body = search_body(sample, q.question, "", 10);
      auto found = co_await send("POST", "/api/v1/search", body, sample.api_key);
      if (!found.ok()) co_return found.status();
      recalled_ = std::move(*found);
    }
    std::string excerpts;
    for (const auto& r : recalled_.as_object().at("results").as_array()) {
      const auto& hit = r.as_object();
      const auto* metadata = hit.if_contains("metadata");
      const json::object none;
      const json::object& meta = metadata && metadata->is_object() ? metadata->as_object() : none;
      excerpts += "[" + text_of(meta, "session_date") + "] " + text_of(meta, "speaker") + ": " + text_of(hit, "snippet") + "\n";
    }
    json::array messages{
        json::object{{"role", "system"},
                     {"content", "Answer the question from the conversation excerpts with a short phrase only. If "
                                 "they do not say, answer: Not mentioned in the conversation."}},
        json::object{{"role", "user"}, {"content", "Excerpts:\n" + excerpts + "\nQuestion: " + q.question}}};
    const json::object body{{"model", cmd_.model}, {"messages", std::move(messages)}, {"temperature", 0}, {"max_tokens", 64}};
    const auto started = Clock::now();
    auto reply = co_await send("POST", "/v1/chat/completions", body, sample.api_key);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    if (!reply.ok()) co_return reply.status();
    const auto& choices = reply->as_object().at("choices").as_array();
    std::string text = choices.empty() ? "" : text_of(choices.front().as_object().at("message").as_object(), "content");
    Cell& cell = cells_[{"answer", q.category}];
    ++cell.questions;
    cell.latency_ms.push_back(ms);
    cell.f1 += token_f1(text, q.answer);
    if (const auto* usage = reply->as_object().if_contains("usage"); usage && usage->is_object()) {
      if (const auto* total = usage->as_object().if_contains("total_tokens"); total && total->is_number()) {
        cell.tokens += total->to_number<int64_t>();
      }
    }
    co_return Status::ok();
  }

  // Plain BM25 over the sample's turn texts alone, the floor every mode is read against.
  void ask_bm25(const Sample& sample, const EvalQuestion& q) {
    auto& index = bm25_[sample.id];
    if (!index.ids) {
      index.ids = std::make_unique<std::vector<std::string>>();
      index.index = std::make_unique<knowledge::Bm25Index>();
      for (const auto& session : sample.sessions) {
        for (const auto& turn : session) {
          index.index->add(index.ids->size(), turn.text);
          index.ids->push_back(turn.dia_id);
        }
      }
    }
    const auto started = Clock::now();
    auto hits = index.index->search(q.question, 10);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    std::vector<std::string> ranked;
    for (const auto& hit : hits) ranked.push_back((*index.ids)[hit.id]);
    cells_[{"bm25", q.category}].add(q, ranked, ms);
  }

  struct Bm25 {
    std::unique_ptr<std::vector<std::string>> ids;  // dia_id by document id
    std::unique_ptr<knowledge::Bm25Index> index;
  };

  const EvalMemoryCommand& cmd_;
  const std::string server_;
  std::vector<Sample> samples_;
  std::ostream& err_;
  const bool progress_;
  net::HttpClient client_;
  std::map<std::pair<std::string, int>, Cell> cells_;
  json::value recalled_;  // the default mode's answer to the question being asked
  std::map<std::string, Bm25> bm25_;
};

// An embedded server on a temporary data directory, for as long as it lives.
class EmbeddedServer {
 public:
  Status start(const std::string& config_file) {
    char pattern[] = "/tmp/brainstem-eval-XXXXXX";
    if (!mkdtemp(pattern)) return Status::unavailable("cannot create a temporary directory");
    dir_ = pattern;
    Config config;
    if (!config_file.empty()) {
      auto loaded = load_config(config_file);
      if (!loaded.ok()) return loaded.status();
      config = std::move(loaded).value();
    }
    config.data_dir = dir_ + "/data";
    config.listen = "127.0.0.1:0";
    config.access_log = false;
    config.limits = ops::RateLimits{0, 0, 0};  // the evaluation is its only client
    auto app = ServerApp::create(config);
    if (!app.ok()) return app.status();
    app_ = std::move(app).value();
    if (Status s = app_->start(); !s.is_ok()) return s;
    thread_ = std::thread([this] { app_->run(); });
    return Status::ok();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(app_->port()); }
  ~EmbeddedServer() {
    if (app_) {
      app_->stop();
      if (thread_.joinable()) thread_.join();
      app_.reset();
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

 private:
  std::string dir_;
  std::unique_ptr<ServerApp> app_;
  std::thread thread_;
};

}  // namespace

int run_eval_memory(const EvalMemoryCommand& command, std::ostream& out, std::ostream& err) {
  auto text = read_file(command.file);
  if (!text.ok()) {
    err << "brainstem: " << text.status().message() << "\n";
    return 1;
  }
  auto samples = read_samples(*text);
  if (!samples.ok()) {
    err << "brainstem: " << command.file << ": " << samples.status().message() << "\n";
    return 1;
  }
  EmbeddedServer embedded;
  std::string server = command.server;
  if (server.empty()) {
    if (Status s = embedded.start(command.config_file); !s.is_ok()) {
      err << "brainstem: " << s.message() << "\n";
      return 1;
    }
    server = embedded.url();
  }
  Evaluation evaluation(command, server, std::move(samples).value(), err);
  asio::io_context ioc;
  auto done = asio::co_spawn(ioc, evaluation.run(), asio::use_future);
  ioc.run();
  Status status = done.get();
  if (!status.is_ok()) {
    err << "brainstem: " << status.message() << "\n";
    return 1;
  }
  evaluation.print(out);
  return 0;
}

}  // namespace brainstem::app
