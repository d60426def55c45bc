// CellState's shared machinery: store access, the event DAG, the search indexes, search and
// the expiry sweep.
#include "memory/cellstate.h"

#include "common/run_sync.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "knowledge/search_mode.h"
#include "memory/cellstate_internal.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace detail {

std::string event_name(int code) {
  switch (code) {
    case kTrajectoryCreated: return "TRAJECTORY_CREATED";
    case kTrajectoryUpdated: return "TRAJECTORY_UPDATED";
    case kTrajectoryDeleted: return "TRAJECTORY_DELETED";
    case kScopeCreated: return "SCOPE_CREATED";
    case kScopeUpdated: return "SCOPE_UPDATED";
    case kScopeCheckpointed: return "SCOPE_CHECKPOINTED";
    case kScopeClosed: return "SCOPE_CLOSED";
    case kTurnCreated: return "TURN_CREATED";
    case kArtifactCreated: return "ARTIFACT_CREATED";
    case kArtifactUpdated: return "ARTIFACT_UPDATED";
    case kArtifactDeleted: return "ARTIFACT_DELETED";
    case kNoteCreated: return "NOTE_CREATED";
    case kNoteUpdated: return "NOTE_UPDATED";
    case kNoteDeleted: return "NOTE_DELETED";
    case kAgentRegistered: return "AGENT_REGISTERED";
    case kAgentUpdated: return "AGENT_UPDATED";
    case kAgentUnregistered: return "AGENT_UNREGISTERED";
    case kLockAcquired: return "LOCK_ACQUIRED";
    case kLockExtended: return "LOCK_EXTENDED";
    case kLockReleased: return "LOCK_RELEASED";
    case kMessageSent: return "MESSAGE_SENT";
    case kMessageAcknowledged: return "MESSAGE_ACKNOWLEDGED";
    case kDelegationCreated: return "DELEGATION_CREATED";
    case kDelegationAccepted: return "DELEGATION_ACCEPTED";
    case kDelegationCompleted: return "DELEGATION_COMPLETED";
    case kDelegationRejected: return "DELEGATION_REJECTED";
    case kHandoffCreated: return "HANDOFF_CREATED";
    case kHandoffAccepted: return "HANDOFF_ACCEPTED";
    case kHandoffCompleted: return "HANDOFF_COMPLETED";
    case kEdgeCreated: return "EDGE_CREATED";
    case kEdgeDeleted: return "EDGE_DELETED";
    case kPolicyCreated: return "SUMMARIZATION_POLICY_CREATED";
    case kPolicyDeleted: return "SUMMARIZATION_POLICY_DELETED";
    case kSummarizationRequested: return "SUMMARIZATION_REQUESTED";
    case kSummarizationUpdated: return "SUMMARIZATION_UPDATED";
    case kConfigUpdated: return "CONFIG_UPDATED";
    case kDeploymentCreated: return "DEPLOYMENT_CREATED";
    case kDeploymentActivated: return "DEPLOYMENT_ACTIVATED";
    case kDeploymentRolledOut: return "DEPLOYMENT_ROLLED_OUT";
    case kDeploymentRolledBack: return "DEPLOYMENT_ROLLED_BACK";
    case kBenchmarkSubmitted: return "BENCHMARK_SUBMITTED";
    default: return "UNKNOWN";
  }
}

void fail(Status status) { throw StatusError(std::move(status)); }

json::object body_of(const store::MemoryEntity& entity) {
  boost::system::error_code ec;
  json::value parsed = json::parse(entity.body, ec);
  if (ec || !parsed.is_object()) fail(Status::internal("stored " + entity.kind + " is not a JSON object"));
  return std::move(parsed.as_object());
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::optional<std::string> uuid_field(FieldReader& f, std::string_view name) {
  auto value = f.string(name, 0, 64);
  if (value && !is_uuid(*value)) {
    f.fail(name, std::string(name) + " must be a UUID");
    return std::nullopt;
  }
  return value;
}

std::string required_uuid(FieldReader& f, std::string_view name) {
  std::string value = f.required_string(name, 1, 64);
  if (!value.empty() && !is_uuid(value)) f.fail(name, std::string(name) + " must be a UUID");
  return value;
}

json::value object_or_null(FieldReader& f, std::string_view name) {
  const json::object* object = f.object(name);
  return object ? json::value(*object) : json::value(nullptr);
}

std::optional<int64_t> time_field(FieldReader& f, std::string_view name) {
  auto text = f.string(name, 1, 64);
  if (!text) return std::nullopt;
  auto ms = parse_iso8601_ms(*text);
  if (!ms) f.fail(name, std::string(name) + " must be an ISO 8601 date-time");
  return ms;
}

json::value time_or_null(const json::object& body, std::string_view ms_field) {
  const json::value* ms = body.if_contains(ms_field);
  return ms && ms->is_int64() ? json::value(iso8601(ms->get_int64())) : json::value(nullptr);
}

int64_t integer_param(const QueryLookup& query, std::string_view name, int64_t fallback, int64_t min, int64_t max) {
  auto text = query(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    int64_t value = std::stoll(*text, &used);
    if (used == text->size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  fail(Status::validation(std::string(name), std::string(name) + " must be an integer from " + std::to_string(min) +
                                                  " to " + std::to_string(max)));
}

Page page_of(const QueryLookup& query) {
  return {integer_param(query, "limit", 100, 0, 1000), integer_param(query, "offset", 0, 0, INT32_MAX)};
}

std::optional<int64_t> time_param(const QueryLookup& query, std::string_view name) {
  auto text = query(name);
  if (!text) return std::nullopt;
  auto ms = parse_iso8601_ms(*text);
  if (!ms) fail(Status::validation(std::string(name), std::string(name) + " must be an ISO 8601 date-time"));
  return ms;
}

std::optional<bool> bool_param(const QueryLookup& query, std::string_view name) {
  auto text = query(name);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  fail(Status::validation(std::string(name), std::string(name) + " must be true or false"));
}

bool is_entity_type(std::string_view name) {
  static const std::set<std::string, std::less<>> kEntityTypes = {
      "trajectory", "scope", "artifact", "note", "turn", "tenant", "agent_working_set", "link", "belief", "goal",
      "plan", "lock", "message", "agent", "delegation", "handoff", "config", "conflict", "edge",
      "evolution_snapshot", "summarization_policy", "summarization_request", "tool_execution", "event"};
  return kEntityTypes.contains(name);
}

json::object public_view(const store::MemoryEntity& entity, json::object links) {
  json::object body = body_of(entity);
  for (auto it = body.begin(); it != body.end();) {
    it = it->key().starts_with('_') ? body.erase(it) : std::next(it);
  }
  if (!links.empty()) body["_links"] = std::move(links);
  return body;
}

}  // namespace detail

CellState::CellState(store::Store& store, const knowledge::EmbeddingModels& embedders, knowledge::TurnIndex& turns,
                     models::TokenCounter& tokens, TaskGroup& background, CellStateOptions options)
    : store_(store),
      embedders_(embedders),
      turns_(turns),
      tokens_(tokens),
      background_(background),
      options_(std::move(options)) {
  indexes_[kArtifact] = std::make_unique<knowledge::KnowledgeIndex>();
  indexes_[kNote] = std::make_unique<knowledge::KnowledgeIndex>();
}

// --- store access

CellState::Task<store::MemoryEntity> CellState::fetch(std::string tenant, std::string kind, std::string id) {
  auto found = co_await find(tenant, kind, id);
  if (!found) fail(Status::not_found(kind + " not found"));
  co_return std::move(*found);
}

CellState::Task<std::optional<store::MemoryEntity>> CellState::find(std::string tenant, std::string kind,
                                                                   std::string id) {
  auto got = co_await store_.get_memory_entity(tenant, kind, id);
  if (got.ok()) {
    // An entity whose time is up is gone, even before the sweeper deletes it.
    if (got->expires_at && *got->expires_at <= now_ms()) co_return std::nullopt;
    co_return std::move(got).value();
  }
  if (got.status().code() == StatusCode::kNotFound) co_return std::nullopt;
  fail(got.status());
}

CellState::Task<store::MemoryEntity> CellState::insert(store::MemoryEntity entity) {
  auto stored = co_await store_.create_memory_entity(entity);
  if (!stored.ok()) fail(stored.status());
  co_return std::move(stored).value();
}

CellState::Task<store::MemoryEntity> CellState::save(store::MemoryEntity entity) {
  entity.updated_at = now_ms();
  auto stored = co_await store_.update_memory_entity(entity);
  if (!stored.ok()) fail(stored.status());
  co_return std::move(stored).value();
}

CellState::Task<void> CellState::erase(std::string tenant, std::string kind, std::string id) {
  Status removed = co_await store_.delete_memory_entity(tenant, kind, id);
  if (removed.code() == StatusCode::kNotFound) fail(Status::not_found(kind + " not found"));
  require(removed);
}

CellState::Task<store::MemoryEntityPage> CellState::query(store::MemoryEntityQuery q) {
  auto page = co_await store_.list_memory_entities(q);
  if (!page.ok()) fail(page.status());
  co_return std::move(page).value();
}

CellState::Task<store::MemoryEntity> CellState::mutate(std::string tenant, std::string kind, std::string id,
                                                      std::function<bool(store::MemoryEntity&, json::object&)> change) {
  for (int attempt = 0;; ++attempt) {
    auto entity = co_await fetch(tenant, kind, id);
    json::object body = body_of(entity);
    if (!change(entity, body)) co_return entity;
    entity.body = json_text(body);
    entity.updated_at = now_ms();
    auto saved = co_await store_.update_memory_entity(entity);
    if (saved.ok()) co_return std::move(saved).value();
    if (saved.status().code() != StatusCode::kConflict || attempt >= 8) fail(saved.status());
  }
}

CellState::Task<store::MemoryEntity> CellState::upsert(std::string tenant, std::string kind, std::string id,
                                                      std::function<void(json::object&)> change) {
  for (int attempt = 0;; ++attempt) {
    auto stored = co_await find(tenant, kind, id);
    store::MemoryEntity entity;
    if (stored) entity = std::move(*stored);
    entity.tenant_id = tenant;
    entity.kind = kind;
    entity.id = id;
    json::object body = stored ? body_of(entity) : json::object();
    change(body);
    entity.body = json_text(body);
    entity.updated_at = now_ms();
    if (!stored) entity.created_at = entity.updated_at;
    Result<store::MemoryEntity> saved = Status::internal("not saved");
    if (stored) saved = co_await store_.update_memory_entity(entity);
    else saved = co_await store_.create_memory_entity(entity);
    if (saved.ok()) co_return std::move(saved).value();
    if (saved.status().code() != StatusCode::kConflict || attempt >= 8) fail(saved.status());
  }
}

// --- the event DAG

CellState::Task<void> CellState::record_event(std::string tenant, int code, std::string kind, std::string entity_id,
                                              std::string container_id) {
  auto event = co_await event_about(tenant, code, kind, entity_id, container_id, false);
  co_await insert(std::move(event));
}

CellState::Task<store::MemoryEntity> CellState::insert_recorded(store::MemoryEntity entity, int code,
                                                               std::string container_id) {
  auto event = co_await event_about(entity.tenant_id, code, entity.kind, entity.id, container_id, true);
  std::vector<store::MemoryEntity> both{std::move(entity), std::move(event)};
  auto stored = co_await store_.create_memory_entities(std::move(both));
  if (!stored.ok()) fail(stored.status());
  co_return std::move(stored->front());
}

CellState::Task<store::MemoryEntity> CellState::event_about(std::string tenant, int code, std::string kind,
                                                           std::string entity_id, std::string container_id,
                                                           bool new_entity) {
  // The parent: this entity's latest event, else its container's.
  std::optional<store::MemoryEntity> parent;
  for (const std::string* about : {&entity_id, &container_id}) {
    if (about->empty() || (new_entity && about == &entity_id)) continue;
    store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kEvent, .owner_id = *about, .limit = 1};
    auto latest = co_await query(q);
    if (!latest.items.empty()) {
      parent = std::move(latest.items.front());
      break;
    }
  }
  int64_t depth = 0;
  std::string parent_id;
  if (parent) {
    parent_id = parent->id;
    const json::value* d = body_of(*parent).if_contains("depth");
    depth = d && d->is_int64() ? d->get_int64() + 1 : 1;
  }
  int64_t now = now_ms();
  store::MemoryEntity event;
  event.tenant_id = tenant;
  event.kind = kEvent;
  event.id = crypto::uuid_v4();
  event.parent_id = parent_id;
  event.owner_id = entity_id;
  event.type = std::to_string(code);
  event.created_at = event.updated_at = now;
  event.body = json_text(json::object{{"event_id", event.id},
                                            {"kind", code},
                                            {"kind_name", event_name(code)},
                                            {"entity_type", kind},
                                            {"entity_id", entity_id},
                                            {"parent_event_id", parent_id.empty() ? json::value(nullptr) : json::value(parent_id)},
                                            {"depth", depth},
                                            {"tenant_id", tenant},
                                            {"created_at", iso8601(now)}});
  co_return event;
}

namespace {

json::object events_answer(const std::vector<store::MemoryEntity>& events) {
  json::array list;
  for (const auto& e : events) list.push_back(public_view(e));
  return {{"count", list.size()}, {"events", std::move(list)}};
}

int64_t depth_of(const store::MemoryEntity& event) {
  const json::value* d = body_of(event).if_contains("depth");
  return d && d->is_int64() ? d->get_int64() : 0;
}


}  // namespace

CellState::Task<json::object> CellState::events_by_kind(std::string tenant, int kind, QueryLookup q) {
  int64_t min_depth = integer_param(q, "min_depth", 0, 0, 10000);
  int64_t max_depth = integer_param(q, "max_depth", 999, 0, 10000);
  int64_t limit = integer_param(q, "limit", 100, 0, 10000);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kEvent, .type = std::to_string(kind), .limit = 10000,
                              .newest_first = false};
  auto page = co_await query(eq);
  std::vector<store::MemoryEntity> out;
  for (auto& e : page.items) {
    int64_t depth = depth_of(e);
    if (depth < min_depth || depth > max_depth) continue;
    if (static_cast<int64_t>(out.size()) >= limit) break;
    out.push_back(std::move(e));
  }
  co_return events_answer(out);
}

CellState::Task<json::object> CellState::get_event(std::string tenant, std::string id) {
  auto event = co_await fetch(tenant, kEvent, id);
  co_return json::object{{"event", public_view(event)}};
}

CellState::Task<json::object> CellState::event_ancestors(std::string tenant, std::string id, QueryLookup q) {
  int64_t limit = integer_param(q, "limit", 100, 0, 10000);
  auto event = co_await fetch(tenant, kEvent, id);
  std::vector<store::MemoryEntity> chain;
  std::string parent = event.parent_id;
  while (!parent.empty() && static_cast<int64_t>(chain.size()) < limit) {
    auto next = co_await find(tenant, kEvent, parent);
    if (!next) break;
    parent = next->parent_id;
    chain.push_back(std::move(*next));
  }
  co_return events_answer(chain);
}

CellState::Task<json::object> CellState::event_descendants(std::string tenant, std::string id, QueryLookup q) {
  int64_t limit = integer_param(q, "limit", 100, 0, 10000);
  co_await fetch(tenant, kEvent, id);
  std::vector<store::MemoryEntity> out;
  std::deque<std::string> frontier{id};
  while (!frontier.empty() && static_cast<int64_t>(out.size()) < limit) {
    store::MemoryEntityQuery children{.tenant_id = tenant, .kind = kEvent, .parent_id = frontier.front(),
                                      .limit = limit, .newest_first = false};
    frontier.pop_front();
    auto page = co_await query(children);
    for (auto& child : page.items) {
      if (static_cast<int64_t>(out.size()) >= limit) break;
      frontier.push_back(child.id);
      out.push_back(std::move(child));
    }
  }
  co_return events_answer(out);
}

CellState::Task<json::object> CellState::event_siblings(std::string tenant, std::string id) {
  auto event = co_await fetch(tenant, kEvent, id);
  std::vector<store::MemoryEntity> out;
  if (!event.parent_id.empty()) {
    store::MemoryEntityQuery q{.tenant_id = tenant, .kind = kEvent, .parent_id = event.parent_id, .limit = 1000,
                               .newest_first = false};
    auto page = co_await query(q);
    for (auto& e : page.items) {
      if (e.id != id) out.push_back(std::move(e));
    }
  }
  co_return events_answer(out);
}

// --- search indexes

namespace {

// What the search index keeps of an artifact or note: its name (a note's title) and content.
store::KnowledgeChunk chunk_of(const store::MemoryEntity& entity) {
  json::object body = body_of(entity);
  store::KnowledgeChunk chunk;
  chunk.id = entity.seq;
  chunk.tenant_id = entity.tenant_id;
  chunk.source_id = entity.id;
  const json::value* title = body.if_contains(entity.kind == kNote ? "title" : "name");
  chunk.source_name = title && title->is_string() ? std::string(title->get_string()) : "";
  const json::value* content = body.if_contains("content");
  chunk.text = chunk.source_name + "\n" + (content && content->is_string() ? std::string(content->get_string()) : "");
  chunk.embedding_model = entity.embedding_model;
  chunk.embedding = entity.embedding;
  return chunk;
}

}  // namespace

Status CellState::load_indexes() {
  int64_t now = now_ms();
  for (auto& [kind, index] : indexes_) {
    std::vector<store::KnowledgeChunk> batch;
    Status scanned = run_sync(store_.scan_memory_entities(kind, [&](const store::MemoryEntity& e) {
      if (e.expires_at && *e.expires_at <= now) return true;
      batch.push_back(chunk_of(e));
      if (batch.size() >= 1000) {
        index->add(batch);
        batch.clear();
      }
      return true;
    }));
    if (!scanned.is_ok()) return scanned;
    index->add(batch);
  }
  return Status::ok();
}

CellState::Task<void> CellState::embed(store::MemoryEntity& entity, const std::string& text) {
  auto embedder = embedders_.find(options_.embedding_model);
  if (!embedder.ok()) fail(embedder.status());
  std::vector<std::string> texts{text};
  auto vectors = co_await (*embedder)->embed(texts);
  if (!vectors.ok()) fail(vectors.status());
  entity.embedding_model = (*embedder)->id();
  entity.embedding = std::move(vectors->front());
}

void CellState::index(const store::MemoryEntity& entity) {
  indexes_.at(entity.kind)->replace_source(entity.tenant_id, entity.id, {chunk_of(entity)});
}

void CellState::unindex(const store::MemoryEntity& entity) {
  auto index = indexes_.find(entity.kind);
  if (index != indexes_.end()) index->second->remove_source(entity.tenant_id, entity.id);
}

bool CellState::indexed(const std::string& kind, const std::string& tenant_id, const std::string& id) const {
  auto index = indexes_.find(kind);
  return index != indexes_.end() && index->second->has_chunks(tenant_id, {id});
}

CellState::Task<int64_t> CellState::sweep_expired() {
  int64_t swept = 0;
  for (;;) {
    int64_t now = now_ms();
    auto expired = co_await store_.delete_expired_memory_entities(now, 500);
    if (!expired.ok()) fail(expired.status());
    for (const auto& entity : *expired) unindex(entity);
    swept += static_cast<int64_t>(expired->size());
    if (expired->size() < 500) co_return swept;
  }
}

// --- search

namespace {

// The value at a dotted path of `view`, or null.
const json::value* field_at(const json::object& view, std::string_view path) {
  const json::object* at = &view;
  for (;;) {
    auto dot = path.find('.');
    const json::value* v = at->if_contains(path.substr(0, dot));
    if (!v || dot == std::string_view::npos) return v;
    if (!v->is_object()) return nullptr;
    at = &v->as_object();
    path = path.substr(dot + 1);
  }
}

int compare(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.to_number<double>(), y = b.to_number<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) return a.get_string().subview().compare(b.get_string().subview());
  return a == b ? 0 : 2;  // 2: not ordered
}

// Whether `view` passes the filter expression: {field, op, value} with op eq, ne, gt, gte,
// lt, lte, contains, in; or {and: [...]}, {or: [...]}, {not: {...}}.
Result<bool> passes(const json::object& view, const json::value& filter) {
  if (!filter.is_object()) return Status::validation("filters", "each filter must be an object");
  const auto& f = filter.as_object();
  if (const auto* all = f.if_contains("and")) {
    if (!all->is_array()) return Status::validation("filters", "and takes an array of filters");
    for (const auto& sub : all->as_array()) {
      auto ok = passes(view, sub);
      if (!ok.ok() || !*ok) return ok;
    }
    return true;
  }
  if (const auto* any = f.if_contains("or")) {
    if (!any->is_array()) return Status::validation("filters", "or takes an array of filters");
    for (const auto& sub : any->as_array()) {
      auto ok = passes(view, sub);
      if (!ok.ok() || *ok) return ok;
    }
    return false;
  }
  if (const auto* negated = f.if_contains("not")) {
    auto ok = passes(view, *negated);
    if (!ok.ok()) return ok;
    return !*ok;
  }
  const json::value* field = f.if_contains("field");
  const json::value* op = f.if_contains("op");
  if (!op) op = f.if_contains("operator");
  const json::value* value = f.if_contains("value");
  if (!field || !field->is_string() || !value) {
    return Status::validation("filters", "a filter needs field, op and value (or and/or/not)");
  }
  std::string_view name = op && op->is_string() ? std::string_view(op->get_string()) : "eq";
  const json::value* actual = field_at(view, field->get_string());
  if (name == "eq") return actual && *actual == *value;
  if (name == "ne") return !actual || *actual != *value;
  if (name == "in") {
    if (!value->is_array()) return Status::validation("filters", "in takes an array value");
    return actual && std::find(value->as_array().begin(), value->as_array().end(), *actual) != value->as_array().end();
  }
  if (name == "contains") {
    if (!actual) return false;
    if (actual->is_array()) {
      return std::find(actual->as_array().begin(), actual->as_array().end(), *value) != actual->as_array().end();
    }
    return actual->is_string() && value->is_string() &&
           actual->get_string().subview().find(value->get_string().subview()) != std::string_view::npos;
  }
  if (name == "gt" || name == "gte" || name == "lt" || name == "lte") {
    if (!actual) return false;
    int c = compare(*actual, *value);
    if (c == 2) return false;
    if (name == "gt") return c > 0;
    if (name == "gte") return c >= 0;
    if (name == "lt") return c < 0;
    return c <= 0;
  }
  return Status::validation("filters", "unknown filter op " + std::string(name));
}

// A keyword score for entities outside the indexes: the share of query words found in `text`.
double word_overlap(const std::vector<std::string>& words, const std::string& text) {
  if (words.empty()) return 0;
  std::string haystack = ascii_lower(text);
  size_t found = 0;
  for (const auto& w : words) found += haystack.find(w) != std::string::npos;
  return static_cast<double>(found) / static_cast<double>(words.size());
}

std::string snippet_of(std::string_view text) {
  if (text.size() <= 200) return std::string(text);
  size_t cut = 200;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return std::string(text.substr(0, cut)) + "…";
}

}  // namespace

namespace {

// The search mode a request asks for (see CellState::search).
Result<knowledge::SearchMode> search_mode(FieldReader& f, bool use_vectors, bool turns) {
  auto mode = f.one_of("search_mode", {"keyword", "vector", "hybrid"});
  if (!mode) return use_vectors ? knowledge::SearchMode::kVector
                                : turns ? knowledge::SearchMode::kHybrid : knowledge::SearchMode::kKeyword;
  if (*mode == "keyword") return knowledge::SearchMode::kKeyword;
  return *mode == "vector" ? knowledge::SearchMode::kVector : knowledge::SearchMode::kHybrid;
}

}  // namespace

CellState::Task<json::object> CellState::search(std::string tenant, json::object body, std::string only) {
  FieldReader f(body);
  std::string text = f.required_string("query", 0, 10000);
  auto types = f.string_array("entity_types", 64);
  if (!types) f.fail("entity_types", "field required");
  const json::value* filters = body.if_contains("filters");
  if (!filters || filters->is_null()) filters = nullptr;
  else if (!filters->is_array()) f.fail("filters", "filters must be an array");
  int64_t limit = f.integer("limit", 0, 1000).value_or(10);
  bool use_vectors = f.boolean("use_vector_search").value_or(false);
  auto entity_mode = search_mode(f, use_vectors, false);
  auto turn_mode = search_mode(f, use_vectors, true);
  require(f);
  std::set<std::string> wanted;
  for (const auto& t : *types) {
    if (!is_entity_type(t)) fail(Status::validation("entity_types", "unknown entity type " + t));
    if (only.empty() || t == only) wanted.insert(t);
  }
  if (!only.empty()) wanted.insert(only);

  auto keep = [&](const json::object& view) {
    if (!filters) return true;
    for (const auto& filter : filters->as_array()) {
      auto ok = passes(view, filter);
      if (!ok.ok()) fail(ok.status());
      if (!*ok) return false;
    }
    return true;
  };
  // Hits are read from the store best first, only until the limit is filled: the ones after
  // are needed only when filters or expiry drop some.
  const auto candidates = static_cast<size_t>(std::max<int64_t>(limit * (filters ? 20 : 5), 50));

  struct Found {
    std::string type, id, name, snippet;
    double score;
    json::object extra;  // type-specific fields of the result
  };
  std::vector<Found> found;
  for (const auto& type : wanted) {
    if (type == kTurn) {
      knowledge::TurnQuery tq{.tenant_id = tenant, .text = text, .mode = *turn_mode, .limit = candidates};
      const auto hits = turns_.search(tq);
      // The stored turns of the hits, read at once: a filter may need fields the index lacks.
      std::vector<std::string> ids;
      for (const auto& hit : hits) ids.push_back(hit.turn.id);
      auto stored = co_await store_.get_turns(tenant, ids);
      if (!stored.ok()) fail(stored.status());
      std::map<std::string, const store::Turn*> by_id;
      for (const auto& turn : *stored) by_id[turn.id] = &turn;
      std::map<std::string, json::value> trajectory_of;  // by scope id: a scope's trajectory, else null
      int64_t taken = 0;
      for (const auto& hit : hits) {
        if (taken >= limit) break;
        auto read = by_id.find(hit.turn.id);
        if (read == by_id.end()) continue;
        const store::Turn* turn = read->second;
        auto [trajectory, fresh] = trajectory_of.try_emplace(turn->session_id);
        if (fresh) {
          auto scope = co_await find(tenant, kScope, turn->session_id);
          if (scope) trajectory->second = scope->parent_id;
        }
        json::object view = turn_view(*turn);
        view["trajectory_id"] = trajectory->second;
        if (!keep(view)) continue;
        json::object extra{{"scope_id", view["scope_id"]},     {"trajectory_id", trajectory->second},
                           {"role", view["role"]},             {"sequence", view["sequence"]},
                           {"created_at", view["created_at"]}, {"metadata", view["metadata"]}};
        found.push_back({type, turn->id, turn->role, snippet_of(turn->content), knowledge::score_under(*turn_mode, hit),
                         std::move(extra)});
        ++taken;
      }
      continue;
    }
    auto index = indexes_.find(type);
    if (index != indexes_.end()) {
      knowledge::KnowledgeQuery kq;
      kq.tenant_id = tenant;
      kq.limit = candidates;
      if (*entity_mode != knowledge::SearchMode::kKeyword) {
        auto embedder = embedders_.find(options_.embedding_model);
        if (!embedder.ok()) fail(embedder.status());
        std::vector<std::string> texts{text};
        auto vectors = co_await (*embedder)->embed(texts);
        if (!vectors.ok()) fail(vectors.status());
        kq.vectors[(*embedder)->id()] = std::move(vectors->front());
      }
      if (*entity_mode != knowledge::SearchMode::kVector) kq.text = text;
      auto hits = index->second->search(kq);
      int64_t taken = 0;
      for (const auto& hit : hits) {
        if (taken >= limit) break;
        auto entity = co_await find(tenant, type, hit.chunk.source_id);
        if (!entity || !keep(public_view(*entity))) continue;
        auto content = body_of(*entity).if_contains("content");
        double score = knowledge::score_under(*entity_mode, hit);
        found.push_back({type, entity->id, hit.chunk.source_name,
                         snippet_of(content && content->is_string() ? std::string_view(content->get_string()) : ""),
                         score, {}});
        ++taken;
      }
      continue;
    }
    // Kinds without an index: word overlap over the fields that name and describe them (no
    // fields: the whole entity's JSON).
    static const std::map<std::string, std::vector<std::string>, std::less<>> kSearchable = {
        {"trajectory", {"name", "description"}},
        {"scope", {"name", "purpose"}},
        {"agent", {"agent_type"}},
        {"message", {"payload"}},
        {"delegation", {"task_description"}},
        {"handoff", {"reason"}},
        {"lock", {"resource_type", "resource_id", "mode"}},
        {"edge", {"edge_type"}},
        {"summarization_policy", {"name", "source_level", "target_level"}},
        {"summarization_request", {"status", "source_level", "target_level"}},
        {"evolution_snapshot", {"name", "phase"}},
        {"event", {"kind_name", "entity_type"}},
        {"config", {}}};
    auto fields = kSearchable.find(type);
    if (fields == kSearchable.end()) continue;
    std::vector<std::string> words;
    for (size_t start = 0; start < text.size();) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) words.push_back(ascii_lower(std::string_view(text).substr(start, end - start)));
      start = end + 1;
    }
    store::MemoryEntityQuery q{.tenant_id = tenant, .kind = type, .live_at = now_ms(), .limit = 1000};
    auto page = co_await query(q);
    for (const auto& entity : page.items) {
      json::object view = public_view(entity);
      std::string haystack = fields->second.empty() ? json_text(view) : std::string();
      for (const auto& name : fields->second) {
        if (const auto* v = view.if_contains(name); v && v->is_string()) haystack += std::string(v->get_string()) + " ";
      }
      double score = word_overlap(words, haystack);
      if (score <= 0 || !keep(view)) continue;
      const json::value* name = fields->second.empty() ? nullptr : view.if_contains(fields->second.front());
      found.push_back({type, entity.id, name && name->is_string() ? std::string(name->get_string()) : "",
                       snippet_of(haystack), score, {}});
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.score > b.score; });
  if (static_cast<int64_t>(found.size()) > limit) found.resize(static_cast<size_t>(limit));
  json::array results;
  for (auto& r : found) {
    json::object result{{"entity_type", r.type}, {"entity_id", r.id}, {"id", r.id},
                        {"name", r.name},        {"snippet", r.snippet}, {"score", r.score}};
    for (auto& [key, value] : r.extra) result[key] = std::move(value);
    results.push_back(std::move(result));
  }
  co_return json::object{{"total", results.size()}, {"results", std::move(results)}};
}

}  // namespace brainstem::memory
