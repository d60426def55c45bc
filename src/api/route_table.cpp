#include "api/route_table.h"
#include "common/text.h"

#include <boost/json.hpp>

#include <stdexcept>

namespace brainstem::api {

namespace json = boost::json;

std::string openapi_path(std::string_view path) {
  std::string out;
  for (auto seg : http::split_path(path)) {
    out += '/';
    if (seg.front() == ':') out += "{" + std::string(seg.substr(1)) + "}";
    else out += seg;
  }
  return out.empty() ? "/" : out;
}

void RouteTable::add(Route route) {
  if (backend_only_ && !route.backend) return;
  for (const auto* schema : {&route.request_schema, &route.response_schema}) {
    if (schema->empty()) continue;
    boost::system::error_code ec;
    json::parse(*schema, ec);
    if (ec) throw std::invalid_argument("bad schema for " + route.method + " " + route.path + ": " + ec.message());
  }
  if (!router_.add(route.method, route.path, routes_.size())) {
    throw std::invalid_argument("duplicate route " + route.method + " " + route.path);
  }
  routes_.push_back(std::move(route));
}

json::object RouteTable::openapi(const std::string& version) const {
  json::object paths;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    json::object op;
    op["operationId"] = r.method + openapi_path(r.path);
    op["summary"] = r.summary;
    op["tags"] = json::array{json::string(family_name(r.family))};
    if (auto seed = family_seed(r.family); !seed.empty()) op["x-seed"] = seed;
    switch (r.auth) {
      case Auth::kNone: op["security"] = json::array{}; break;
      case Auth::kUser: op["security"] = json::array{json::object{{"bearerJwt", json::array{}}}}; break;
      case Auth::kKey:
        op["security"] = json::array{json::object{{"apiKeyHeader", json::array{}}},
                                     json::object{{"bearerApiKey", json::array{}}}};
        break;
      case Auth::kAny:
        op["security"] = json::array{json::object{{"bearerJwt", json::array{}}},
                                     json::object{{"apiKeyHeader", json::array{}}},
                                     json::object{{"bearerApiKey", json::array{}}}};
        break;
    }
    json::array params;
    for (auto seg : http::split_path(r.path)) {
      if (seg.front() != ':' && seg.front() != '{') continue;
      std::string name(seg.front() == ':' ? seg.substr(1) : seg.substr(1, seg.size() - 2));
      params.push_back(json::object{{"name", name}, {"in", "path"}, {"required", true},
                                    {"schema", json::object{{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r.request_schema.empty()) {
      op["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json", json::object{{"schema", json::parse(r.request_schema)}}}}}};
    }
    json::object ok{{"description", "Success"}};
    if (!r.response_schema.empty()) {
      ok["content"] = json::object{{"application/json", json::object{{"schema", json::parse(r.response_schema)}}}};
    }
    json::object responses;
    responses[std::to_string(r.success_status)] = std::move(ok);
    responses["default"] = json::object{{"description", "Error, in the family's envelope"}};
    op["responses"] = std::move(responses);

    const std::string method = ascii_lower(r.method);
    auto& item = paths[openapi_path(r.path)];
    if (!item.is_object()) item = json::object{};
    item.as_object()[method] = std::move(op);
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "brainstem"}, {"version", version},
                            {"description", "One server for agents, memory, knowledge and models."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"securitySchemes",
                     json::object{{"bearerJwt", json::object{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
                                  {"bearerApiKey", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                                  {"apiKeyHeader", json::object{{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}}}}};
}

}  // namespace brainstem::api
