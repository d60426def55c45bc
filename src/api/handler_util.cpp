#include "api/handler_util.h"

namespace brainstem::api {

boost::json::object json_body(const http::Request& req, bool allow_empty, boost::json::storage_ptr storage) {
  auto parsed = parse_json_object(req.body, allow_empty, std::move(storage));
  if (!parsed) throw StatusError(parsed.status());
  return std::move(parsed).value();
}

http::Response cerebral_ok(boost::json::value data, int status) {
  return http::Response::json(status, boost::json::object{{"success", true}, {"data", std::move(data)}});
}

boost::json::object rpc_result(const boost::json::value& id, boost::json::value result) {
  return boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

boost::json::object rpc_error(const boost::json::value& id, int code, std::string message) {
  return boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", boost::json::object{{"code", code}, {"message", std::move(message)}}}};
}

}  // namespace brainstem::api
