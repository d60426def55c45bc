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

}  // namespace brainstem::api
