#include "orchestration/stored_bodies.h"

namespace brainstem::orchestration {

namespace json = boost::json;

boost::asio::awaitable<Result<std::vector<json::object>>> stored_bodies(store::MemoryStore& store,
                                                                        const std::string& tenant_id,
                                                                        const std::string& kind,
                                                                        const std::string& parent_id) {
  store::MemoryEntityQuery query;
  query.tenant_id = tenant_id;
  query.kind = kind;
  query.parent_id = parent_id;
  query.limit = 1000;
  auto page = co_await store.list_memory_entities(query);
  if (!page) co_return page.status();
  std::vector<json::object> out;
  for (const auto& row : page->items) {
    boost::system::error_code ec;
    json::value body = json::parse(row.body, ec);
    if (!ec && body.is_object()) out.push_back(std::move(body.as_object()));
  }
  co_return out;
}

}  // namespace brainstem::orchestration
