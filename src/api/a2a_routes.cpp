// The A2A gateway (seed 002; protocol 1.0, 0.3 method names and shapes for 0.3 clients):
// signed agent cards, A2A tokens, JSON-RPC over HTTP with tasks kept in the store, task event
// streams and the delegation topology.
//
// A message to an agent is a task: created as submitted, run through the pipeline as working,
// then completed (the answer as an artifact and as the agent's message) or failed or canceled.
// Which agent: the route's ?agentId=, the message's metadata.agentId, the caller's agent (an
// A2A token's, a locked key's), or the workspace's only active agent. Which skill: the
// message's metadata.skill — "converse" (the default: the whole pipeline) or
// "knowledge_search" (passages from the workspace's knowledge, no model). An A2A token is
// bound to one agent and lists the skills it may use; anything else is refused.
#include "a2a/protocol.h"
#include "api/agent_message.h"
#include "api/handler_util.h"
#include "api/routes.h"
#include "auth/a2a_token.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_body.h"
#include "common/json_text.h"
#include "http/sse.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;
using a2a::TaskState;
namespace code = a2a::rpc_code;

namespace {

constexpr const char* kConverse = "converse";
constexpr const char* kKnowledgeSearch = "knowledge_search";
constexpr std::array<const char*, 2> kSkills = {kConverse, kKnowledgeSearch};
// Polling period of a task stream other than the sender's: the store is the one source, so
// any node can serve it.
constexpr auto kStreamPoll = std::chrono::milliseconds(100);
constexpr size_t kMaxMessageChars = 32000;

// A JSON-RPC failure: the code the A2A specification gives it, and the HTTP status it goes with.
struct RpcError {
  int code;
  std::string message;
  int http_status = 200;
};

http::Response error_response(const json::value& id, const RpcError& e) {
  return http::Response::json(e.http_status, rpc_error(id, e.code, e.message));
}

// The store's and services' failures in JSON-RPC terms.
RpcError rpc_error_of(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return {code::kTaskNotFound, s.message()};
    case StatusCode::kValidation:
    case StatusCode::kInvalidArgument: return {code::kInvalidParams, s.message()};
    case StatusCode::kPermissionDenied: return {code::kUnsupportedOperation, s.message(), 403};
    case StatusCode::kPaymentRequired: return {code::kInternalError, s.message(), 402};
    case StatusCode::kRateLimited: return {code::kInternalError, s.message(), 429};
    default: return {code::kInternalError, s.message(), s.code() == StatusCode::kUnavailable ? 503 : 500};
  }
}

// Where this server is reached: the configured public URL, or the Host the client used.
std::string base_url(const Services& svc, const http::Request& req) {
  if (!svc.options.public_url.empty()) return svc.options.public_url;
  std::string host(req.header("Host"));
  const bool plain = !host.empty() && host.size() < 256 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
  return "http://" + (plain ? host : std::string("localhost"));
}

json::object skill_card(const std::string& id, const std::string& name, const std::string& description,
                        json::array tags, json::array examples) {
  return json::object{{"id", id}, {"name", name}, {"description", description}, {"tags", std::move(tags)},
                      {"examples", std::move(examples)}};
}

json::array agent_skills(const std::string& prefix, const std::string& agent_name) {
  return json::array{
      skill_card(prefix + kConverse, agent_name.empty() ? "Converse" : agent_name,
                 "Ask " + (agent_name.empty() ? std::string("an agent") : agent_name) +
                     " a question; it answers from its instructions, memory and the workspace's knowledge",
                 json::array{"chat", "question-answering"}, json::array{"What is your refund policy?"}),
      skill_card(prefix + kKnowledgeSearch, "Knowledge search",
                 "The passages of the workspace's knowledge that best match the message, with citations",
                 json::array{"search", "retrieval"}, json::array{"warranty terms"})};
}

// An A2A 1.0 card. Only fields of the 1.0 schema, none of them empty or false by default, so
// the canonical form a verifier computes is the one signed here.
json::object card(const Services& svc, const std::string& base, std::string name, std::string description,
                  const std::string& endpoint, json::array skills) {
  return json::object{
      {"name", std::move(name)},
      {"description", std::move(description)},
      {"supportedInterfaces", json::array{json::object{{"url", endpoint}, {"protocolBinding", "JSONRPC"}, {"protocolVersion", "1.0"}}}},
      {"provider", json::object{{"organization", "brainstem"}, {"url", base}}},
      {"version", svc.options.version},
      {"documentationUrl", base + "/openapi.json"},
      {"capabilities", json::object{{"streaming", true}, {"pushNotifications", false}}},
      {"securitySchemes",
       json::object{{"apiKey", json::object{{"httpAuthSecurityScheme",
                                             json::object{{"scheme", "Bearer"}, {"description", "A workspace API key"}}}}},
                    {"a2aToken", json::object{{"httpAuthSecurityScheme",
                                               json::object{{"scheme", "Bearer"}, {"bearerFormat", "a2a"},
                                                            {"description", "A token from POST /v1/a2a/tokens: one agent, some skills, short-lived"}}}}}}},
      {"securityRequirements", json::array{json::object{{"schemes", json::object{{"apiKey", json::object{{"list", json::array{}}}}}}},
                                           json::object{{"schemes", json::object{{"a2aToken", json::object{{"list", json::array{}}}}}}}}},
      {"defaultInputModes", json::array{"text/plain", "application/json"}},
      {"defaultOutputModes", json::array{"text/plain", "application/json"}},
      {"skills", std::move(skills)}};
}

http::Response signed_card(const Services& svc, const http::Request& req, json::object unsigned_card) {
  auto res = http::Response::json(200, svc.card_signer.sign(std::move(unsigned_card), base_url(svc, req) + "/.well-known/jwks.json"));
  res.set_header("Cache-Control", "public, max-age=300");
  return res;
}

asio::awaitable<std::vector<store::Agent>> active_agents(Services& svc, const std::string& tenant) {
  co_return unwrap(co_await svc.agents.list_active(tenant));
}

// --- running a task

// Where a task's events go while it runs here: the sender's stream, or nowhere.
using EventSink = std::function<asio::awaitable<void>(const json::object& stream_response)>;

struct TaskRun {
  std::string tenant_id;
  std::string task_id;
  std::string context_id;
  std::string skill;
  pipeline::MessageRequest request;
};

json::object status_event(const json::object& task) {
  return json::object{{"statusUpdate", json::object{{"taskId", task.at("id")}, {"contextId", task.at("contextId")}, {"status", task.at("status")}}}};
}

json::object artifact_event(const TaskRun& run, json::object artifact, bool append, bool last_chunk) {
  json::object update{{"taskId", run.task_id}, {"contextId", run.context_id}, {"artifact", std::move(artifact)}};
  if (append) update["append"] = true;
  if (last_chunk) update["lastChunk"] = true;
  return json::object{{"artifactUpdate", std::move(update)}};
}

// The knowledge_search skill: passages as data and as text, no model.
asio::awaitable<std::pair<std::string, json::object>> search_knowledge(Services& svc, const TaskRun& run) {
  knowledge::SearchRequest search;
  search.tenant_id = run.tenant_id;
  search.query = run.request.message;
  auto found = co_await svc.knowledge.search(search);
  auto hits = unwrap(std::move(found));
  json::array passages;
  std::string text;
  for (const auto& h : hits) {
    std::string citation = knowledge::citation_of(h.chunk);
    text += "[" + citation + "] " + h.chunk.text + "\n\n";
    passages.push_back(json::object{{"citation", citation}, {"text", h.chunk.text}, {"score", h.score}});
  }
  if (text.empty()) text = "No passage matches.";
  json::object artifact{{"artifactId", crypto::uuid_v4()}, {"name", "passages"},
                        {"parts", json::array{json::object{{"data", json::object{{"passages", std::move(passages)}}}},
                                              json::object{{"text", text}}}}};
  co_return std::pair{text, std::move(artifact)};
}

// Runs a submitted task to a final state, telling `sink` what happens; returns the final task.
// The run goes on when the sender's stream goes away: only CancelTask stops it.
asio::awaitable<json::object> run_task(Services& svc, TaskRun run, EventSink sink) {
  auto canceled = svc.a2a_tasks.running(run.tenant_id, run.task_id);
  auto emit = [&sink](json::object event) -> asio::awaitable<void> {
    if (sink) co_await sink(event);
  };
  std::optional<json::object> final_task;
  Status failure;
  try {
    auto working = co_await svc.a2a_tasks.advance(run.tenant_id, run.task_id, TaskState::kWorking);
    json::object working_task = unwrap(std::move(working));
    json::object working_event = status_event(working_task);
    co_await emit(std::move(working_event));
    std::string reply;
    json::object artifact;
    bool streamed = false;
    if (run.skill == kKnowledgeSearch) {
      std::pair<std::string, json::object> found = co_await search_knowledge(svc, run);
      reply = std::move(found.first);
      artifact = std::move(found.second);
    } else {
      const std::string artifact_id = crypto::uuid_v4();
      pipeline::StreamSink tokens = [&](const pipeline::StreamEvent& event) -> asio::awaitable<bool> {
        if (canceled->load()) co_return false;
        if (const auto* token = std::get_if<pipeline::TokenEvent>(&event); token && sink) {
          json::object chunk{{"artifactId", artifact_id}, {"name", "answer"}, {"parts", json::array{json::object{{"text", token->text}}}}};
          json::object event = artifact_event(run, std::move(chunk), streamed, false);
          co_await emit(std::move(event));
          streamed = true;
        }
        co_return true;
      };
      auto state = co_await svc.pipeline.admit(run.request);
      pipeline::MessageResult result = co_await svc.pipeline.run(*state, &tokens);
      reply = result.reply;
      artifact = json::object{{"artifactId", artifact_id}, {"name", "answer"},
                              {"parts", json::array{json::object{{"text", reply}}}},
                              {"metadata", json::object{{"model", result.model_used}, {"cached", result.cached},
                                                        {"sessionId", result.session_id}}}};
    }
    if (!canceled->load()) {
      if (streamed) {  // the stream has the text; this closes the artifact
        json::object last{{"artifactId", artifact.at("artifactId")}, {"name", "answer"}, {"parts", json::array{json::object{{"text", std::string()}}}}};
        json::object event = artifact_event(run, std::move(last), true, true);
        co_await emit(std::move(event));
      } else {
        json::object event = artifact_event(run, artifact, false, true);
        co_await emit(std::move(event));
      }
      json::object answer = a2a::agent_message(reply, run.context_id, run.task_id);
      json::array artifacts{artifact};
      auto done = co_await svc.a2a_tasks.advance(run.tenant_id, run.task_id, TaskState::kCompleted, std::move(answer),
                                                 std::move(artifacts));
      final_task = unwrap(std::move(done));
    }
  } catch (const StatusError& e) {
    if (e.status.code() == StatusCode::kInternal) spdlog::error("{} a2a task {}: {}", run.request.request_id, run.task_id, e.what());
    failure = e.status;
  }
  if (!failure.is_ok()) {
    json::object why = a2a::agent_message(failure.message(), run.context_id, run.task_id);
    auto failed = co_await svc.a2a_tasks.advance(run.tenant_id, run.task_id, TaskState::kFailed, std::move(why));
    if (failed) final_task = std::move(failed.value());
  }
  svc.a2a_tasks.finished(run.tenant_id, run.task_id);
  if (!final_task) {  // canceled, or the store failed: what is stored is what happened
    auto stored = co_await svc.a2a_tasks.get(run.tenant_id, run.task_id);
    final_task.emplace();
    if (stored) final_task = std::move(stored.value());
  }
  if (final_task->contains("status")) {
    json::object event = status_event(*final_task);
    co_await emit(std::move(event));
  }
  co_return std::move(*final_task);
}

// --- JSON-RPC

struct Call {
  json::value id;
  std::string method;  // the 1.0 name
  bool legacy = false;  // a 0.3 method name: 0.3 shapes in, 0.3 shapes out
  json::object params;
};

struct MethodName {
  const char* v10;
  const char* v03;
};
constexpr std::array<MethodName, 6> kMethods{{{"SendMessage", "message/send"},
                                              {"SendStreamingMessage", "message/stream"},
                                              {"GetTask", "tasks/get"},
                                              {"ListTasks", "tasks/list"},
                                              {"CancelTask", "tasks/cancel"},
                                              {"SubscribeToTask", "tasks/resubscribe"}}};

bool is_push_config_method(std::string_view m) {
  return m.find("PushNotificationConfig") != std::string_view::npos || m.starts_with("tasks/pushNotificationConfig/");
}

class A2aGateway {
 public:
  explicit A2aGateway(Services& svc) : svc_(svc) {}

  asio::awaitable<http::Response> jsonrpc(http::Request& req, RequestContext& ctx) {
    boost::system::error_code ec;
    json::value parsed = json::parse(req.body, ec);
    if (ec) co_return error_response(nullptr, {code::kParseError, "the body is not JSON"});
    if (!parsed.is_object()) co_return error_response(nullptr, {code::kInvalidRequest, "a JSON-RPC request is one object (batches are not supported)"});
    json::object& body = parsed.get_object();
    Call call;
    if (const auto* id = body.if_contains("id")) {
      if (!id->is_string() && !id->is_int64() && !id->is_uint64() && !id->is_null())
        co_return error_response(nullptr, {code::kInvalidRequest, "id must be a string, a number or null"});
      call.id = *id;
    }
    if (string_field(body, "jsonrpc") != "2.0") co_return error_response(call.id, {code::kInvalidRequest, "jsonrpc must be \"2.0\""});
    const std::string method = string_field(body, "method");
    if (method.empty()) co_return error_response(call.id, {code::kInvalidRequest, "method is required"});
    if (const auto* p = body.if_contains("params"); p && !p->is_null()) {
      if (!p->is_object()) co_return error_response(call.id, {code::kInvalidParams, "params must be an object"});
      call.params = p->get_object();
    }
    const std::string version(req.header("A2A-Version"));
    if (!version.empty() && version != "1.0" && version != "0.3")
      co_return error_response(call.id, {code::kVersionNotSupported, "A2A-Version " + version + " is not supported; use 1.0 or 0.3"});
    for (const auto& m : kMethods) {
      if (method == m.v10) call.method = m.v10;
      else if (method == m.v03 && version != "1.0") {
        call.method = m.v10;
        call.legacy = true;
      }
    }
    if (call.method.empty()) {
      if (is_push_config_method(method))
        co_return error_response(call.id, {code::kPushNotificationNotSupported, "push notifications are not supported; stream or poll instead"});
      co_return error_response(call.id, {code::kMethodNotFound, "method " + method + " is not supported"});
    }
    if (call.method == "SendMessage") co_return co_await send(req, ctx, call, false);
    if (call.method == "SendStreamingMessage") co_return co_await send(req, ctx, call, true);
    if (call.method == "GetTask") co_return co_await get_task(ctx, call);
    if (call.method == "ListTasks") co_return co_await list_tasks(ctx, call);
    if (call.method == "CancelTask") co_return co_await cancel_task(ctx, call);
    co_return co_await subscribe(ctx, call);
  }

  // GET /v1/a2a/tasks/:id/stream: the task, then its changes until it is final.
  asio::awaitable<http::Response> stream(http::Request& req, RequestContext& ctx) {
    const std::string id(req.param("id"));
    auto found = co_await caller_task(ctx, id, std::nullopt);
    if (!found) throw StatusError(found.status());
    co_return watch(ctx.caller().tenant_id, std::move(found.value()), [](json::object event) {
      return http::sse_event("", event);
    });
  }

 private:
  // The task if the caller may see it: a token or a locked key sees its agent's tasks only.
  asio::awaitable<Result<json::object>> caller_task(RequestContext& ctx, const std::string& id, std::optional<int> history) {
    auto found = co_await svc_.a2a_tasks.get(ctx.caller().tenant_id, id, history);
    if (!found) co_return found.status();
    const std::string& locked = ctx.caller().agent_id;
    if (!locked.empty()) {
      const auto* meta = found->if_contains("metadata");
      if (!meta || !meta->is_object() || string_field(meta->get_object(), "agentId") != locked)
        co_return Status::not_found("task " + id + " not found");
    }
    co_return found;
  }

  static json::object render_task(const Call& call, json::object task) {
    return call.legacy ? a2a::task_v03(task) : std::move(task);
  }

  static std::optional<int> history_length(const json::object& o) {
    const auto* v = o.if_contains("historyLength");
    if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<int>(std::min<int64_t>(v->get_int64(), 1000));
    return std::nullopt;
  }

  // The agent and skill a message is for; refuses what the caller may not use.
  asio::awaitable<Result<std::pair<std::string, std::string>>> target_of(const http::Request& req, RequestContext& ctx,
                                                                           const json::object& message) {
    const auth::Principal& caller = ctx.caller();
    json::object meta;
    if (const auto* m = message.if_contains("metadata"); m && m->is_object()) meta = m->get_object();
    std::string skill = string_field(meta, "skill");
    std::string agent = req.query_param("agentId").value_or("");
    if (agent.empty()) agent = string_field(meta, "agentId");
    if (auto slash = skill.find('/'); slash != std::string::npos) {  // a fleet card's "<agent>/<skill>"
      if (agent.empty()) agent = skill.substr(0, slash);
      skill = skill.substr(slash + 1);
    }
    if (skill.empty()) skill = kConverse;
    if (std::find(kSkills.begin(), kSkills.end(), skill) == kSkills.end())
      co_return Status::validation("message.metadata.skill", "unknown skill " + skill + "; the skills are converse and knowledge_search");
    if (agent.empty()) agent = caller.agent_id;
    if (!caller.agent_id.empty() && agent != caller.agent_id)
      co_return Status::forbidden("this credential is bound to agent " + caller.agent_id);
    if (caller.a2a_token && std::find(caller.a2a_skills.begin(), caller.a2a_skills.end(), skill) == caller.a2a_skills.end())
      co_return Status::forbidden("this A2A token may not use the skill " + skill);
    const auto agents = co_await active_agents(svc_, caller.tenant_id);
    if (agent.empty()) {
      if (agents.size() != 1)
        co_return Status::validation("message.metadata.agentId", "name the agent: this workspace has " + std::to_string(agents.size()) + " active agents");
      agent = agents.front().id;
    }
    if (std::none_of(agents.begin(), agents.end(), [&](const store::Agent& a) { return a.id == agent; }))
      co_return Status::validation("message.metadata.agentId", "no active agent " + agent + " in this workspace");
    co_return std::pair{agent, skill};
  }

  asio::awaitable<http::Response> send(http::Request& req, RequestContext& ctx, const Call& call, bool streaming) {
    const auto* given = call.params.if_contains("message");
    if (!given) co_return error_response(call.id, {code::kInvalidParams, "params.message is required"});
    auto read = a2a::read_message(*given);
    if (!read) co_return error_response(call.id, {code::kInvalidParams, read.status().message()});
    json::object message = std::move(read.value());
    const std::string text = a2a::message_text(message);
    if (text.empty() || text.size() > kMaxMessageChars)
      co_return error_response(call.id, {code::kInvalidParams, "the message needs text (or data) of at most 32000 characters"});
    json::object config;
    if (const auto* c = call.params.if_contains("configuration"); c && c->is_object()) config = c->get_object();
    const std::optional<int> history = history_length(config);
    // 1.0 says returnImmediately; 0.3 said blocking (false: return at once).
    const auto* immediately = config.if_contains("returnImmediately");
    const auto* blocking = config.if_contains("blocking");
    const bool return_now = (immediately && immediately->is_bool() && immediately->get_bool()) ||
                            (call.legacy && blocking && blocking->is_bool() && !blocking->get_bool());

    std::string context = string_field(message, "contextId");
    if (auto task_id = string_field(message, "taskId"); !task_id.empty()) {
      auto existing = co_await caller_task(ctx, task_id, std::nullopt);
      if (!existing) co_return error_response(call.id, rpc_error_of(existing.status()));
      const auto state = a2a::parse_state(string_field(existing->at("status").as_object(), "state"));
      co_return error_response(call.id, {code::kUnsupportedOperation,
                                         "task " + task_id + " is " + std::string(a2a::state_short(state.value_or(TaskState::kWorking))) +
                                             " and takes no more messages; send a new message in its context (contextId) instead"});
    }
    auto target = co_await target_of(req, ctx, message);
    if (!target) co_return error_response(call.id, rpc_error_of(target.status()));
    const auto& [agent, skill] = target.value();
    if (co_await svc_.budgets.state(ctx.caller().tenant_id) == ops::BudgetState::kBlock)
      co_return error_response(call.id, {code::kInternalError, "the workspace's daily budget is spent", 402});

    a2a::TaskDraft draft;
    draft.tenant_id = ctx.caller().tenant_id;
    draft.agent_id = agent;
    draft.skill = skill;
    draft.context_id = context;
    if (const auto* m = message.if_contains("metadata"); m && m->is_object()) draft.caller_agent_id = string_field(m->get_object(), "callerAgentId");
    draft.message = message;
    auto created = co_await svc_.a2a_tasks.create(std::move(draft));
    if (!created) co_return error_response(call.id, rpc_error_of(created.status()));
    json::object task = std::move(created.value());

    TaskRun run;
    run.tenant_id = ctx.caller().tenant_id;
    run.task_id = string_field(task, "id");
    run.context_id = string_field(task, "contextId");
    run.skill = skill;
    fill_caller(run.request, ctx);
    run.request.agent_id = agent;
    run.request.message = text;
    run.request.session_id = "a2a-" + run.context_id;
    run.request.channel = "a2a";

    if (streaming) {
      const bool legacy = call.legacy;
      json::value id = call.id;
      json::object first = task;
      co_return http::Response::event_stream(
          [this, run = std::move(run), first = std::move(first), id, legacy](http::StreamWriter& out) mutable -> asio::awaitable<void> {
            bool open = true;
            auto frame = [&](const json::object& event) {
              return http::sse_event("", rpc_result(id, legacy ? a2a::stream_event_v03(event) : event));
            };
            json::object opening{{"task", std::move(first)}};
            const std::string opening_frame = frame(opening);
            open = co_await out.write(opening_frame);
            EventSink sink = [&](const json::object& event) -> asio::awaitable<void> {
              if (!open) co_return;
              const std::string text = frame(event);
              open = co_await out.write(text);
            };
            co_await run_task(svc_, std::move(run), sink);
            if (open) co_await out.write_last("");
          });
    }
    if (return_now) {
      auto executor = co_await asio::this_coro::executor;
      svc_.background.spawn(executor, [](Services& svc, TaskRun run) -> asio::awaitable<void> {
        co_await run_task(svc, std::move(run), nullptr);
      }(svc_, std::move(run)));
      co_return reply_task(call, a2a::task_view(std::move(task), history, true));
    }
    json::object done = co_await run_task(svc_, std::move(run), nullptr);
    co_return reply_task(call, a2a::task_view(std::move(done), history, true));
  }

  static http::Response reply_task(const Call& call, json::object task) {
    if (call.legacy) return http::Response::json(200, rpc_result(call.id, a2a::task_v03(task)));
    return http::Response::json(200, rpc_result(call.id, json::object{{"task", std::move(task)}}));
  }

  asio::awaitable<http::Response> get_task(RequestContext& ctx, const Call& call) {
    const std::string id = string_field(call.params, "id");
    if (id.empty()) co_return error_response(call.id, {code::kInvalidParams, "params.id is required"});
    auto found = co_await caller_task(ctx, id, history_length(call.params));
    if (!found) co_return error_response(call.id, rpc_error_of(found.status()));
    co_return http::Response::json(200, rpc_result(call.id, render_task(call, std::move(found.value()))));
  }

  asio::awaitable<http::Response> cancel_task(RequestContext& ctx, const Call& call) {
    const std::string id = string_field(call.params, "id");
    if (id.empty()) co_return error_response(call.id, {code::kInvalidParams, "params.id is required"});
    auto found = co_await caller_task(ctx, id, std::nullopt);
    if (!found) co_return error_response(call.id, rpc_error_of(found.status()));
    auto canceled = co_await svc_.a2a_tasks.cancel(ctx.caller().tenant_id, id);
    if (!canceled) {
      if (canceled.status().code() == StatusCode::kConflict)
        co_return error_response(call.id, {code::kTaskNotCancelable, canceled.status().message()});
      co_return error_response(call.id, rpc_error_of(canceled.status()));
    }
    co_return http::Response::json(200, rpc_result(call.id, render_task(call, std::move(canceled.value()))));
  }

  asio::awaitable<http::Response> list_tasks(RequestContext& ctx, const Call& call) {
    FieldReader f(call.params);
    a2a::TaskQuery q;
    q.tenant_id = ctx.caller().tenant_id;
    q.agent_id = ctx.caller().agent_id;
    q.context_id = f.string("contextId", 1, 200).value_or("");
    if (auto status = f.string("status", 1, 64); status && *status != "TASK_STATE_UNSPECIFIED") {
      q.state = a2a::parse_state(*status);
      if (!q.state) f.fail("status", "is not a task state");
    }
    q.page_size = static_cast<int>(f.integer("pageSize", 1, 100).value_or(50));
    q.page_token = f.string("pageToken", 0, 200).value_or("");
    if (auto h = f.integer("historyLength", 0, 1000)) q.history_length = static_cast<int>(*h);
    q.include_artifacts = f.boolean("includeArtifacts").value_or(false);
    if (auto after = f.string("statusTimestampAfter", 1, 64)) {
      q.status_after_ms = parse_iso8601_ms(*after);
      if (!q.status_after_ms) f.fail("statusTimestampAfter", "must be an ISO 8601 time");
    }
    if (!f.ok()) co_return error_response(call.id, {code::kInvalidParams, f.status().message()});
    auto page = co_await svc_.a2a_tasks.list(q);
    if (!page) co_return error_response(call.id, rpc_error_of(page.status()));
    json::array tasks;
    for (auto& t : page->tasks) tasks.push_back(render_task(call, std::move(t.as_object())));
    co_return http::Response::json(200, rpc_result(call.id, json::object{{"tasks", std::move(tasks)},
                                                                         {"nextPageToken", page->next_page_token},
                                                                         {"pageSize", page->page_size},
                                                                         {"totalSize", page->total}}));
  }

  asio::awaitable<http::Response> subscribe(RequestContext& ctx, const Call& call) {
    const std::string id = string_field(call.params, "id");
    if (id.empty()) co_return error_response(call.id, {code::kInvalidParams, "params.id is required"});
    auto found = co_await caller_task(ctx, id, std::nullopt);
    if (!found) co_return error_response(call.id, rpc_error_of(found.status()));
    const auto state = a2a::parse_state(string_field(found->at("status").as_object(), "state"));
    if (state && a2a::is_final(*state))
      co_return error_response(call.id, {code::kUnsupportedOperation, "task " + id + " is already " + std::string(a2a::state_short(*state))});
    const bool legacy = call.legacy;
    json::value rpc_id = call.id;
    co_return watch(ctx.caller().tenant_id, std::move(found.value()), [legacy, rpc_id](json::object event) {
      return http::sse_event("", rpc_result(rpc_id, legacy ? a2a::stream_event_v03(event) : event));
    });
  }

  // A stream of a task from the store: the task, then a status update when its state changes
  // and an artifact update for each new artifact, until it is final.
  http::Response watch(std::string tenant, json::object task, std::function<std::string(json::object)> frame) {
    return http::Response::event_stream(
        [this, tenant, task = std::move(task), frame = std::move(frame)](http::StreamWriter& out) mutable -> asio::awaitable<void> {
          const std::string id = string_field(task, "id");
          const std::string context = string_field(task, "contextId");
          auto state_of = [](const json::object& t) { return string_field(t.at("status").as_object(), "state"); };
          std::string state = state_of(task);
          size_t artifacts = task.at("artifacts").as_array().size();
          json::object opening{{"task", task}};
          const std::string opening_frame = frame(std::move(opening));
          if (!co_await out.write(opening_frame)) co_return;
          asio::steady_timer timer(co_await asio::this_coro::executor);
          for (;;) {
            auto final_state = a2a::parse_state(state);
            if (final_state && a2a::is_final(*final_state)) break;
            timer.expires_after(kStreamPoll);
            co_await timer.async_wait(asio::use_awaitable);
            auto now = co_await svc_.a2a_tasks.get(tenant, id);
            if (!now) co_return;
            std::string chunk;
            const auto& list = now->at("artifacts").as_array();
            for (; artifacts < list.size(); ++artifacts) {
              chunk += frame(json::object{{"artifactUpdate", json::object{{"taskId", id}, {"contextId", context},
                                                                          {"artifact", list[artifacts]}, {"lastChunk", true}}}});
            }
            if (state_of(*now) != state) {
              state = state_of(*now);
              chunk += frame(status_event(*now));
            }
            if (!chunk.empty() && !co_await out.write(chunk)) co_return;
          }
          co_await out.write_last("");
        });
  }

  Services& svc_;
};

// --- management routes

constexpr const char* kTokenSchema =
    R"({"type":"object","required":["agentId","skills"],"properties":{"agentId":{"type":"string","minLength":1,"maxLength":200},)"
    R"("skills":{"type":"array","minItems":1,"maxItems":16,"items":{"type":"string"}},)"
    R"("ttlSeconds":{"type":"integer","minimum":1,"maximum":86400}}})";

void add_card_routes(RouteTable& t, Services& svc) {
  t.add({.method = "GET", .path = "/.well-known/agent-card.json", .family = Family::kSystem, .auth = Auth::kNone,
         .summary = "This server's A2A agent card (1.0), signed (JWS, EdDSA): the JSON-RPC endpoint, its security "
                    "schemes and the skills every agent offers",
         .handler = [&svc](http::Request& req, RequestContext&) -> asio::awaitable<http::Response> {
           const std::string base = base_url(svc, req);
           co_return signed_card(svc, req,
                                 card(svc, base, "brainstem", "Agents of the workspaces this server hosts. Authenticate with a "
                                                              "workspace API key or an A2A token; GET /v1/a2a/agent-card lists a workspace's agents.",
                                      base + "/v1/a2a/jsonrpc", agent_skills("", "")));
         }});
  t.add({.method = "GET", .path = "/.well-known/jwks.json", .family = Family::kSystem, .auth = Auth::kNone,
         .summary = "The public key agent cards are signed with (JWK set)",
         .handler = [&svc](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
           co_return http::Response::json(200, svc.card_signer.jwks());
         }});
  t.add({.method = "GET", .path = "/v1/a2a/agent-card", .family = Family::kCendriix, .auth = Auth::kAny, .a2a_token = true,
         .summary = "The workspace's fleet card: every active agent's skills (skill ids \"<agentId>/<skill>\"); with "
                    "?agentId= one agent's card, its endpoint bound to that agent. Signed like the server's card",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           const std::string base = base_url(svc, req);
           const auto agents = co_await active_agents(svc, ctx.caller().tenant_id);
           std::string only = req.query_param("agentId").value_or("");
           if (only.empty() && ctx.caller().a2a_token) only = ctx.caller().agent_id;
           if (!only.empty()) {
             auto it = std::find_if(agents.begin(), agents.end(), [&](const store::Agent& a) { return a.id == only; });
             if (it == agents.end()) throw StatusError(Status::not_found("no active agent " + only));
             co_return signed_card(svc, req, card(svc, base, it->name, "The agent \"" + it->name + "\" of this workspace",
                                                  base + "/v1/a2a/jsonrpc?agentId=" + it->id, agent_skills("", it->name)));
           }
           json::array skills;
           for (const auto& a : agents)
             for (auto& s : agent_skills(a.id + "/", a.name)) skills.push_back(std::move(s));
           co_return signed_card(svc, req, card(svc, base, "Workspace agents", "Every active agent of this workspace, one skill per agent and capability",
                                                base + "/v1/a2a/jsonrpc", std::move(skills)));
         }});
}

void add_token_route(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/a2a/tokens", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Issue an A2A bearer token bound to one agent and some of its skills, for ttlSeconds (default 3600, at most 86400)",
         .event = "a2a_token.created", .request_schema = kTokenSchema, .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auth::A2aTokenClaims claims;
           claims.agent_id = f.required_string("agentId", 1, 200);
           auto skills = f.string_array("skills", 16);
           const int64_t ttl = f.integer("ttlSeconds", 1, auth::kMaxA2aTokenSeconds).value_or(3600);
           check(f);
           if (!skills || skills->empty()) throw StatusError(Status::validation("skills", "name at least one skill"));
           for (const auto& s : *skills) {
             if (std::find(kSkills.begin(), kSkills.end(), s) == kSkills.end())
               throw StatusError(Status::validation("skills", "unknown skill " + s + "; the skills are converse and knowledge_search"));
           }
           const auth::Principal& caller = ctx.caller();
           if (caller.a2a_token) throw StatusError(Status::forbidden("an A2A token cannot issue tokens"));
           if (!caller.agent_id.empty() && caller.agent_id != claims.agent_id)
             throw StatusError(Status::forbidden("this key is bound to agent " + caller.agent_id));
           const auto agents = co_await active_agents(svc, caller.tenant_id);
           if (std::none_of(agents.begin(), agents.end(), [&](const store::Agent& a) { return a.id == claims.agent_id; }))
             throw StatusError(Status::not_found("no active agent " + claims.agent_id));
           claims.token_id = crypto::uuid_v4();
           claims.tenant_id = caller.tenant_id;
           claims.skills = *skills;
           claims.expires_at = now_ms() / 1000 + ttl;
           json::array skill_list;
           for (const auto& s : claims.skills) skill_list.push_back(json::value(s));
           co_return http::Response::json(201, json::object{{"token", auth::sign_a2a_token(claims, svc.authenticator.jwt_secret())},
                                                            {"tokenId", claims.token_id},
                                                            {"agentId", claims.agent_id},
                                                            {"skills", std::move(skill_list)},
                                                            {"expiresAt", iso8601(claims.expires_at * 1000)}});
         }});
}

}  // namespace

void add_a2a_routes(RouteTable& t, Services& svc) {
  auto gateway = std::make_shared<A2aGateway>(svc);
  add_card_routes(t, svc);
  add_token_route(t, svc);
  t.add({.method = "POST", .path = "/v1/a2a/jsonrpc", .family = Family::kCendriix, .auth = Auth::kKey, .a2a_token = true,
         .summary = "A2A JSON-RPC 2.0: SendMessage, SendStreamingMessage (SSE), GetTask, ListTasks, CancelTask, "
                    "SubscribeToTask (0.3's message/send, tasks/get... without A2A-Version: 1.0)",
         .handler = [gateway](http::Request& req, RequestContext& ctx) { return gateway->jsonrpc(req, ctx); }});
  t.add({.method = "GET", .path = "/v1/a2a/tasks/:id/stream", .family = Family::kCendriix, .auth = Auth::kKey, .a2a_token = true,
         .summary = "Server-sent events of an A2A task: the task, then status and artifact updates until it is final",
         .handler = [gateway](http::Request& req, RequestContext& ctx) { return gateway->stream(req, ctx); }});
  t.add({.method = "GET", .path = "/v1/a2a/topology", .family = Family::kCendriix, .auth = Auth::kAny,
         .summary = "Which agents delegated to which: A2A tasks, CELLSTATE delegations and handoffs, with counts",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto topology = co_await svc.a2a_tasks.topology(ctx.caller().tenant_id);
           co_return http::Response::json(200, unwrap(std::move(topology)));
         }});
}

}  // namespace brainstem::api
