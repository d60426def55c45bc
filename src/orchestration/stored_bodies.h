// Orchestration keeps some records (security scans, entity versions) as rows of the memory
// store: a JSON body under a parent. This reads them back.
#pragma once

#include "common/status.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace brainstem::orchestration {

// The bodies of the tenant's rows of `kind` under `parent_id`, newest first (at most 1,000);
// a body that is not a JSON object is left out.
boost::asio::awaitable<Result<std::vector<boost::json::object>>> stored_bodies(store::MemoryStore& store,
                                                                               const std::string& tenant_id,
                                                                               const std::string& kind,
                                                                               const std::string& parent_id);

}  // namespace brainstem::orchestration
