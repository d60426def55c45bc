// Orchestration keeps some records (security scans, entity versions, a tenant's policy or
// notification settings) as rows of the memory store: a JSON body, under a parent or alone
// under a fixed id. These read and write them.
#pragma once

#include "common/status.h"
#include "store/memory_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace brainstem::orchestration {

// The tenant's rows of `kind` under `parent_id` (empty: under any parent or none), newest
// first, at most 1,000.
boost::asio::awaitable<Result<std::vector<store::MemoryEntity>>> stored_rows(store::MemoryStore& store,
                                                                             const std::string& tenant_id,
                                                                             const std::string& kind,
                                                                             const std::string& parent_id);

// The bodies of those rows under `parent_id`; a body that is not a JSON object is left out.
boost::asio::awaitable<Result<std::vector<boost::json::object>>> stored_bodies(store::MemoryStore& store,
                                                                               const std::string& tenant_id,
                                                                               const std::string& kind,
                                                                               const std::string& parent_id);

// The body of the tenant's one row `kind`/`id`; an empty object when there is none.
boost::asio::awaitable<Result<boost::json::object>> stored_body(store::MemoryStore& store, const std::string& tenant_id,
                                                                const std::string& kind, const std::string& id);

// Reads that body (empty when there is none), lets `change` edit it, and stores it, created or
// replaced; read again and changed again when another writer got in between. Returns the body
// as stored.
boost::asio::awaitable<Result<boost::json::object>> change_body(store::MemoryStore& store, const std::string& tenant_id,
                                                                const std::string& kind, const std::string& id,
                                                                const std::function<void(boost::json::object&)>& change);

}  // namespace brainstem::orchestration
