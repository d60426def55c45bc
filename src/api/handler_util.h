// Small helpers every route file uses: body parsing that throws the right Status, unwrapping
// results, and the envelopes of successful answers.
#pragma once

#include "common/clock.h"
#include "common/json_body.h"
#include "common/offload.h"
#include "http/message.h"

#include <boost/json.hpp>

#include <optional>

namespace brainstem::api {

// The body as a JSON object, its nodes from `storage`; StatusError(kInvalidArgument) if it
// is not one.
boost::json::object json_body(const http::Request& req, bool allow_empty = false, boost::json::storage_ptr storage = {});

inline void check(const FieldReader& fields) {
  if (!fields.ok()) throw StatusError(fields.status());
}

inline void check(const Status& s) {
  if (!s.is_ok()) throw StatusError(s);
}

template <class T>
T unwrap(Result<T>&& r) {
  if (!r) throw StatusError(r.status());
  return std::move(r).value();
}

// JSON-RPC 2.0 envelopes (the MCP server, the A2A gateway).
boost::json::object rpc_result(const boost::json::value& id, boost::json::value result);
boost::json::object rpc_error(const boost::json::value& id, int code, std::string message);

// CerebralOS success envelope: {"success": true, "data": ...}.
http::Response cerebral_ok(boost::json::value data, int status = 200);

inline boost::json::value iso_or_null(const std::optional<int64_t>& ms) {
  return ms ? boost::json::value(iso8601(*ms)) : boost::json::value(nullptr);
}

}  // namespace brainstem::api
