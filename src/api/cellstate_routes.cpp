// CELLSTATE memory (seed 003): trajectories, scopes, turns, artifacts, notes, search,
// registered agents, locks, messages, delegations, handoffs and the event DAG. The handlers
// only carry the request to memory::CellState and its answer back; everything is scoped to
// the caller's tenant.
#include "api/handler_util.h"
#include "api/routes.h"
#include "http/multipart.h"
#include "memory/pack.h"

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// What every CELLSTATE handler gets: the service, the request, the caller's tenant.
struct Call {
  memory::CellState& memory;
  http::Request& req;
  std::string tenant;
  std::string id;  // the {id} path parameter, or empty
  memory::QueryLookup query;
  std::string principal;  // the calling user or API key
  int status = 200;       // what the route answers on success
};

using CallHandler = std::function<asio::awaitable<http::Response>(Call&)>;

// One row of a route table: a route answering `status` with the JSON its handler returns
// (204: nothing).
struct CellRoute {
  std::string method;
  std::string path;
  std::string summary;
  std::string event;  // the audit event of a mutating call, or empty
  CallHandler handler;
  std::string request_schema = "";
  int status = 200;
};

class Registrar {
 public:
  Registrar(RouteTable& table, Services& svc) : table_(table), svc_(svc) {}

  void add(std::string method, std::string path, std::string summary, std::string event, CallHandler handler,
           std::string request_schema = "", int status = 200) {
    add({{std::move(method), std::move(path), std::move(summary), std::move(event), std::move(handler),
          std::move(request_schema), status}});
  }

  void add(std::initializer_list<CellRoute> routes) {
    Services& svc = svc_;
    for (const CellRoute& route : routes) {
      table_.add({.method = route.method,
                  .path = route.path,
                  .family = Family::kCellstate,
                  .auth = Auth::kAny,
                  .summary = route.summary,
                  .event = route.event,
                  .request_schema = route.request_schema,
                  .success_status = route.status,
                  .handler = [&svc, handler = route.handler, route_status = route.status](
                                 http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
                    Call call{svc.cellstate, req, ctx.caller().tenant_id, std::string(req.param("id")),
                              [&req](std::string_view name) { return req.query_param(name); },
                              ctx.caller().actor(), route_status};
                    if (!call.id.empty()) ctx.audit["id"] = call.id;
                    auto response = co_await handler(call);
                    co_return response;
                  }});
    }
  }

 private:
  RouteTable& table_;
  Services& svc_;
};

http::Response ok(json::value body, int status = 200) { return http::Response::json(status, body); }
http::Response no_content() { return http::Response::empty(204); }

using memory::CellState;

// The handler that carries a request to one CellState method and its answer back. The method
// gets the caller's tenant, then what its parameters ask for: the path's id, the query, the
// JSON body, or the id with the body or the query. It answers the route's status with the
// returned JSON, or 204 when it returns nothing.
template <class Method>
CallHandler to(Method method) {
  return [method](Call& c) -> asio::awaitable<http::Response> {
    CellState& m = c.memory;
    auto task = [&] {
      if constexpr (std::is_invocable_v<Method, CellState&, std::string, std::string, CellState::Object>) {
        return (m.*method)(c.tenant, c.id, json_body(c.req));
      } else if constexpr (std::is_invocable_v<Method, CellState&, std::string, std::string, memory::QueryLookup>) {
        return (m.*method)(c.tenant, c.id, c.query);
      } else if constexpr (std::is_invocable_v<Method, CellState&, std::string, std::string>) {
        return (m.*method)(c.tenant, c.id);
      } else if constexpr (std::is_invocable_v<Method, CellState&, std::string, CellState::Object>) {
        return (m.*method)(c.tenant, json_body(c.req));
      } else if constexpr (std::is_invocable_v<Method, CellState&, std::string, memory::QueryLookup>) {
        return (m.*method)(c.tenant, c.query);
      } else {
        return (m.*method)(c.tenant);
      }
    }();
    using Answer = typename decltype(task)::value_type;
    if constexpr (std::is_void_v<Answer>) {
      co_await std::move(task);
      co_return no_content();
    } else {
      auto out = co_await std::move(task);
      co_return ok(std::move(out), c.status);
    }
  };
}

// Schemas of the request bodies, for /openapi.json (the handlers validate every field).
constexpr const char* kTrajectorySchema =
    R"({"type":"object","required":["name"],"properties":{"name":{"type":"string"},"description":{"type":["string","null"]},"agent_id":{"type":["string","null"],"format":"uuid"},"parent_trajectory_id":{"type":["string","null"],"format":"uuid"},"metadata":{"type":["object","null"]}}})";
constexpr const char* kScopeSchema =
    R"({"type":"object","required":["name","token_budget","trajectory_id"],"properties":{"name":{"type":"string"},"trajectory_id":{"type":"string","format":"uuid"},"parent_scope_id":{"type":["string","null"],"format":"uuid"},"purpose":{"type":["string","null"]},"token_budget":{"type":"integer","minimum":0},"metadata":{"type":["object","null"]}}})";
constexpr const char* kTurnSchema =
    R"({"type":"object","required":["scope_id","role","content"],"properties":{"scope_id":{"type":"string","format":"uuid"},"role":{"enum":["user","assistant","system","tool"]},"content":{"type":"string"},"sequence":{"type":"integer"},"token_count":{"type":"integer"},"tool_calls":{},"tool_results":{},"metadata":{"type":["object","null"]}}})";
constexpr const char* kArtifactSchema =
    R"({"type":"object","required":["artifact_type","content","extraction_method","name","scope_id","source_turn","trajectory_id","ttl"],"properties":{"artifact_type":{"type":"string"},"content":{"type":"string"},"extraction_method":{"type":"string"},"name":{"type":"string"},"scope_id":{"type":"string","format":"uuid"},"trajectory_id":{"type":"string","format":"uuid"},"source_turn":{"type":"integer"},"confidence":{"type":["number","null"]},"metadata":{"type":["object","null"]},"ttl":{}}})";
constexpr const char* kNoteSchema =
    R"({"type":"object","required":["content","note_type","source_artifact_ids","source_trajectory_ids","title","ttl"],"properties":{"title":{"type":"string"},"content":{"type":"string"},"note_type":{"type":"string"},"source_artifact_ids":{"type":"array","items":{"type":"string"}},"source_note_ids":{"type":"array","items":{"type":"string"}},"source_trajectory_ids":{"type":"array","items":{"type":"string"}},"metadata":{"type":["object","null"]},"ttl":{}}})";
constexpr const char* kSearchSchema =
    R"({"type":"object","required":["entity_types","filters","query"],"properties":{"entity_types":{"type":"array","items":{"type":"string"}},"filters":{"type":"array","items":{"type":"object"}},"limit":{"type":["integer","null"]},"query":{"type":"string"},"use_vector_search":{"type":["boolean","null"]},"search_mode":{"enum":["keyword","vector","hybrid"]}}})";
constexpr const char* kAgentSchema =
    R"({"type":"object","required":["agent_type","can_delegate_to","capabilities","memory_access"],"properties":{"agent_type":{},"can_delegate_to":{"type":"array","items":{"type":"string"}},"capabilities":{"type":"array","items":{"type":"string"}},"memory_access":{"type":"object"},"owner_principal_id":{"type":["string","null"]},"reports_to":{"type":["string","null"]}}})";
constexpr const char* kLockSchema =
    R"({"type":"object","required":["holder_agent_id","mode","resource_id","resource_type","timeout_ms"],"properties":{"holder_agent_id":{"type":"string","format":"uuid"},"mode":{"enum":["Exclusive","Shared"]},"resource_id":{"type":"string","format":"uuid"},"resource_type":{"enum":["trajectory","scope","artifact","note","agent"]},"timeout_ms":{"type":"integer","minimum":1}}})";
constexpr const char* kMessageSchema =
    R"({"type":"object","required":["artifact_ids","from_agent_id","message_type","payload","priority"],"properties":{"from_agent_id":{"type":"string","format":"uuid"},"to":{"type":["object","null"]},"message_type":{"type":"string"},"payload":{"type":"string"},"priority":{"enum":["low","normal","high","critical"]},"artifact_ids":{"type":"array","items":{"type":"string"}},"scope_id":{"type":["string","null"]},"trajectory_id":{"type":["string","null"]},"expires_at":{"type":["string","null"],"format":"date-time"}}})";
constexpr const char* kDelegationSchema =
    R"({"type":"object","required":["from_agent_id","to_agent_id","scope_id","trajectory_id","task_description"],"properties":{"from_agent_id":{"type":"string"},"to_agent_id":{"type":"string"},"scope_id":{"type":"string"},"trajectory_id":{"type":"string"},"task_description":{"type":"string"},"context":{"type":["object","null"]},"expected_completion":{"type":["string","null"]}}})";
constexpr const char* kHandoffSchema =
    R"({"type":"object","required":["from_agent_id","to_agent_id","scope_id","trajectory_id","reason","context_snapshot"],"properties":{"from_agent_id":{"type":"string"},"to_agent_id":{"type":"string"},"scope_id":{"type":"string"},"trajectory_id":{"type":"string"},"reason":{"type":"string"},"context_snapshot":{"type":"string"}}})";

void add_task_routes(Registrar& r) {
  r.add({
      {"GET", "/api/v1/trajectories", "List trajectories with filters", "", to(&CellState::list_trajectories)},
      {"POST", "/api/v1/trajectories", "Create a new trajectory", "cellstate.trajectory_created", to(&CellState::create_trajectory), kTrajectorySchema, 201},
      {"GET", "/api/v1/trajectories/{id}", "Get trajectory by ID", "", to(&CellState::get_trajectory)},
      {"DELETE", "/api/v1/trajectories/{id}", "Delete trajectory (one without child trajectories or scopes)", "cellstate.trajectory_deleted", to(&CellState::delete_trajectory), "", 204},
      {"PATCH", "/api/v1/trajectories/{id}", "Update trajectory", "cellstate.trajectory_updated", to(&CellState::update_trajectory)},
      {"GET", "/api/v1/trajectories/{id}/children", "List child trajectories", "", to(&CellState::trajectory_children)},
      {"GET", "/api/v1/trajectories/{id}/scopes", "List scopes for trajectory", "", to(&CellState::trajectory_scopes)},

      {"POST", "/api/v1/scopes", "Create a new scope with a token budget", "cellstate.scope_created", to(&CellState::create_scope), kScopeSchema, 201},
      {"GET", "/api/v1/scopes/{id}", "Get scope by ID", "", to(&CellState::get_scope)},
      {"PATCH", "/api/v1/scopes/{id}", "Update scope", "cellstate.scope_updated", to(&CellState::update_scope)},
      {"GET", "/api/v1/scopes/{id}/artifacts", "List artifacts for scope", "", to(&CellState::scope_artifacts)},
      {"POST", "/api/v1/scopes/{id}/checkpoint", "Create checkpoint", "cellstate.scope_checkpointed", to(&CellState::checkpoint_scope), R"({"type":"object","required":["context_state","recoverable"],"properties":{"context_state":{"type":"string","format":"byte"},"recoverable":{"type":"boolean"}}})", 201},
      {"POST", "/api/v1/scopes/{id}/close", "Close scope", "cellstate.scope_closed", to(&CellState::close_scope)},
      {"GET", "/api/v1/scopes/{id}/turns", "List turns for scope (the turns of the conversation with the scope's id)", "", to(&CellState::scope_turns)},
      {"POST", "/api/v1/turns", "Create a new turn (refused past the scope's token budget)", "cellstate.turn_created", to(&CellState::create_turn), kTurnSchema, 201},
      {"GET", "/api/v1/turns/{id}", "Get turn by ID", "", to(&CellState::get_turn)},
  });
}

void add_memory_routes(Registrar& r) {
  r.add({
      {"GET", "/api/v1/artifacts", "List artifacts with filters", "", to(&CellState::list_artifacts)},
      {"POST", "/api/v1/artifacts", "Create a new artifact", "cellstate.artifact_created", to(&CellState::create_artifact), kArtifactSchema, 201},
  });
  r.add("POST", "/api/v1/artifacts/search", "Search artifacts (keywords, or embedding similarity)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          std::string only = "artifact";
          auto out = co_await c.memory.search(c.tenant, std::move(body), only);
          co_return ok(std::move(out));
        }, kSearchSchema);
  r.add({
      {"GET", "/api/v1/artifacts/{id}", "Get artifact by ID (counts an access)", "", to(&CellState::get_artifact)},
      {"DELETE", "/api/v1/artifacts/{id}", "Delete artifact", "cellstate.artifact_deleted", to(&CellState::delete_artifact), "", 204},
      {"PATCH", "/api/v1/artifacts/{id}", "Update artifact", "cellstate.artifact_updated", to(&CellState::update_artifact)},

      {"GET", "/api/v1/notes", "List notes with filters", "", to(&CellState::list_notes)},
      {"POST", "/api/v1/notes", "Create a new note", "cellstate.note_created", to(&CellState::create_note), kNoteSchema, 201},
  });
  r.add("POST", "/api/v1/notes/search", "Search notes (keywords, or embedding similarity)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          std::string only = "note";
          auto out = co_await c.memory.search(c.tenant, std::move(body), only);
          co_return ok(std::move(out));
        }, kSearchSchema);
  r.add({
      {"GET", "/api/v1/notes/{id}", "Get note by ID (counts an access)", "", to(&CellState::get_note)},
      {"DELETE", "/api/v1/notes/{id}", "Delete note", "cellstate.note_deleted", to(&CellState::delete_note), "", 204},
      {"PATCH", "/api/v1/notes/{id}", "Update note", "cellstate.note_updated", to(&CellState::update_note)},
  });
  r.add("POST", "/api/v1/search", "Global search across entities", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto body = json_body(c.req);
    std::string every_type;
    auto out = co_await c.memory.search(c.tenant, std::move(body), every_type);
    co_return ok(std::move(out));
  }, kSearchSchema);
}

void add_agent_routes(Registrar& r) {
  r.add("GET", "/api/v1/agents", "List agents with filters", "", to(&CellState::list_agents));
  r.add("POST", "/api/v1/agents", "Register a new agent", "cellstate.agent_registered",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.register_agent(c.tenant, std::move(body), c.principal);
          co_return ok(std::move(out), 201);
        }, kAgentSchema, 201);
  r.add({
      {"GET", "/api/v1/agents/{id}", "Get agent by ID", "", to(&CellState::get_agent)},
      {"DELETE", "/api/v1/agents/{id}", "Unregister agent", "cellstate.agent_unregistered", to(&CellState::delete_agent), "", 204},
      {"PATCH", "/api/v1/agents/{id}", "Update agent", "cellstate.agent_updated", to(&CellState::update_agent)},
      {"POST", "/api/v1/agents/{id}/heartbeat", "Send agent heartbeat", "", to(&CellState::heartbeat)},
  });
}

void add_lock_routes(Registrar& r) {
  r.add({
      {"GET", "/api/v1/locks", "List all active locks", "", to(&CellState::list_locks)},
      {"POST", "/api/v1/locks/acquire", "Acquire a lock (409 while a conflicting one is held)", "cellstate.lock_acquired", to(&CellState::acquire_lock), kLockSchema, 201},
      {"GET", "/api/v1/locks/{id}", "Get lock by ID", "", to(&CellState::get_lock)},
      {"POST", "/api/v1/locks/{id}/extend", "Extend a lock's expiration time", "cellstate.lock_extended", to(&CellState::extend_lock), R"({"type":"object","required":["additional_ms"],"properties":{"additional_ms":{"type":"integer","minimum":1}}})"},
      {"POST", "/api/v1/locks/{id}/release", "Release a lock (only its holder may)", "cellstate.lock_released", to(&CellState::release_lock), R"({"type":"object","required":["releasing_agent_id"],"properties":{"releasing_agent_id":{"type":"string","format":"uuid"}}})", 204},
  });
}

void add_message_routes(Registrar& r) {
  r.add({
      {"GET", "/api/v1/messages", "List messages with filters", "", to(&CellState::list_messages)},
      {"POST", "/api/v1/messages", "Send a message", "cellstate.message_sent", to(&CellState::send_message), kMessageSchema, 201},
      {"GET", "/api/v1/messages/{id}", "Get message by ID (marks it delivered)", "", to(&CellState::get_message)},
      {"POST", "/api/v1/messages/{id}/acknowledge", "Acknowledge a message (only a recipient may)", "cellstate.message_acknowledged", to(&CellState::acknowledge_message), R"({"type":"object","required":["agent_id"],"properties":{"agent_id":{"type":"string","format":"uuid"}}})", 204},
  });
}

void add_delegation_and_handoff_routes(Registrar& r) {
  r.add({
      {"POST", "/api/v1/delegations", "Create a task delegation", "cellstate.delegation_created", to(&CellState::create_delegation), kDelegationSchema, 201},
      {"GET", "/api/v1/delegations/{id}", "Get delegation by ID", "", to(&CellState::get_delegation)},
      {"POST", "/api/v1/delegations/{id}/accept", "Accept a delegation (pending → accepted)", "cellstate.delegation_accepted", to(&CellState::accept_delegation), "", 204},
      {"POST", "/api/v1/delegations/{id}/complete", "Complete a delegation with its result (accepted → completed)", "cellstate.delegation_completed", to(&CellState::complete_delegation), "", 204},
      {"POST", "/api/v1/delegations/{id}/reject", "Reject a delegation (pending → rejected)", "cellstate.delegation_rejected", to(&CellState::reject_delegation), "", 204},

      {"POST", "/api/v1/handoffs", "Create an agent handoff", "cellstate.handoff_created", to(&CellState::create_handoff), kHandoffSchema, 201},
      {"GET", "/api/v1/handoffs/{id}", "Get handoff by ID", "", to(&CellState::get_handoff)},
      {"POST", "/api/v1/handoffs/{id}/accept", "Accept a handoff (initiated → accepted)", "cellstate.handoff_accepted", to(&CellState::accept_handoff), "", 204},
      {"POST", "/api/v1/handoffs/{id}/complete", "Complete a handoff (accepted → completed); the trajectory passes to the receiving agent", "cellstate.handoff_completed", to(&CellState::complete_handoff), "", 204},
  });
}

void add_event_routes(Registrar& r) {
  r.add("GET", "/api/v1/event-dag/by-kind/:kind", "Search events by kind code (e.g. 4097 = TRAJECTORY_CREATED)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          std::string text(c.req.param("kind"));
          int kind = -1;
          try {
            size_t used = 0;
            kind = std::stoi(text, &used);
            if (used != text.size()) kind = -1;
          } catch (const std::exception&) {
          }
          if (kind < 0 || kind > 0xFFFF) throw StatusError(Status::validation("kind", "kind must be an integer from 0 to 65535"));
          auto out = co_await c.memory.events_by_kind(c.tenant, kind, c.query);
          co_return ok(std::move(out));
        });
  r.add({
      {"GET", "/api/v1/event-dag/:id", "Read a single event by ID", "", to(&CellState::get_event)},
      {"GET", "/api/v1/event-dag/:id/ancestors", "Walk ancestor chain", "", to(&CellState::event_ancestors)},
      {"GET", "/api/v1/event-dag/:id/descendants", "Walk descendant chain", "", to(&CellState::event_descendants)},
      {"GET", "/api/v1/event-dag/:id/siblings", "Find sibling events (same parent)", "", to(&CellState::event_siblings)},
  });
}

constexpr const char* kEdgeSchema =
    R"({"type":"object","required":["edge_type","participants","provenance"],"properties":{"edge_type":{"enum":["supports","contradicts","supersedes","derived_from","relates_to","temporal","causal","synthesized_from","grouped","compared"]},"participants":{"type":"array","minItems":2,"items":{"type":"object","required":["entity_type","entity_id"],"properties":{"entity_type":{"type":"string"},"entity_id":{"type":"string"},"role":{"type":"string"}}}},"provenance":{"type":"object"},"trajectory_id":{"type":["string","null"]},"weight":{"type":["number","null"],"minimum":0,"maximum":1},"metadata":{}}})";
constexpr const char* kPolicySchema =
    R"({"type":"object","required":["create_edges","max_sources","name","source_level","target_level","triggers"],"properties":{"name":{"type":"string"},"source_level":{"enum":["raw","summary","principle"]},"target_level":{"enum":["raw","summary","principle"]},"max_sources":{"type":"integer","minimum":1},"create_edges":{"type":"boolean"},"trajectory_id":{"type":["string","null"]},"triggers":{"type":"array","items":{}},"metadata":{}}})";

void add_graph_routes(Registrar& r) {
  r.add("POST", "/api/v1/edges", "Create a new edge", "cellstate.edge_created", to(&CellState::create_edge), kEdgeSchema, 201);
  r.add("POST", "/api/v1/edges/batch", "Create multiple edges (all or none)", "cellstate.edges_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          boost::system::error_code ec;
          json::value body = json::parse(c.req.body, ec);
          if (ec) throw StatusError(Status::invalid("the body is not valid JSON"));
          auto out = co_await c.memory.create_edges(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, "", 201);
  r.add("GET", "/api/v1/edges/by-participant/{entity_id}", "Get edges by participant entity", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          std::string entity(c.req.param("entity_id"));
          auto out = co_await c.memory.edges_of(c.tenant, entity);
          co_return ok(std::move(out));
        });
  r.add({
      {"GET", "/api/v1/edges/traverse", "Graph traversal from start_id over edges, up to max_depth", "", to(&CellState::traverse)},
      {"GET", "/api/v1/edges/{id}", "Get an edge by ID", "", to(&CellState::get_edge)},
      {"DELETE", "/api/v1/edges/{id}", "Delete an edge", "cellstate.edge_deleted", to(&CellState::delete_edge), "", 204},

      {"POST", "/api/v1/summarization-policies", "Create a new summarization policy", "cellstate.policy_created", to(&CellState::create_policy), kPolicySchema, 201},
      {"GET", "/api/v1/summarization-policies/{id}", "Get a policy by ID", "", to(&CellState::get_policy)},
      {"DELETE", "/api/v1/summarization-policies/{id}", "Delete a policy", "cellstate.policy_deleted", to(&CellState::delete_policy), "", 204},
      {"GET", "/api/v1/trajectories/{id}/summarization-policies", "List policies for a trajectory", "", to(&CellState::trajectory_policies)},
      {"GET", "/api/v1/summarization-requests", "List summarization requests with optional filters", "", to(&CellState::list_summarization_requests)},
      {"GET", "/api/v1/summarization-requests/{id}", "Get a request by ID", "", to(&CellState::get_summarization_request)},
      {"PATCH", "/api/v1/summarization-requests/{id}/status", "Update request status (pending → in_progress → completed | failed)", "cellstate.summarization_updated", to(&CellState::update_summarization_status), R"({"type":"object","required":["status"],"properties":{"status":{"enum":["pending","in_progress","completed","failed"]}}})", 204},
  });
}

// The pack of a compose request: multipart (cstate_toml, and one markdown part per file) or
// JSON {cstate_toml, markdown: [...]}.
std::pair<std::string, std::vector<std::string>> pack_sources(const http::Request& req) {
  std::pair<std::string, std::vector<std::string>> out;
  bool has_toml = false;
  if (http::is_multipart_form(req.header("Content-Type"))) {
    auto parts = http::parse_multipart_form(req.header("Content-Type"), req.body);
    if (!parts.ok()) throw StatusError(parts.status());
    for (const auto& part : *parts) {
      if (part.name == "cstate_toml") {
        out.first = std::string(part.data);
        has_toml = true;
      } else if (part.name == "markdown" || part.name == "markdown[]") {
        out.second.emplace_back(part.data);
      }
    }
  } else {
    auto body = json_body(req);
    FieldReader f(body);
    if (auto toml = f.string("cstate_toml", 0, 1 << 20)) {
      out.first = *toml;
      has_toml = true;
    }
    out.second = f.string_array("markdown", 200).value_or(std::vector<std::string>{});
    check(f);
  }
  if (!has_toml) throw StatusError(Status::validation("cstate_toml", "field required"));
  return out;
}

void add_pack_routes(Registrar& r) {
  r.add("POST", "/api/v1/pack-config/compose", "Compose a pack (cstate.toml + Markdown) into its AST and compiled config",
        "", [](Call& c) -> asio::awaitable<http::Response> {
          auto [toml, markdown] = pack_sources(c.req);
          auto composed = memory::compose_pack(toml, markdown);
          json::array errors;
          for (const auto& e : composed.errors) errors.push_back(memory::error_json(e));
          co_return ok(json::object{{"success", composed.success}, {"ast", std::move(composed.ast)},
                                    {"compiled", composed.success ? json::value(std::move(composed.compiled)) : json::value(nullptr)},
                                    {"errors", std::move(errors)}, {"pack_source", toml}});
        });
  r.add({
      {"GET", "/api/v1/config", "Get the tenant's configuration", "", to(&CellState::get_config)},
      {"PATCH", "/api/v1/config", "Replace the tenant's configuration (422 with the errors when invalid)", "cellstate.config_updated", to(&CellState::update_config), R"({"type":"object","required":["config"],"properties":{"config":{"type":"object"}}})"},
  });
  r.add("POST", "/api/v1/config/validate", "Validate a configuration", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto body = json_body(c.req);
    co_return ok(c.memory.validate_config(body));
  }, R"({"type":"object","required":["config"],"properties":{"config":{"type":"object"}}})");

  r.add({
      {"GET", "/api/v1/deployments", "List deployments for a pack (pack_name)", "", to(&CellState::list_deployments)},
      {"POST", "/api/v1/deployments", "Create a new deployment version of a pack", "cellstate.deployment_created", to(&CellState::create_deployment), R"({"type":"object","required":["pack_name"],"properties":{"pack_name":{"type":"string"},"error_threshold":{"type":"number"},"launch_config":{"type":["object","null"]}}})", 201},
      {"POST", "/api/v1/deployments/rollback", "Roll back a pack's active deployment to the one it replaced", "cellstate.deployment_rolled_back", to(&CellState::rollback_deployment), R"({"type":"object","required":["pack_name"],"properties":{"pack_name":{"type":"string"}}})"},
      {"GET", "/api/v1/deployments/:id", "Get a single deployment", "", to(&CellState::get_deployment)},
      {"POST", "/api/v1/deployments/:id/activate", "Activate a deployment with a rollout percentage", "cellstate.deployment_activated", to(&CellState::activate_deployment), R"({"type":"object","required":["rollout_percentage"],"properties":{"rollout_percentage":{"type":"integer","minimum":0,"maximum":100}}})"},
      {"POST", "/api/v1/deployments/:id/rollout", "Increase a deployment's rollout percentage", "cellstate.deployment_rolled_out", to(&CellState::rollout_deployment), R"({"type":"object","required":["rollout_percentage"],"properties":{"rollout_percentage":{"type":"integer","minimum":0,"maximum":100}}})"},

      {"GET", "/api/v1/benchmarks", "List benchmark snapshots", "", to(&CellState::list_benchmarks)},
      {"POST", "/api/v1/benchmarks", "Submit a benchmark snapshot", "cellstate.benchmark_submitted", to(&CellState::submit_benchmark), R"({"type":"object","required":["config_source","name","phase"],"properties":{"config_source":{"type":"string"},"name":{"type":"string"},"phase":{"enum":["online","frozen","evolving"]},"metrics":{"type":["object","null"]},"metadata":{"type":["object","null"]}}})", 201},
  });
}

}  // namespace

void add_cellstate_routes(RouteTable& table, Services& svc) {
  Registrar r(table, svc);
  add_task_routes(r);
  add_memory_routes(r);
  add_agent_routes(r);
  add_lock_routes(r);
  add_message_routes(r);
  add_delegation_and_handoff_routes(r);
  add_event_routes(r);
  add_graph_routes(r);
  add_pack_routes(r);
}

}  // namespace brainstem::api
