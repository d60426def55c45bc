#include "services/cache_invalidation.h"

namespace brainstem::services {

boost::asio::awaitable<void> LocalCacheInvalidation::agent_changed(const std::string&, const std::string& agent_id) {
  agents_.invalidate(agent_id);  // agent ids are unique across tenants
  co_return;
}

boost::asio::awaitable<void> LocalCacheInvalidation::answers_flushed(const std::string& tenant_id,
                                                                     const std::string& agent_id) {
  answers_.flush(tenant_id, agent_id);
  co_return;
}

}  // namespace brainstem::services
