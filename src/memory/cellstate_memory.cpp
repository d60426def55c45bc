// Artifacts and notes: typed, hashed, expiring memory, indexed for search.
//
// Keyed columns: an artifact's parent_id is its scope, owner_id its trajectory, type its
// artifact_type, status "scope_bound" when its TTL ends with the scope. A note's type is its
// note_type. Both expire by their TTL (memory/ttl.h); reads count access.
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_text.h"
#include "memory/cellstate.h"
#include "memory/cellstate_internal.h"
#include "memory/ttl.h"

namespace brainstem::memory {

namespace json = boost::json;
using namespace detail;

namespace {

const std::initializer_list<std::string_view> kArtifactTypes = {
    "error_log", "code_patch", "design_decision", "user_preference", "fact", "constraint", "tool_result",
    "intermediate_output", "custom", "code", "document", "data", "model", "config", "log", "summary", "decision",
    "plan", "audio", "image", "video", "transcript", "screenshot"};
const std::initializer_list<std::string_view> kExtractionMethods = {
    "explicit", "inferred", "user_provided", "llm_extraction", "tool_extraction", "memory_recall", "external_api",
    "unknown"};
const std::initializer_list<std::string_view> kNoteTypes = {
    "convention", "strategy", "gotcha", "fact", "preference", "relationship", "procedure", "meta", "insight",
    "correction", "summary"};
const std::initializer_list<std::string_view> kAbstractionLevels = {"raw", "summary", "principle"};
constexpr size_t kMaxContent = 4 << 20;

json::object links_of(const store::MemoryEntity& e) {
  if (e.kind == kNote) return {{"self", json::object{{"href", "/api/v1/notes/" + e.id}}}};
  return {{"self", json::object{{"href", "/api/v1/artifacts/" + e.id}}},
          {"scope", json::object{{"href", "/api/v1/scopes/" + e.parent_id}}},
          {"trajectory", json::object{{"href", "/api/v1/trajectories/" + e.owner_id}}}};
}

json::object view_of(const store::MemoryEntity& e) { return public_view(e, links_of(e)); }

// The TTL field of a request, or nullopt when absent.
std::optional<Ttl> ttl_field(FieldReader& f, const json::object& body) {
  const json::value* v = body.if_contains("ttl");
  if (!v || v->is_null()) return std::nullopt;
  auto ttl = parse_ttl(*v);
  if (!ttl.ok()) {
    f.fail("ttl", ttl.status().message());
    return std::nullopt;
  }
  return std::move(ttl).value();
}

// Applies `ttl` to the entity written now: its expiry, its scope binding, its read limit.
void apply_ttl(store::MemoryEntity& e, json::object& body, const Ttl& ttl) {
  bool has_scope = e.kind == kArtifact;
  e.expires_at = expiry_of(ttl, e.updated_at, has_scope);
  if (has_scope) e.status = ttl.scope_bound ? "scope_bound" : "";
  body["ttl"] = ttl.value;
  if (ttl.max_reads) body["_max_reads"] = *ttl.max_reads;
  else body.erase("_max_reads");
}

// The receipt: a hash over what the entity says and where it came from, so a reader can
// check that neither changed since it was written.
std::string receipt_of(const json::object& body, const std::vector<std::string_view>& fields) {
  json::object signed_fields;
  for (auto field : fields) {
    const json::value* v = body.if_contains(field);
    signed_fields[field] = v ? *v : json::value(nullptr);
  }
  return crypto::sha256_hex(json_text(signed_fields));
}

void seal_artifact(json::object& body) {
  body["content_hash"] = crypto::sha256_hex(body.at("content").as_string());
  body["receipt_hash"] = receipt_of(body, {"artifact_id", "tenant_id", "trajectory_id", "scope_id", "artifact_type",
                                           "name", "content_hash", "provenance", "created_at"});
}

void seal_note(json::object& body) {
  body["content_hash"] = crypto::sha256_hex(body.at("content").as_string());
  body["receipt_hash"] = receipt_of(body, {"note_id", "tenant_id", "note_type", "title", "content_hash",
                                           "source_artifact_ids", "source_note_ids", "source_trajectory_ids",
                                           "created_at"});
}

std::string search_text(const json::object& body, std::string_view title_field) {
  return std::string(body.at(title_field).as_string()) + "\n" + std::string(body.at("content").as_string());
}

json::array id_array(const std::vector<std::string>& ids) {
  json::array out;
  for (const auto& id : ids) out.emplace_back(id);
  return out;
}

}  // namespace

CellState::Task<Ttl> CellState::default_ttl(std::string tenant) {
  auto config = co_await tenant_config(tenant);
  const json::value* configured = config.if_contains("default_ttl");
  auto ttl = parse_ttl(configured ? *configured : json::value("persistent"));
  if (!ttl.ok()) fail(ttl.status());
  co_return std::move(ttl).value();
}

// --- artifacts

CellState::Task<json::object> CellState::list_artifacts(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kArtifact, .live_at = now_ms(), .limit = page.limit,
                              .offset = page.offset};
  eq.count_total = true;
  if (auto type = q("artifact_type")) eq.type = *type;
  if (auto trajectory = q("trajectory_id")) eq.owner_id = *trajectory;
  if (auto scope = q("scope_id")) eq.parent_id = *scope;
  eq.created_after = time_param(q, "created_after");
  eq.created_before = time_param(q, "created_before");
  auto found = co_await query(eq);
  json::array list;
  for (const auto& a : found.items) list.push_back(view_of(a));
  co_return json::object{{"total", found.total}, {"artifacts", std::move(list)}};
}

CellState::Task<json::object> CellState::create_artifact(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string name = f.required_string("name", 1, 500);
  std::string content = f.required_string("content", 0, kMaxContent);
  auto type = f.one_of("artifact_type", kArtifactTypes);
  if (!type && f.ok()) f.fail("artifact_type", "field required");
  auto method = f.one_of("extraction_method", kExtractionMethods);
  if (!method && f.ok()) f.fail("extraction_method", "field required");
  std::string scope_id = required_uuid(f, "scope_id");
  std::string trajectory_id = required_uuid(f, "trajectory_id");
  auto source_turn = f.integer("source_turn", 0, INT32_MAX);
  if (!source_turn && f.ok()) f.fail("source_turn", "field required");
  auto confidence = f.number("confidence", 0.0, 1.0);
  json::value metadata = object_or_null(f, "metadata");
  auto supersedes = uuid_field(f, "supersedes");
  auto ttl = ttl_field(f, body);
  require(f);

  if (!ttl) ttl = co_await default_ttl(tenant);
  auto scope = co_await find(tenant, kScope, scope_id);
  if (!scope) fail(Status::not_found("scope not found").with_field("scope_id"));
  if (scope->parent_id != trajectory_id) {
    fail(Status::validation("trajectory_id", "the scope belongs to another trajectory"));
  }
  std::optional<store::MemoryEntity> older;
  if (supersedes) {
    older = co_await find(tenant, kArtifact, *supersedes);
    if (!older) fail(Status::not_found("the superseded artifact was not found").with_field("supersedes"));
  }

  store::MemoryEntity a;
  a.tenant_id = tenant;
  a.kind = kArtifact;
  a.id = crypto::uuid_v4();
  a.parent_id = scope_id;
  a.owner_id = trajectory_id;
  a.type = *type;
  a.created_at = a.updated_at = now_ms();
  std::string created = iso8601(a.created_at);
  json::object view{{"artifact_id", a.id},
                    {"tenant_id", tenant},
                    {"trajectory_id", trajectory_id},
                    {"scope_id", scope_id},
                    {"artifact_type", *type},
                    {"name", name},
                    {"content", content},
                    {"metadata", std::move(metadata)},
                    {"provenance", json::object{{"source_turn", *source_turn},
                                                {"extraction_method", *method},
                                                {"confidence", confidence ? json::value(*confidence) : json::value(nullptr)}}},
                    {"embedding", nullptr},
                    {"superseded_by", nullptr},
                    {"access_count", 0},
                    {"accessed_at", nullptr},
                    {"created_at", created},
                    {"updated_at", created}};
  apply_ttl(a, view, *ttl);
  seal_artifact(view);
  co_await embed(a, search_text(view, "name"));
  a.body = json_text(view);
  auto stored = co_await insert_recorded(std::move(a), kArtifactCreated, scope_id);
  index(stored);
  if (older) {
    json::object old_body = body_of(*older);
    old_body["superseded_by"] = stored.id;
    older->body = json_text(old_body);
    co_await save(std::move(*older));
  }
  std::string event = "artifact";
  co_await fire_triggers(*scope, event, 0);
  co_return view_of(stored);
}

CellState::Task<json::object> CellState::read_counted(std::string tenant, std::string kind, std::string id) {
  bool last_read = false;
  auto change = [&](store::MemoryEntity& e, json::object& body) {
    int64_t now = now_ms();
    int64_t count = body["access_count"].is_int64() ? body["access_count"].get_int64() + 1 : 1;
    body["access_count"] = count;
    body["accessed_at"] = iso8601(now);
    const json::value* max_reads = body.if_contains("_max_reads");
    last_read = max_reads && max_reads->is_int64() && count >= max_reads->get_int64();
    if (last_read) e.expires_at = now;
    return true;
  };
  auto read = co_await mutate(tenant, kind, id, change);
  if (last_read) unindex(read);
  co_return view_of(read);
}

CellState::Task<json::object> CellState::get_artifact(std::string tenant, std::string id) {
  auto view = co_await read_counted(tenant, kArtifact, id);
  co_return view;
}

CellState::Task<json::object> CellState::update_memory(std::string tenant, std::string kind, std::string id,
                                                       json::object patch) {
  bool note = kind == kNote;
  std::string_view title_field = note ? "title" : "name";
  FieldReader f(patch);
  auto title = f.string(title_field, 1, 500);
  auto content = f.string("content", 0, kMaxContent);
  const json::object* metadata = f.object("metadata");
  auto type = note ? f.one_of("note_type", kNoteTypes) : f.one_of("artifact_type", kArtifactTypes);
  auto ttl = ttl_field(f, patch);
  require(f);
  auto e = co_await fetch(tenant, kind, id);
  json::object body = body_of(e);
  if (title) body[title_field] = *title;
  if (content) body["content"] = *content;
  if (metadata) body["metadata"] = *metadata;
  if (type) {
    e.type = *type;
    body[note ? "note_type" : "artifact_type"] = *type;
  }
  e.updated_at = now_ms();
  body["updated_at"] = iso8601(e.updated_at);
  if (ttl) apply_ttl(e, body, *ttl);
  if (note) seal_note(body);
  else seal_artifact(body);
  if (title || content) co_await embed(e, search_text(body, title_field));
  e.body = json_text(body);
  auto stored = co_await save(std::move(e));
  index(stored);
  co_await record_event(tenant, note ? kNoteUpdated : kArtifactUpdated, kind, id, kNoContainer);
  co_return view_of(stored);
}

CellState::Task<json::object> CellState::update_artifact(std::string tenant, std::string id, json::object patch) {
  auto view = co_await update_memory(tenant, kArtifact, id, std::move(patch));
  co_return view;
}

CellState::Task<void> CellState::delete_artifact(std::string tenant, std::string id) {
  auto e = co_await fetch(tenant, kArtifact, id);
  co_await erase(tenant, kArtifact, id);
  unindex(e);
  co_await record_event(tenant, kArtifactDeleted, kArtifact, id, kNoContainer);
}

// --- notes

CellState::Task<json::object> CellState::list_notes(std::string tenant, QueryLookup q) {
  Page page = page_of(q);
  store::MemoryEntityQuery eq{.tenant_id = tenant, .kind = kNote, .live_at = now_ms(), .limit = page.limit,
                              .offset = page.offset};
  eq.count_total = true;
  if (auto type = q("note_type")) eq.type = *type;
  if (auto trajectory = q("source_trajectory_id")) eq.body_contains.emplace_back("$.source_trajectory_ids", *trajectory);
  eq.created_after = time_param(q, "created_after");
  eq.created_before = time_param(q, "created_before");
  auto found = co_await query(eq);
  json::array list;
  for (const auto& n : found.items) list.push_back(view_of(n));
  co_return json::object{{"total", found.total}, {"notes", std::move(list)}};
}

CellState::Task<json::object> CellState::create_note(std::string tenant, json::object body) {
  FieldReader f(body);
  std::string title = f.required_string("title", 1, 500);
  std::string content = f.required_string("content", 0, kMaxContent);
  auto type = f.one_of("note_type", kNoteTypes);
  if (!type && f.ok()) f.fail("note_type", "field required");
  auto artifact_ids = f.string_array("source_artifact_ids", 1000);
  if (!artifact_ids && f.ok()) f.fail("source_artifact_ids", "field required");
  auto trajectory_ids = f.string_array("source_trajectory_ids", 1000);
  if (!trajectory_ids && f.ok()) f.fail("source_trajectory_ids", "field required");
  auto note_ids = f.string_array("source_note_ids", 1000).value_or(std::vector<std::string>{});
  auto level = f.one_of("abstraction_level", kAbstractionLevels);
  json::value metadata = object_or_null(f, "metadata");
  auto ttl = ttl_field(f, body);
  require(f);
  if (!ttl) ttl = co_await default_ttl(tenant);
  // Every source must be the tenant's own.
  const std::pair<const std::string*, const std::vector<std::string>*> sources[] = {
      {&kArtifact, &*artifact_ids}, {&kNote, &note_ids}, {&kTrajectory, &*trajectory_ids}};
  for (const auto& [kind, ids] : sources) {
    for (const auto& source : *ids) {
      auto found = co_await find(tenant, *kind, source);
      if (!found) fail(Status::not_found("source " + *kind + " " + source + " not found").with_field("source_" + *kind + "_ids"));
    }
  }

  store::MemoryEntity n;
  n.tenant_id = tenant;
  n.kind = kNote;
  n.id = crypto::uuid_v4();
  n.type = *type;
  n.created_at = n.updated_at = now_ms();
  std::string created = iso8601(n.created_at);
  json::object view{{"note_id", n.id},
                    {"tenant_id", tenant},
                    {"note_type", *type},
                    {"title", title},
                    {"content", content},
                    {"metadata", std::move(metadata)},
                    {"source_artifact_ids", id_array(*artifact_ids)},
                    {"source_note_ids", id_array(note_ids)},
                    {"source_trajectory_ids", id_array(*trajectory_ids)},
                    {"abstraction_level", level.value_or("raw")},
                    {"embedding", nullptr},
                    {"superseded_by", nullptr},
                    {"access_count", 0},
                    {"accessed_at", nullptr},
                    {"created_at", created},
                    {"updated_at", created}};
  apply_ttl(n, view, *ttl);
  seal_note(view);
  co_await embed(n, search_text(view, "title"));
  n.body = json_text(view);
  auto stored = co_await insert_recorded(std::move(n), kNoteCreated, kNoContainer);
  index(stored);
  co_return view_of(stored);
}

CellState::Task<json::object> CellState::get_note(std::string tenant, std::string id) {
  auto view = co_await read_counted(tenant, kNote, id);
  co_return view;
}

CellState::Task<json::object> CellState::update_note(std::string tenant, std::string id, json::object patch) {
  auto view = co_await update_memory(tenant, kNote, id, std::move(patch));
  co_return view;
}

CellState::Task<void> CellState::delete_note(std::string tenant, std::string id) {
  auto e = co_await fetch(tenant, kNote, id);
  co_await erase(tenant, kNote, id);
  unindex(e);
  co_await record_event(tenant, kNoteDeleted, kNote, id, kNoContainer);
}

}  // namespace brainstem::memory
