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
};

using CallHandler = std::function<asio::awaitable<http::Response>(Call&)>;

class Registrar {
 public:
  Registrar(RouteTable& table, Services& svc) : table_(table), svc_(svc) {}

  // A route answering `status` with the JSON the handler returns (204: nothing).
  void add(std::string method, std::string path, std::string summary, std::string event, CallHandler handler,
           std::string request_schema = "", int success_status = 200) {
    Services& svc = svc_;
    table_.add({.method = std::move(method),
                .path = std::move(path),
                .family = Family::kCellstate,
                .auth = Auth::kAny,
                .summary = std::move(summary),
                .event = std::move(event),
                .request_schema = std::move(request_schema),
                .success_status = success_status,
                .handler = [&svc, handler](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
                  Call call{svc.cellstate, req, ctx.caller().tenant_id, std::string(req.param("id")),
                            [&req](std::string_view name) { return req.query_param(name); },
                            ctx.caller().actor()};
                  if (!call.id.empty()) ctx.audit["id"] = call.id;
                  auto response = co_await handler(call);
                  co_return response;
                }});
  }

 private:
  RouteTable& table_;
  Services& svc_;
};

http::Response ok(json::value body, int status = 200) { return http::Response::json(status, body); }
http::Response no_content() { return http::Response::empty(204); }

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
    R"({"type":"object","required":["entity_types","filters","query"],"properties":{"entity_types":{"type":"array","items":{"type":"string"}},"filters":{"type":"array","items":{"type":"object"}},"limit":{"type":["integer","null"]},"query":{"type":"string"},"use_vector_search":{"type":["boolean","null"]}}})";
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
  r.add("GET", "/api/v1/trajectories", "List trajectories with filters", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_trajectories(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/trajectories", "Create a new trajectory", "cellstate.trajectory_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_trajectory(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kTrajectorySchema, 201);
  r.add("GET", "/api/v1/trajectories/{id}", "Get trajectory by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_trajectory(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("DELETE", "/api/v1/trajectories/{id}", "Delete trajectory (one without child trajectories or scopes)",
        "cellstate.trajectory_deleted", [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.delete_trajectory(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
  r.add("PATCH", "/api/v1/trajectories/{id}", "Update trajectory", "cellstate.trajectory_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_trajectory(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/trajectories/{id}/children", "List child trajectories", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.trajectory_children(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/trajectories/{id}/scopes", "List scopes for trajectory", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.trajectory_scopes(c.tenant, c.id);
          co_return ok(std::move(out));
        });

  r.add("POST", "/api/v1/scopes", "Create a new scope with a token budget", "cellstate.scope_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_scope(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kScopeSchema, 201);
  r.add("GET", "/api/v1/scopes/{id}", "Get scope by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_scope(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("PATCH", "/api/v1/scopes/{id}", "Update scope", "cellstate.scope_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_scope(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/scopes/{id}/artifacts", "List artifacts for scope", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.scope_artifacts(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("POST", "/api/v1/scopes/{id}/checkpoint", "Create checkpoint", "cellstate.scope_checkpointed",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.checkpoint_scope(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out), 201);
        }, R"({"type":"object","required":["context_state","recoverable"],"properties":{"context_state":{"type":"string","format":"byte"},"recoverable":{"type":"boolean"}}})", 201);
  r.add("POST", "/api/v1/scopes/{id}/close", "Close scope", "cellstate.scope_closed",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.close_scope(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/scopes/{id}/turns", "List turns for scope (the turns of the conversation with the scope's id)",
        "", [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.scope_turns(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("POST", "/api/v1/turns", "Create a new turn (refused past the scope's token budget)", "cellstate.turn_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_turn(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kTurnSchema, 201);
  r.add("GET", "/api/v1/turns/{id}", "Get turn by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_turn(c.tenant, c.id);
    co_return ok(std::move(out));
  });
}

void add_memory_routes(Registrar& r) {
  r.add("GET", "/api/v1/artifacts", "List artifacts with filters", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_artifacts(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/artifacts", "Create a new artifact", "cellstate.artifact_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_artifact(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kArtifactSchema, 201);
  r.add("POST", "/api/v1/artifacts/search", "Search artifacts (keywords, or embedding similarity)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          std::string only = "artifact";
          auto out = co_await c.memory.search(c.tenant, std::move(body), only);
          co_return ok(std::move(out));
        }, kSearchSchema);
  r.add("GET", "/api/v1/artifacts/{id}", "Get artifact by ID (counts an access)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.get_artifact(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("DELETE", "/api/v1/artifacts/{id}", "Delete artifact", "cellstate.artifact_deleted",
        [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.delete_artifact(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
  r.add("PATCH", "/api/v1/artifacts/{id}", "Update artifact", "cellstate.artifact_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_artifact(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        });

  r.add("GET", "/api/v1/notes", "List notes with filters", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_notes(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/notes", "Create a new note", "cellstate.note_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_note(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kNoteSchema, 201);
  r.add("POST", "/api/v1/notes/search", "Search notes (keywords, or embedding similarity)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          std::string only = "note";
          auto out = co_await c.memory.search(c.tenant, std::move(body), only);
          co_return ok(std::move(out));
        }, kSearchSchema);
  r.add("GET", "/api/v1/notes/{id}", "Get note by ID (counts an access)", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_note(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("DELETE", "/api/v1/notes/{id}", "Delete note", "cellstate.note_deleted",
        [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.delete_note(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
  r.add("PATCH", "/api/v1/notes/{id}", "Update note", "cellstate.note_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_note(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        });
  r.add("POST", "/api/v1/search", "Global search across entities", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto body = json_body(c.req);
    std::string every_type;
    auto out = co_await c.memory.search(c.tenant, std::move(body), every_type);
    co_return ok(std::move(out));
  }, kSearchSchema);
}

void add_agent_routes(Registrar& r) {
  r.add("GET", "/api/v1/agents", "List agents with filters", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_agents(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/agents", "Register a new agent", "cellstate.agent_registered",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.register_agent(c.tenant, std::move(body), c.principal);
          co_return ok(std::move(out), 201);
        }, kAgentSchema, 201);
  r.add("GET", "/api/v1/agents/{id}", "Get agent by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_agent(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("DELETE", "/api/v1/agents/{id}", "Unregister agent", "cellstate.agent_unregistered",
        [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.delete_agent(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
  r.add("PATCH", "/api/v1/agents/{id}", "Update agent", "cellstate.agent_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_agent(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        });
  r.add("POST", "/api/v1/agents/{id}/heartbeat", "Send agent heartbeat", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.heartbeat(c.tenant, c.id);
    co_return ok(std::move(out));
  });
}

void add_lock_routes(Registrar& r) {
  r.add("GET", "/api/v1/locks", "List all active locks", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_locks(c.tenant);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/locks/acquire", "Acquire a lock (409 while a conflicting one is held)", "cellstate.lock_acquired",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.acquire_lock(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kLockSchema, 201);
  r.add("GET", "/api/v1/locks/{id}", "Get lock by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_lock(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/locks/{id}/extend", "Extend a lock's expiration time", "cellstate.lock_extended",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.extend_lock(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        }, R"({"type":"object","required":["additional_ms"],"properties":{"additional_ms":{"type":"integer","minimum":1}}})");
  r.add("POST", "/api/v1/locks/{id}/release", "Release a lock (only its holder may)", "cellstate.lock_released",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.release_lock(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, R"({"type":"object","required":["releasing_agent_id"],"properties":{"releasing_agent_id":{"type":"string","format":"uuid"}}})", 204);
}

void add_message_routes(Registrar& r) {
  r.add("GET", "/api/v1/messages", "List messages with filters", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_messages(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/messages", "Send a message", "cellstate.message_sent",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.send_message(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kMessageSchema, 201);
  r.add("GET", "/api/v1/messages/{id}", "Get message by ID (marks it delivered)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.get_message(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("POST", "/api/v1/messages/{id}/acknowledge", "Acknowledge a message (only a recipient may)",
        "cellstate.message_acknowledged", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.acknowledge_message(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, R"({"type":"object","required":["agent_id"],"properties":{"agent_id":{"type":"string","format":"uuid"}}})", 204);
}

void add_delegation_and_handoff_routes(Registrar& r) {
  r.add("POST", "/api/v1/delegations", "Create a task delegation", "cellstate.delegation_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_delegation(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kDelegationSchema, 201);
  r.add("GET", "/api/v1/delegations/{id}", "Get delegation by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_delegation(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/delegations/{id}/accept", "Accept a delegation (pending → accepted)",
        "cellstate.delegation_accepted", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.accept_delegation(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, "", 204);
  r.add("POST", "/api/v1/delegations/{id}/complete", "Complete a delegation with its result (accepted → completed)",
        "cellstate.delegation_completed", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.complete_delegation(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, "", 204);
  r.add("POST", "/api/v1/delegations/{id}/reject", "Reject a delegation (pending → rejected)",
        "cellstate.delegation_rejected", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.reject_delegation(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, "", 204);

  r.add("POST", "/api/v1/handoffs", "Create an agent handoff", "cellstate.handoff_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_handoff(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kHandoffSchema, 201);
  r.add("GET", "/api/v1/handoffs/{id}", "Get handoff by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_handoff(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/handoffs/{id}/accept", "Accept a handoff (initiated → accepted)", "cellstate.handoff_accepted",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.accept_handoff(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, "", 204);
  r.add("POST", "/api/v1/handoffs/{id}/complete",
        "Complete a handoff (accepted → completed); the trajectory passes to the receiving agent",
        "cellstate.handoff_completed", [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.complete_handoff(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
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
  r.add("GET", "/api/v1/event-dag/:id", "Read a single event by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_event(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("GET", "/api/v1/event-dag/:id/ancestors", "Walk ancestor chain", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.event_ancestors(c.tenant, c.id, c.query);
    co_return ok(std::move(out));
  });
  r.add("GET", "/api/v1/event-dag/:id/descendants", "Walk descendant chain", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.event_descendants(c.tenant, c.id, c.query);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/event-dag/:id/siblings", "Find sibling events (same parent)", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.event_siblings(c.tenant, c.id);
          co_return ok(std::move(out));
        });
}

constexpr const char* kEdgeSchema =
    R"({"type":"object","required":["edge_type","participants","provenance"],"properties":{"edge_type":{"enum":["supports","contradicts","supersedes","derived_from","relates_to","temporal","causal","synthesized_from","grouped","compared"]},"participants":{"type":"array","minItems":2,"items":{"type":"object","required":["entity_type","entity_id"],"properties":{"entity_type":{"type":"string"},"entity_id":{"type":"string"},"role":{"type":"string"}}}},"provenance":{"type":"object"},"trajectory_id":{"type":["string","null"]},"weight":{"type":["number","null"],"minimum":0,"maximum":1},"metadata":{}}})";
constexpr const char* kPolicySchema =
    R"({"type":"object","required":["create_edges","max_sources","name","source_level","target_level","triggers"],"properties":{"name":{"type":"string"},"source_level":{"enum":["raw","summary","principle"]},"target_level":{"enum":["raw","summary","principle"]},"max_sources":{"type":"integer","minimum":1},"create_edges":{"type":"boolean"},"trajectory_id":{"type":["string","null"]},"triggers":{"type":"array","items":{}},"metadata":{}}})";

void add_graph_routes(Registrar& r) {
  r.add("POST", "/api/v1/edges", "Create a new edge", "cellstate.edge_created", [](Call& c) -> asio::awaitable<http::Response> {
    auto body = json_body(c.req);
    auto out = co_await c.memory.create_edge(c.tenant, std::move(body));
    co_return ok(std::move(out), 201);
  }, kEdgeSchema, 201);
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
  r.add("GET", "/api/v1/edges/traverse", "Graph traversal from start_id over edges, up to max_depth", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.traverse(c.tenant, c.query);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/edges/{id}", "Get an edge by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_edge(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("DELETE", "/api/v1/edges/{id}", "Delete an edge", "cellstate.edge_deleted", [](Call& c) -> asio::awaitable<http::Response> {
    co_await c.memory.delete_edge(c.tenant, c.id);
    co_return no_content();
  }, "", 204);

  r.add("POST", "/api/v1/summarization-policies", "Create a new summarization policy", "cellstate.policy_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_policy(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, kPolicySchema, 201);
  r.add("GET", "/api/v1/summarization-policies/{id}", "Get a policy by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_policy(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("DELETE", "/api/v1/summarization-policies/{id}", "Delete a policy", "cellstate.policy_deleted",
        [](Call& c) -> asio::awaitable<http::Response> {
          co_await c.memory.delete_policy(c.tenant, c.id);
          co_return no_content();
        }, "", 204);
  r.add("GET", "/api/v1/trajectories/{id}/summarization-policies", "List policies for a trajectory", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.trajectory_policies(c.tenant, c.id);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/summarization-requests", "List summarization requests with optional filters", "",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto out = co_await c.memory.list_summarization_requests(c.tenant, c.query);
          co_return ok(std::move(out));
        });
  r.add("GET", "/api/v1/summarization-requests/{id}", "Get a request by ID", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_summarization_request(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("PATCH", "/api/v1/summarization-requests/{id}/status",
        "Update request status (pending → in_progress → completed | failed)", "cellstate.summarization_updated",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          co_await c.memory.update_summarization_status(c.tenant, c.id, std::move(body));
          co_return no_content();
        }, R"({"type":"object","required":["status"],"properties":{"status":{"enum":["pending","in_progress","completed","failed"]}}})", 204);
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
  r.add("GET", "/api/v1/config", "Get the tenant's configuration", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_config(c.tenant);
    co_return ok(std::move(out));
  });
  r.add("PATCH", "/api/v1/config", "Replace the tenant's configuration (422 with the errors when invalid)",
        "cellstate.config_updated", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.update_config(c.tenant, std::move(body));
          co_return ok(std::move(out));
        }, R"({"type":"object","required":["config"],"properties":{"config":{"type":"object"}}})");
  r.add("POST", "/api/v1/config/validate", "Validate a configuration", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto body = json_body(c.req);
    co_return ok(c.memory.validate_config(body));
  }, R"({"type":"object","required":["config"],"properties":{"config":{"type":"object"}}})");

  r.add("GET", "/api/v1/deployments", "List deployments for a pack (pack_name)", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_deployments(c.tenant, c.query);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/deployments", "Create a new deployment version of a pack", "cellstate.deployment_created",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.create_deployment(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, R"({"type":"object","required":["pack_name"],"properties":{"pack_name":{"type":"string"},"error_threshold":{"type":"number"},"launch_config":{"type":["object","null"]}}})", 201);
  r.add("POST", "/api/v1/deployments/rollback", "Roll back a pack's active deployment to the one it replaced",
        "cellstate.deployment_rolled_back", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.rollback_deployment(c.tenant, std::move(body));
          co_return ok(std::move(out));
        }, R"({"type":"object","required":["pack_name"],"properties":{"pack_name":{"type":"string"}}})");
  r.add("GET", "/api/v1/deployments/:id", "Get a single deployment", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.get_deployment(c.tenant, c.id);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/deployments/:id/activate", "Activate a deployment with a rollout percentage",
        "cellstate.deployment_activated", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.activate_deployment(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        }, R"({"type":"object","required":["rollout_percentage"],"properties":{"rollout_percentage":{"type":"integer","minimum":0,"maximum":100}}})");
  r.add("POST", "/api/v1/deployments/:id/rollout", "Increase a deployment's rollout percentage",
        "cellstate.deployment_rolled_out", [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.rollout_deployment(c.tenant, c.id, std::move(body));
          co_return ok(std::move(out));
        }, R"({"type":"object","required":["rollout_percentage"],"properties":{"rollout_percentage":{"type":"integer","minimum":0,"maximum":100}}})");

  r.add("GET", "/api/v1/benchmarks", "List benchmark snapshots", "", [](Call& c) -> asio::awaitable<http::Response> {
    auto out = co_await c.memory.list_benchmarks(c.tenant);
    co_return ok(std::move(out));
  });
  r.add("POST", "/api/v1/benchmarks", "Submit a benchmark snapshot", "cellstate.benchmark_submitted",
        [](Call& c) -> asio::awaitable<http::Response> {
          auto body = json_body(c.req);
          auto out = co_await c.memory.submit_benchmark(c.tenant, std::move(body));
          co_return ok(std::move(out), 201);
        }, R"({"type":"object","required":["config_source","name","phase"],"properties":{"config_source":{"type":"string"},"name":{"type":"string"},"phase":{"enum":["online","frozen","evolving"]},"metrics":{"type":["object","null"]},"metadata":{"type":["object","null"]}}})", 201);
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
