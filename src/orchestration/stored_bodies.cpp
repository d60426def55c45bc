#include "orchestration/stored_bodies.h"

#include "common/clock.h"
#include "common/json_text.h"

namespace brainstem::orchestration {

namespace json = boost::json;

boost::asio::awaitable<Result<std::vector<store::MemoryEntity>>> stored_rows(store::MemoryStore& store,
                                                                             const std::string& tenant_id,
                                                                             const std::string& kind,
                                                                             const std::string& parent_id) {
  store::MemoryEntityQuery query;
  query.tenant_id = tenant_id;
  query.kind = kind;
  if (!parent_id.empty()) query.parent_id = parent_id;
  query.limit = 1000;
  auto page = co_await store.list_memory_entities(query);
  if (!page) co_return page.status();
  co_return std::move(page->items);
}

boost::asio::awaitable<Result<std::vector<json::object>>> stored_bodies(store::MemoryStore& store,
                                                                        const std::string& tenant_id,
                                                                        const std::string& kind,
                                                                        const std::string& parent_id) {
  auto rows = co_await stored_rows(store, tenant_id, kind, parent_id);
  if (!rows) co_return rows.status();
  std::vector<json::object> out;
  for (const auto& row : *rows) {
    boost::system::error_code ec;
    json::value body = json::parse(row.body, ec);
    if (!ec && body.is_object()) out.push_back(std::move(body.as_object()));
  }
  co_return out;
}

namespace {

json::object object_of(const std::string& text) {
  boost::system::error_code ec;
  json::value body = json::parse(text, ec);
  return !ec && body.is_object() ? std::move(body.as_object()) : json::object();
}

}  // namespace

boost::asio::awaitable<Result<json::object>> stored_body(store::MemoryStore& store, const std::string& tenant_id,
                                                         const std::string& kind, const std::string& id) {
  auto stored = co_await store.get_memory_entity(tenant_id, kind, id);
  if (!stored) {
    if (stored.status().code() == StatusCode::kNotFound) co_return json::object();
    co_return stored.status();
  }
  co_return object_of(stored->body);
}

boost::asio::awaitable<Result<json::object>> change_body(store::MemoryStore& store, const std::string& tenant_id,
                                                         const std::string& kind, const std::string& id,
                                                         const std::function<void(json::object&)>& change) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto stored = co_await store.get_memory_entity(tenant_id, kind, id);
    if (!stored && stored.status().code() != StatusCode::kNotFound) co_return stored.status();
    store::MemoryEntity entity = stored ? *stored : store::MemoryEntity{};
    json::object body = stored ? object_of(stored->body) : json::object();
    change(body);
    entity.tenant_id = tenant_id;
    entity.kind = kind;
    entity.id = id;
    entity.body = json_text(body);
    entity.updated_at = now_ms();
    if (!stored) entity.created_at = entity.updated_at;
    // Not a ?: around the co_awaits: GCC 12 mis-compiles that.
    Result<store::MemoryEntity> saved = Status::internal("not saved");
    if (stored) saved = co_await store.update_memory_entity(entity);
    else saved = co_await store.create_memory_entity(entity);
    if (saved) co_return body;
    if (saved.status().code() != StatusCode::kConflict) co_return saved.status();
  }
  co_return Status::conflict(kind + " kept changing; try again");
}

}  // namespace brainstem::orchestration
