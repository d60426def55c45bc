#include "api/route_table.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::api;
namespace asio = boost::asio;
namespace json = boost::json;

Route route(std::string method, std::string path, Family family = Family::kSystem, Auth auth = Auth::kNone) {
  Route r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.family = family;
  r.auth = auth;
  r.summary = "summary of " + r.method + " " + r.path;
  r.handler = [](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
    co_return http::Response::empty(204);
  };
  return r;
}

TEST(OpenapiPath, ConvertsColonParametersToBraces) {
  EXPECT_EQ(openapi_path("/v1/api-keys/:id"), "/v1/api-keys/{id}");
  EXPECT_EQ(openapi_path("/v1/workspaces/:workspaceId/members"), "/v1/workspaces/{workspaceId}/members");
  EXPECT_EQ(openapi_path("/a/:x/b/:y"), "/a/{x}/b/{y}");
}

TEST(OpenapiPath, KeepsBraceParametersAndLiterals) {
  EXPECT_EQ(openapi_path("/portal/api/keys/{key_id}"), "/portal/api/keys/{key_id}");
  EXPECT_EQ(openapi_path("/openapi.json"), "/openapi.json");
}

TEST(OpenapiPath, NormalisesSlashes) {
  EXPECT_EQ(openapi_path("/"), "/");
  EXPECT_EQ(openapi_path(""), "/");
  EXPECT_EQ(openapi_path("//a///b/"), "/a/b");
}

TEST(RouteTable, AddedRoutesAreFoundByMethodAndPath) {
  RouteTable t;
  t.add(route("GET", "/v1/api-keys", Family::kCerebral, Auth::kUser));
  t.add(route("DELETE", "/v1/api-keys/:id", Family::kCerebral, Auth::kUser));
  ASSERT_EQ(t.routes().size(), 2u);
  auto m = t.find("DELETE", "/v1/api-keys/key_1");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(t.at(*m.entry).path, "/v1/api-keys/:id");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "key_1");
  auto wrong = t.find("PUT", "/v1/api-keys");
  EXPECT_EQ(wrong.entry, nullptr);
  EXPECT_TRUE(wrong.path_matched);
}

TEST(RouteTable, DuplicateRouteThrows) {
  RouteTable t;
  t.add(route("GET", "/v1/things"));
  try {
    t.add(route("GET", "/v1/things"));
    FAIL() << "duplicate accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate route GET /v1/things"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.routes().size(), 1u);
}

TEST(RouteTable, SameShapeUnderOtherParameterNameIsDuplicate) {
  RouteTable t;
  t.add(route("GET", "/v1/things/:id"));
  EXPECT_THROW(t.add(route("GET", "/v1/things/{thing_id}")), std::invalid_argument);
  EXPECT_NO_THROW(t.add(route("POST", "/v1/things/:id")));
}

TEST(RouteTable, BadRequestSchemaThrows) {
  RouteTable t;
  Route r = route("POST", "/v1/things");
  r.request_schema = R"({"type":"object",)";
  try {
    t.add(std::move(r));
    FAIL() << "bad schema accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bad schema for POST /v1/things"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(t.routes().empty());
  EXPECT_EQ(t.find("POST", "/v1/things").entry, nullptr);
}

TEST(RouteTable, BadResponseSchemaThrows) {
  RouteTable t;
  Route r = route("GET", "/v1/things");
  r.response_schema = "not json";
  EXPECT_THROW(t.add(std::move(r)), std::invalid_argument);
}

class OpenapiDocument : public ::testing::Test {
 protected:
  void SetUp() override {
    Route list = route("GET", "/v1/api-keys", Family::kCerebral, Auth::kUser);
    list.response_schema = R"({"type":"object","properties":{"success":{"type":"boolean"}}})";
    t_.add(std::move(list));
    Route create = route("POST", "/v1/api-keys", Family::kCerebral, Auth::kUser);
    create.request_schema = R"({"type":"object","required":["name"]})";
    create.success_status = 201;
    t_.add(std::move(create));
    t_.add(route("DELETE", "/v1/api-keys/:id", Family::kCerebral, Auth::kUser));
    t_.add(route("GET", "/portal/api/keys/{key_id}", Family::kCortex, Auth::kKey));
    t_.add(route("POST", "/v1/messages", Family::kAnthropic, Auth::kAny));
    t_.add(route("GET", "/v1/workspaces/:workspaceId/members/:userId", Family::kCendriix, Auth::kUser));
    t_.add(route("GET", "/openapi.json", Family::kSystem, Auth::kNone));
    doc_ = t_.openapi("9.9.9");
  }

  const json::object& op(const std::string& path, const std::string& method) {
    return doc_.at("paths").at(path).at(method).as_object();
  }

  RouteTable t_;
  json::object doc_;
};

TEST_F(OpenapiDocument, HasVersionAndSecuritySchemes) {
  EXPECT_EQ(doc_.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc_.at("info").at("version").as_string(), "9.9.9");
  const auto& schemes = doc_.at("components").at("securitySchemes").as_object();
  EXPECT_TRUE(schemes.contains("bearerJwt"));
  EXPECT_TRUE(schemes.contains("bearerApiKey"));
  EXPECT_EQ(schemes.at("apiKeyHeader").at("name").as_string(), "X-API-Key");
}

TEST_F(OpenapiDocument, EveryRouteAppearsUnderItsBracePath) {
  size_t operations = 0;
  for (const auto& [path, item] : doc_.at("paths").as_object()) operations += item.as_object().size();
  EXPECT_EQ(operations, t_.routes().size());
  for (const auto& r : t_.routes()) {
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto* item = doc_.at("paths").as_object().if_contains(openapi_path(r.path));
    ASSERT_NE(item, nullptr) << r.path;
    ASSERT_TRUE(item->as_object().contains(method)) << r.method << " " << r.path;
    EXPECT_EQ(item->at(method).at("operationId").as_string(), r.method + openapi_path(r.path));
    EXPECT_EQ(item->at(method).at("summary").as_string(), r.summary);
  }
  EXPECT_FALSE(doc_.at("paths").as_object().contains("/v1/api-keys/:id"));
}

TEST_F(OpenapiDocument, MethodsOfOnePathShareOnePathItem) {
  const auto& item = doc_.at("paths").at("/v1/api-keys").as_object();
  EXPECT_TRUE(item.contains("get"));
  EXPECT_TRUE(item.contains("post"));
  EXPECT_EQ(item.size(), 2u);
}

TEST_F(OpenapiDocument, PathParametersAreDeclared) {
  const auto& params = op("/v1/api-keys/{id}", "delete").at("parameters").as_array();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].at("name").as_string(), "id");
  EXPECT_EQ(params[0].at("in").as_string(), "path");
  EXPECT_EQ(params[0].at("required"), json::value(true));
  const auto& brace = op("/portal/api/keys/{key_id}", "get").at("parameters").as_array();
  ASSERT_EQ(brace.size(), 1u);
  EXPECT_EQ(brace[0].at("name").as_string(), "key_id");
  const auto& two = op("/v1/workspaces/{workspaceId}/members/{userId}", "get").at("parameters").as_array();
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].at("name").as_string(), "workspaceId");
  EXPECT_EQ(two[1].at("name").as_string(), "userId");
  EXPECT_FALSE(op("/v1/api-keys", "get").contains("parameters"));
}

TEST_F(OpenapiDocument, SecurityFollowsAuthPolicy) {
  EXPECT_EQ(op("/v1/api-keys", "get").at("security"), json::parse(R"([{"bearerJwt":[]}])"));
  EXPECT_EQ(op("/portal/api/keys/{key_id}", "get").at("security"),
            json::parse(R"([{"apiKeyHeader":[]},{"bearerApiKey":[]}])"));
  EXPECT_EQ(op("/v1/messages", "post").at("security"),
            json::parse(R"([{"bearerJwt":[]},{"apiKeyHeader":[]},{"bearerApiKey":[]}])"));
  EXPECT_EQ(op("/openapi.json", "get").at("security"), json::array{});
}

TEST_F(OpenapiDocument, SeededFamiliesCarryXSeedAndTag) {
  EXPECT_EQ(op("/v1/api-keys", "get").at("x-seed").as_string(), "000");
  EXPECT_EQ(op("/portal/api/keys/{key_id}", "get").at("x-seed").as_string(), "004");
  EXPECT_EQ(op("/v1/workspaces/{workspaceId}/members/{userId}", "get").at("x-seed").as_string(), "002");
  EXPECT_FALSE(op("/v1/messages", "post").contains("x-seed"));
  EXPECT_FALSE(op("/openapi.json", "get").contains("x-seed"));
  EXPECT_EQ(op("/v1/api-keys", "get").at("tags"), json::parse(R"(["cerebral"])"));
  EXPECT_EQ(op("/v1/messages", "post").at("tags"), json::parse(R"(["anthropic"])"));
}

TEST_F(OpenapiDocument, SchemasAndSuccessStatusAreEmbedded) {
  const auto& create = op("/v1/api-keys", "post");
  EXPECT_EQ(create.at("requestBody").at("content").at("application/json").at("schema"),
            json::parse(R"({"type":"object","required":["name"]})"));
  EXPECT_TRUE(create.at("responses").as_object().contains("201"));
  EXPECT_TRUE(create.at("responses").as_object().contains("default"));
  EXPECT_FALSE(create.at("responses").at("201").as_object().contains("content"));
  const auto& list = op("/v1/api-keys", "get");
  EXPECT_FALSE(list.contains("requestBody"));
  EXPECT_EQ(list.at("responses").at("200").at("content").at("application/json").at("schema").at("type"),
            json::value("object"));
}

}  // namespace
