#include "a2a/peer.h"

#include "common/crypto.h"
#include "common/json_body.h"
#include "common/json_text.h"

namespace brainstem::a2a {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The card's JSON-RPC endpoint: its first JSONRPC interface, 1.0 preferred.
std::string jsonrpc_url(const json::object& card) {
  std::string found;
  if (const auto* list = card.if_contains("supportedInterfaces"); list && list->is_array()) {
    for (const auto& i : list->get_array()) {
      if (!i.is_object() || string_field(i.get_object(), "protocolBinding") != "JSONRPC") continue;
      if (found.empty() || string_field(i.get_object(), "protocolVersion") == "1.0") found = string_field(i.get_object(), "url");
    }
  }
  return found;
}

std::string text_of_parts(const json::value& holder) {
  const auto* o = holder.if_object();
  return o ? message_text(*o) : std::string();
}

}  // namespace

Peer::Peer(net::HttpClient& http, const net::AddressPolicy& policy, PeerEndpoint endpoint)
    : http_(http), policy_(policy), endpoint_(std::move(endpoint)) {}

asio::awaitable<Result<json::object>> Peer::card(bool refresh) {
  if (!refresh) {
    std::lock_guard lock(mu_);
    if (card_) co_return *card_;
  }
  net::ClientRequest req;
  req.method = "GET";
  req.url = endpoint_.card_url;
  req.timeout = endpoint_.timeout;
  req.address_policy = &policy_;
  req.headers = endpoint_.headers;
  req.headers.push_back({"A2A-Version", "1.0"});
  auto got = co_await http_.send(req);
  if (!got) co_return got.status();
  if (got->status != 200) co_return Status::unavailable("the agent card answered HTTP " + std::to_string(got->status));
  boost::system::error_code ec;
  json::value v = json::parse(got->body, ec);
  if (ec || !v.is_object()) co_return Status::unavailable("the agent card is not a JSON object");
  if (jsonrpc_url(v.get_object()).empty()) co_return Status::unavailable("the agent card offers no JSON-RPC interface");
  std::lock_guard lock(mu_);
  card_ = v.get_object();
  co_return *card_;
}

asio::awaitable<Result<std::vector<PeerSkill>>> Peer::skills(bool refresh) {
  auto got = co_await card(refresh);
  if (!got) co_return got.status();
  std::vector<PeerSkill> out;
  if (const auto* list = got->if_contains("skills"); list && list->is_array()) {
    for (const auto& s : list->get_array()) {
      if (!s.is_object()) continue;
      PeerSkill skill{string_field(s.get_object(), "id"), string_field(s.get_object(), "name"), string_field(s.get_object(), "description")};
      if (!skill.id.empty()) out.push_back(std::move(skill));
    }
  }
  co_return out;
}

asio::awaitable<Result<PeerReply>> Peer::send(const std::string& skill, const std::string& text, const std::string& caller_agent_id) {
  auto got = co_await card(false);
  if (!got) co_return got.status();
  json::object metadata{{"skill", skill}};
  if (!caller_agent_id.empty()) metadata["callerAgentId"] = caller_agent_id;
  json::object message{{"messageId", crypto::uuid_v4()}, {"role", "ROLE_USER"},
                       {"parts", json::array{json::object{{"text", text}}}}, {"metadata", std::move(metadata)}};
  json::object rpc{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "SendMessage"}, {"params", json::object{{"message", std::move(message)}}}};
  net::ClientRequest req;
  req.method = "POST";
  req.url = jsonrpc_url(*got);
  req.timeout = endpoint_.timeout;
  req.address_policy = &policy_;
  req.headers = endpoint_.headers;
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"A2A-Version", "1.0"});
  req.body = json_text(rpc);
  auto sent = co_await http_.send(req);
  if (!sent) co_return sent.status();
  boost::system::error_code ec;
  json::value v = json::parse(sent->body, ec);
  if (ec || !v.is_object()) co_return Status::unavailable("the agent answered HTTP " + std::to_string(sent->status) + " without JSON-RPC");
  const json::object& answer = v.get_object();
  if (const auto* err = answer.if_contains("error"); err && err->is_object()) {
    // Locals, not a ?: of temporaries in the co_return (GCC 12 mis-compiles those).
    const json::object& e = err->get_object();
    std::string code = "?";
    if (const auto* c = e.if_contains("code")) code = json_text(*c);
    co_return Status(StatusCode::kBadGateway, "the agent answered error " + code + ": " + string_field(e, "message"));
  }
  const auto* result = answer.if_contains("result");
  if (!result || !result->is_object()) co_return Status::unavailable("the agent's reply has no result");
  PeerReply reply;
  if (const auto* m = result->get_object().if_contains("message"); m && m->is_object()) {
    reply.text = text_of_parts(*m);
    reply.context_id = string_field(m->get_object(), "contextId");
    co_return reply;
  }
  const auto* task = result->get_object().if_contains("task");
  if (!task || !task->is_object()) co_return Status::unavailable("the agent's reply holds neither a task nor a message");
  const json::object& t = task->get_object();
  reply.task_id = string_field(t, "id");
  reply.context_id = string_field(t, "contextId");
  if (const auto* status = t.if_contains("status"); status && status->is_object()) {
    reply.state = parse_state(string_field(status->get_object(), "state")).value_or(TaskState::kWorking);
    if (const auto* m = status->get_object().if_contains("message")) reply.text = text_of_parts(*m);
  }
  if (const auto* artifacts = t.if_contains("artifacts"); artifacts && artifacts->is_array()) {
    std::string joined;
    for (const auto& a : artifacts->get_array()) {
      std::string piece = text_of_parts(a);
      if (piece.empty()) continue;
      if (!joined.empty()) joined += "\n\n";
      joined += piece;
    }
    if (!joined.empty()) reply.text = std::move(joined);
  }
  co_return reply;
}

}  // namespace brainstem::a2a
