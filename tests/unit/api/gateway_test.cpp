#include "common/run_sync.h"
#include "testing/temp_dir.h"
#include "api/errors.h"
#include "api/gateway.h"
#include "auth/a2a_token.h"
#include "api/handler_util.h"
#include "api/route_table.h"
#include "api/routes.h"
#include "api/services.h"
#include "auth/accounts.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/offload.h"
#include "ops/audit.h"
#include "ops/metrics.h"
#include "ops/rate_limiter.h"
#include "net/client.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::api;
namespace asio = boost::asio;
namespace json = boost::json;

constexpr const char* kSecret = "gateway-test-secret-0123456789abcdefghij";

using brainstem::test_support::TempDir;

Route route(std::string method, std::string path, Family family, Auth auth, RouteHandler handler) {
  Route r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.family = family;
  r.auth = auth;
  r.summary = r.method + " " + r.path;
  r.handler = std::move(handler);
  return r;
}

http::Request request(std::string method, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  r.remote_address = "127.0.0.1";
  return r;
}

json::value body_of(const http::Response& res) { return json::parse(res.body); }

// Wires real services over a fresh SQLite store, as the server does.
class Api : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_sqlite(dir_.file("api.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    blocking_ = std::make_unique<BlockingPool>(2, 64);
    authn_ = std::make_unique<auth::Authenticator>(*store_, kSecret);
    accounts_ = std::make_unique<auth::Accounts>(*store_, *blocking_, *authn_, auth::AccountsOptions{});
    limiter_ = ops::make_local_rate_limiter();
    metrics_ = std::make_unique<ops::Metrics>();
    audit_ = std::make_unique<ops::AuditLog>(*store_);
    budgets_ = std::make_unique<ops::Budgets>(*store_, budget_options_);
    gate_ = std::make_unique<api::GenerationGate>(gate_options_);
    usage_ = std::make_unique<ops::UsageMeter>(*store_, *budgets_);
    webhooks_ = std::make_unique<ops::WebhookDispatcher>(*store_, client_, policy_);
    agents_ = std::make_unique<pipeline::AgentCache>(*store_);
    turn_index_ = std::make_unique<knowledge::TurnIndex>(embedder_);
    conversations_ = std::make_unique<pipeline::ConversationWriter>(*store_, turn_index_.get());
    actions_ = std::make_unique<pipeline::ActionRunner>(client_, policy_);
    embedding_models_ = std::make_unique<knowledge::EmbeddingModels>(
        std::shared_ptr<models::Embedder>(&embedder_, [](models::Embedder*) {}), models_, "");
    knowledge_ = std::make_unique<knowledge::KnowledgeBase>(
        *store_, *blocking_, *embedding_models_, [](std::string_view text) { return int64_t(text.size() / 4); },
        knowledge::KnowledgeBase::Options{});
    cellstate_ = std::make_unique<memory::CellState>(*store_, *embedding_models_, *turn_index_, tokens_, background_,
                                                     memory::CellStateOptions{});
    pipeline_ = std::make_unique<pipeline::Pipeline>(pipeline::PipelineDeps{
        *store_, models_, router_, tokens_, embedder_, *agents_, cache_, *conversations_, *actions_, *usage_,
        *webhooks_, *knowledge_, *turn_index_, nullptr, background_});
    invalidation_ = std::make_unique<services::LocalCacheInvalidation>(*agents_, cache_);
    agent_service_ = std::make_unique<services::Agents>(*store_, *agents_, *invalidation_);
    answers_ = std::make_unique<services::Answers>(*store_, cache_, embedder_, *agent_service_, *invalidation_);
    conversation_service_ = std::make_unique<services::Conversations>(*store_, embedder_, *agent_service_);
    security_ = std::make_unique<orchestration::SecurityPolicies>(*store_, *store_);
    entities_ = std::make_unique<orchestration::Entities>(*store_, *store_);
    agent_steps_ = std::make_unique<orchestration::AgentSteps>(router_, *usage_, *store_);
    plan_writer_ = std::make_unique<orchestration::PlanWriter>(router_, *usage_, "");
    composer_ = std::make_unique<orchestration::Composer>(*entities_, *plan_writer_);
    notifications_ = std::make_unique<orchestration::Notifications>(*store_, *store_);
    node_runner_ = std::make_unique<orchestration::StandardNodeRunner>(router_, *usage_, *security_, *agent_steps_, client_, policy_);
    run_engine_ = std::make_unique<orchestration::RunEngine>(*store_, *node_runner_, background_);
    orchestrator_ = std::make_unique<orchestration::Orchestrator>(*store_, *run_engine_);
    projects_ = std::make_unique<orchestration::Projects>(*store_, *orchestrator_);
    connectors_ = std::make_unique<mcp::Connectors>(*store_, client_, policy_,
                                                    mcp::SecretBox::from_hex(mcp::SecretBox::generate_hex_key()).value());
    planner_ = std::make_unique<orchestration::Planner>(router_, tokens_);
    a2a_tasks_ = std::make_unique<a2a::Tasks>(*store_);
  }

  Services& services() {
    if (!services_) {
      services_ = std::make_unique<Services>(Services{.options = options_,
                                                      .engine = *store_,
                                                      .blocking = *blocking_,
                                                      .authenticator = *authn_,
                                                      .accounts = *accounts_,
                                                      .rate_limiter = *limiter_,
                                                      .metrics = *metrics_,
                                                      .audit = *audit_,
                                                      .models = models_,
                                                      .router = router_,
                                                      .gate = *gate_,
                                                      .budgets = *budgets_,
                                                      .usage = *usage_,
                                                      .webhooks = *webhooks_,
                                                      .pipeline = *pipeline_,
                                                      .agents = *agent_service_,
                                                      .answers = *answers_,
                                                      .conversations = *conversation_service_,
                                                      .address_policy = policy_,
                                                      .knowledge = *knowledge_,
                                                      .turn_index = *turn_index_,
                                                      .outbound = client_,
                                                      .cellstate = *cellstate_,
                                                      .orchestrator = *orchestrator_,
                                                      .planner = *planner_,
                                                      .security = *security_,
                                                      .entities = *entities_,
                                                      .agent_steps = *agent_steps_,
                                                      .composer = *composer_,
                                                      .notifications = *notifications_,
                                                      .projects = *projects_,
                                                      .connectors = *connectors_,
                                                      .a2a_tasks = *a2a_tasks_,
                                                      .card_signer = card_signer_,
                                                      .background = background_});
    }
    return *services_;
  }

  // A small table covering each auth policy and several families.
  void build_test_routes() {
    table_.add(route("GET", "/v1/open", Family::kCerebral, Auth::kNone,
                     [](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
                       co_return cerebral_ok(json::object{{"open", true}});
                     }));
    table_.add(route("GET", "/v1/api-keys", Family::kCerebral, Auth::kUser,
                     [](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
                       co_return cerebral_ok(
                           json::object{{"user", ctx.caller().user_id}, {"tenant", ctx.caller().tenant_id}});
                     }));
    table_.add(route("POST", "/v1/chat/completions", Family::kOpenai, Auth::kKey,
                     [](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
                       co_return http::Response::json(200, json::object{{"key", ctx.caller().key_id}});
                     }));
    table_.add(route("GET", "/portal/api/keys/{key_id}", Family::kCortex, Auth::kAny,
                     [](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
                       co_return http::Response::json(
                           200, json::object{{"param", req.param("key_id")},
                                             {"kind", ctx.caller().is_user() ? "user" : "key"}});
                     }));
    Route create = route("POST", "/v1/cerebrals", Family::kCerebral, Auth::kKey,
                         [](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
                           auto body = json_body(req);
                           FieldReader f(body);
                           auto name = f.required_string("name");
                           check(f);
                           ctx.audit["name"] = name;
                           co_return cerebral_ok(json::object{{"name", name}}, 201);
                         });
    create.event = "cerebral.created";
    table_.add(std::move(create));
    table_.add(route("GET", "/v1/boom", Family::kCendriix, Auth::kNone,
                     [](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
                       throw std::runtime_error("secret internals");
                       co_return http::Response::empty(204);
                     }));
  }

  // A generating route that records what the gateway decided before it ran.
  void add_generating_route(std::string path, bool streamed = false) {
    Route r = route("POST", std::move(path), Family::kOpenai, Auth::kKey,
                    [this, streamed](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
                      ++generations_;
                      active_in_handler_ = gate_->active();
                      budget_in_handler_ = ctx.budget;
                      if (!streamed) co_return http::Response::json(200, json::object{{"ok", true}});
                      co_return http::Response::event_stream([this](http::StreamWriter& out) -> asio::awaitable<void> {
                        active_in_stream_ = gate_->active();
                        co_await out.write_last("data: done\n\n");
                      });
                    });
    r.generates = true;
    table_.add(std::move(r));
  }

  http::Response call(http::Request req) {
    Gateway gateway(services(), table_);
    asio::io_context ioc;
    http::Response out;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { out = co_await gateway.handle(req); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    ioc.run();
    return out;
  }

  std::string login_token() {
    auto signed_up = run_sync(accounts_->signup("owner@example.com", "long-enough-pw", "Acme"));
    if (!signed_up.ok()) throw std::runtime_error(signed_up.status().message());
    auto logged_in = run_sync(accounts_->login("owner@example.com", "long-enough-pw"));
    if (!logged_in.ok()) throw std::runtime_error(logged_in.status().message());
    user_id_ = signed_up->user.id;
    return logged_in->token;
  }

  auth::CreatedKey make_key(const std::string& slug, std::vector<std::string> origins = {}) {
    auth::KeyRequest req;
    req.created_by = "cli";
    req.allowed_origins = std::move(origins);
    auto created = run_sync(accounts_->create_key_for_slug(slug, req));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return std::move(created).value();
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<BlockingPool> blocking_;
  std::unique_ptr<auth::Authenticator> authn_;
  std::unique_ptr<auth::Accounts> accounts_;
  std::unique_ptr<ops::RateLimiter> limiter_;
  std::unique_ptr<ops::Metrics> metrics_;
  std::unique_ptr<ops::AuditLog> audit_;
  models::ModelRegistry models_;
  models::ModelRouter router_{models_};
  api::GateOptions gate_options_;
  std::unique_ptr<api::GenerationGate> gate_;
  net::AddressPolicy policy_;
  net::HttpClient client_;
  models::TokenCounter tokens_{models_, ""};
  models::HashedEmbedder embedder_;
  pipeline::SemanticCache cache_;
  ops::BudgetOptions budget_options_;
  std::unique_ptr<ops::Budgets> budgets_;
  std::unique_ptr<ops::UsageMeter> usage_;
  std::unique_ptr<ops::WebhookDispatcher> webhooks_;
  std::unique_ptr<pipeline::AgentCache> agents_;
  std::unique_ptr<knowledge::TurnIndex> turn_index_;
  std::unique_ptr<pipeline::ConversationWriter> conversations_;
  std::unique_ptr<pipeline::ActionRunner> actions_;
  std::unique_ptr<knowledge::EmbeddingModels> embedding_models_;
  std::unique_ptr<knowledge::KnowledgeBase> knowledge_;
  std::unique_ptr<memory::CellState> cellstate_;
  TaskGroup background_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<services::LocalCacheInvalidation> invalidation_;
  std::unique_ptr<services::Agents> agent_service_;
  std::unique_ptr<services::Answers> answers_;
  std::unique_ptr<services::Conversations> conversation_service_;
  std::unique_ptr<orchestration::SecurityPolicies> security_;
  std::unique_ptr<orchestration::Entities> entities_;
  std::unique_ptr<orchestration::AgentSteps> agent_steps_;
  std::unique_ptr<orchestration::PlanWriter> plan_writer_;
  std::unique_ptr<orchestration::Composer> composer_;
  std::unique_ptr<orchestration::Notifications> notifications_;
  std::unique_ptr<orchestration::Projects> projects_;
  std::unique_ptr<mcp::Connectors> connectors_;
  std::unique_ptr<a2a::Tasks> a2a_tasks_;
  a2a::CardSigner card_signer_{a2a::CardSigner::generate_seed()};
  std::unique_ptr<orchestration::StandardNodeRunner> node_runner_;
  std::unique_ptr<orchestration::RunEngine> run_engine_;
  std::unique_ptr<orchestration::Orchestrator> orchestrator_;
  std::unique_ptr<orchestration::Planner> planner_;
  ApiOptions options_;
  std::unique_ptr<Services> services_;
  RouteTable table_;
  std::string user_id_;
  int generations_ = 0;
  int active_in_handler_ = -1;
  int active_in_stream_ = -1;
  ops::BudgetState budget_in_handler_ = ops::BudgetState::kOk;
};

// The gateway's generation policies need a budget and a small gate.
class GenerationPolicy : public Api {
 protected:
  GenerationPolicy() {
    budget_options_.daily_usd = 1.0;
    gate_options_.max_concurrent = 1;
  }
};

// Collects what a streamed response writes.
class CollectingWriter final : public http::StreamWriter {
 public:
  asio::awaitable<bool> write(std::string_view data) override {
    text += data;
    co_return true;
  }
  asio::awaitable<bool> write_last(std::string_view data) override {
    text += data;
    co_return true;
  }
  std::string text;
};

// ---- request ids

TEST(RequestId, SaneClientIdIsKept) {
  http::Request r;
  r.headers = {{"X-Request-ID", "abc-123_x.y:z"}};
  EXPECT_EQ(request_id_for(r), "abc-123_x.y:z");
  r.headers = {{"X-Request-ID", std::string(128, 'a')}};
  EXPECT_EQ(request_id_for(r), std::string(128, 'a'));
}

TEST(RequestId, MissingOrInsaneIdIsReplaced) {
  http::Request r;
  for (std::string bad : {std::string(), std::string("has space"), std::string("new\nline"), std::string(129, 'a'),
                          std::string("semi;colon")}) {
    r.headers = {{"X-Request-ID", bad}};
    auto id = request_id_for(r);
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.rfind("req_", 0), 0u) << id;
    EXPECT_EQ(id.size(), 24u) << id;
  }
}

// ---- routing and envelopes

TEST_F(Api, PublicRouteAnswersAndEchoesRequestId) {
  build_test_routes();
  auto req = request("GET", "/v1/open");
  req.headers = {{"X-Request-ID", "client-id-1"}};
  auto res = call(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("X-Request-ID"), "client-id-1");
  EXPECT_EQ(body_of(res).at("success"), json::value(true));
  EXPECT_EQ(body_of(res).at("data").at("open"), json::value(true));
}

TEST_F(Api, GeneratedRequestIdIsSentWhenClientGivesNone) {
  build_test_routes();
  auto res = call(request("GET", "/v1/open"));
  EXPECT_EQ(std::string(res.header("X-Request-ID")).rfind("req_", 0), 0u);
}

TEST_F(Api, UnknownPathIs404InThePathsFamily) {
  build_test_routes();
  auto cellstate = call(request("GET", "/api/v1/nothing"));
  EXPECT_EQ(cellstate.status, 404);
  EXPECT_EQ(body_of(cellstate).at("code"), json::value("NOT_FOUND"));
  auto cortex = call(request("GET", "/portal/api/nothing"));
  EXPECT_EQ(cortex.status, 404);
  EXPECT_TRUE(body_of(cortex).at("detail").is_string());
  auto anthropic = call(request("POST", "/v1/messages"));
  EXPECT_EQ(anthropic.status, 404);
  EXPECT_EQ(body_of(anthropic).at("type"), json::value("error"));
  EXPECT_EQ(body_of(anthropic).at("error").at("type"), json::value("not_found_error"));
  auto cerebral = call(request("GET", "/v1/auth/nothing"));
  EXPECT_EQ(body_of(cerebral).at("success"), json::value(false));
  EXPECT_EQ(body_of(cerebral).at("error").at("code"), json::value("not_found"));
}

TEST_F(Api, WrongMethodIs405WithAllowHeader) {
  build_test_routes();
  auto res = call(request("DELETE", "/v1/open"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("Allow"), "GET");
  EXPECT_EQ(body_of(res).at("error").at("code"), json::value("method_not_allowed"));
}

TEST_F(Api, HeadIsServedByGetRoute) {
  build_test_routes();
  EXPECT_EQ(call(request("HEAD", "/v1/open")).status, 200);
}

TEST_F(Api, TransportErrorIsRenderedInThePathsFamily) {
  build_test_routes();
  auto req = request("POST", "/v1/messages");
  req.transport_error = Status(StatusCode::kPayloadTooLarge, "request body exceeds 1024 bytes");
  auto res = call(req);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(body_of(res).at("error").at("type"), json::value("request_too_large"));
  EXPECT_FALSE(res.header("X-Request-ID").empty());
}

TEST_F(Api, HandlerStatusErrorIsRenderedInRouteFamily) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/cerebrals");
  req.headers = {{"X-API-Key", key.raw}};
  req.body = R"({"name":""})";
  auto res = call(req);
  EXPECT_EQ(res.status, 422);
  auto b = body_of(res);
  EXPECT_EQ(b.at("success"), json::value(false));
  EXPECT_TRUE(b.at("error").at("fieldErrors").as_object().contains("name"));
}

TEST_F(Api, MalformedBodyIs400InRouteFamily) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/cerebrals");
  req.headers = {{"X-API-Key", key.raw}};
  req.body = "{not json";
  auto res = call(req);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(body_of(res).at("error").at("code"), json::value("bad_request"));
}

TEST_F(Api, HandlerExceptionIs500WithoutLeakingDetails) {
  build_test_routes();
  auto res = call(request("GET", "/v1/boom"));
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(body_of(res).at("error").at("code"), json::value("internal_error"));
  EXPECT_EQ(res.body.find("secret internals"), std::string::npos);
}

// ---- authentication

TEST_F(Api, UserRouteWithoutCredentialsIs401) {
  build_test_routes();
  auto res = call(request("GET", "/v1/api-keys"));
  EXPECT_EQ(res.status, 401);
  auto b = body_of(res);
  EXPECT_EQ(b.at("error").at("code"), json::value("unauthorized"));
  EXPECT_NE(std::string(b.at("error").at("message").as_string()).find("JWT required"), std::string::npos);
}

TEST_F(Api, UserRouteAcceptsJwt) {
  build_test_routes();
  auto token = login_token();
  auto req = request("GET", "/v1/api-keys");
  req.headers = {{"Authorization", "Bearer " + token}};
  auto res = call(req);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body_of(res).at("data").at("user").as_string(), user_id_);
}

TEST_F(Api, BearerSchemeIsCaseInsensitive) {
  build_test_routes();
  auto token = login_token();
  auto req = request("GET", "/v1/api-keys");
  req.headers = {{"authorization", "bearer   " + token}};
  EXPECT_EQ(call(req).status, 200);
}

TEST_F(Api, UserRouteRefusesApiKey) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("GET", "/v1/api-keys");
  req.headers = {{"Authorization", "Bearer " + key.raw}};
  auto res = call(req);
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("JWT required"), std::string::npos) << res.body;
}

TEST_F(Api, UserRouteRefusesForgedJwt) {
  build_test_routes();
  auto token = login_token();
  // One signature character changed, well before the end (the last one also carries
  // padding bits).
  char& c = token[token.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  auto req = request("GET", "/v1/api-keys");
  req.headers = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(call(req).status, 401);
}

TEST_F(Api, KeyRouteRefusesJwt) {
  build_test_routes();
  auto token = login_token();
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"Authorization", "Bearer " + token}};
  auto res = call(req);
  EXPECT_EQ(res.status, 401);
  auto b = body_of(res);
  EXPECT_EQ(b.at("error").at("type"), json::value("authentication_error"));
  EXPECT_NE(std::string(b.at("error").at("message").as_string()).find("API key is required"), std::string::npos);
}

TEST_F(Api, KeyRouteAcceptsKeyInHeaderOrBearer) {
  build_test_routes();
  auto key = make_key("acme");
  auto by_header = request("POST", "/v1/chat/completions");
  by_header.headers = {{"X-API-Key", key.raw}};
  auto a = call(by_header);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(body_of(a).at("key").as_string(), key.record.id);
  auto by_bearer = request("POST", "/v1/chat/completions");
  by_bearer.headers = {{"Authorization", "Bearer " + key.raw}};
  EXPECT_EQ(call(by_bearer).status, 200);
}

TEST_F(Api, UnknownAndRevokedKeysAre401) {
  build_test_routes();
  auto unknown = request("POST", "/v1/chat/completions");
  unknown.headers = {{"X-API-Key", "sk_live_unknownunknownunknownunknownunknown0000"}};
  auto res = call(unknown);
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("invalid API key"), std::string::npos) << res.body;

  auto key = make_key("acme");
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"X-API-Key", key.raw}};
  ASSERT_EQ(call(req).status, 200);
  ASSERT_TRUE(run_sync(accounts_->revoke_key(key.record.tenant_id, key.record.id)).is_ok());
  auto after = call(req);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("revoked"), std::string::npos) << after.body;
}

TEST_F(Api, AnyRouteAcceptsUserAndKeyAndPassesPathParameter) {
  build_test_routes();
  auto token = login_token();
  auto key = make_key("acme");
  auto as_user = request("GET", "/portal/api/keys/key_42");
  as_user.headers = {{"Authorization", "Bearer " + token}};
  auto u = call(as_user);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(body_of(u).at("param").as_string(), "key_42");
  EXPECT_EQ(body_of(u).at("kind").as_string(), "user");
  auto as_key = request("GET", "/portal/api/keys/key_43");
  as_key.headers = {{"X-API-Key", key.raw}};
  auto k = call(as_key);
  ASSERT_EQ(k.status, 200) << k.body;
  EXPECT_EQ(body_of(k).at("kind").as_string(), "key");
}

TEST_F(Api, KeyUseIsRecorded) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"X-API-Key", key.raw}};
  ASSERT_EQ(call(req).status, 200);
  ASSERT_TRUE(run_sync(authn_->flush_usage()).is_ok());
  auto keys = run_sync(accounts_->list_keys(key.record.tenant_id));
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->front().last_used_at);
}

// ---- CORS

TEST_F(Api, BrowserOriginIsRefusedForServerOnlyKey) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"X-API-Key", key.raw}, {"Origin", "https://evil.example"}};
  auto res = call(req);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(body_of(res).at("error").at("type"), json::value("permission_error"));
}

TEST_F(Api, AllowedOriginIsEchoed) {
  build_test_routes();
  auto key = make_key("acme", {"https://app.example.com"});
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"X-API-Key", key.raw}, {"Origin", "https://app.example.com"}};
  auto res = call(req);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(res.header("Vary"), "Origin");
  req.headers = {{"X-API-Key", key.raw}, {"Origin", "https://other.example.com"}};
  EXPECT_EQ(call(req).status, 403);
}

TEST_F(Api, APageOnLoopbackMayCallALocalBrowsersRouteButARebindingNameMayNot) {
  Route r = route("POST", "/mcp", Family::kSystem, Auth::kKey, [](http::Request&, RequestContext&) -> asio::awaitable<http::Response> {
    co_return http::Response::json(200, json::object{{"ok", true}});
  });
  r.local_browsers = true;
  table_.add(std::move(r));
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/mcp");
  for (const auto& [origin, host] : std::vector<std::pair<std::string, std::string>>{
           {"http://127.0.0.1:8080", "127.0.0.1:8080"}, {"http://localhost:3000", "localhost:8080"}, {"http://[::1]:8080", "[::1]:8080"}}) {
    req.headers = {{"X-API-Key", key.raw}, {"Origin", origin}, {"Host", host}};
    EXPECT_EQ(call(req).status, 200) << origin << " " << host;
  }
  for (const auto& [origin, host] : std::vector<std::pair<std::string, std::string>>{
           {"http://evil.example.com", "evil.example.com"},       // DNS rebinding: the name now points here
           {"http://localhost.evil.example", "127.0.0.1:8080"},  // only the exact loopback names count
           {"http://127.0.0.1:8080", "evil.example.com"},
           {"null", "127.0.0.1:8080"}}) {
    req.headers = {{"X-API-Key", key.raw}, {"Origin", origin}, {"Host", host}};
    EXPECT_EQ(call(req).status, 403) << origin << " " << host;
  }
  auto chat = request("POST", "/v1/chat/completions");  // routes without the flag keep the strict rule
  chat.headers = {{"X-API-Key", key.raw}, {"Origin", "http://127.0.0.1:8080"}, {"Host", "127.0.0.1:8080"}};
  EXPECT_EQ(call(chat).status, 403);
}

TEST_F(Api, AnA2aTokenOpensOnlyTheRoutesThatTakeOne) {
  Route r = route("POST", "/v1/a2a/jsonrpc", Family::kCendriix, Auth::kKey,
                  [](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
                    const auth::Principal& p = ctx.caller();
                    co_return http::Response::json(200, json::object{{"tenant", p.tenant_id}, {"agent", p.agent_id},
                                                                     {"token", p.a2a_token}, {"skills", p.a2a_skills.size()}});
                  });
  r.a2a_token = true;
  table_.add(std::move(r));
  build_test_routes();
  auth::A2aTokenClaims claims{.token_id = "t1", .tenant_id = "tenant-x", .agent_id = "agent-y", .skills = {"converse"},
                              .expires_at = now_ms() / 1000 + 60};
  const std::string token = auth::sign_a2a_token(claims, kSecret);
  auto req = request("POST", "/v1/a2a/jsonrpc");
  req.headers = {{"Authorization", "Bearer " + token}};
  auto res = call(req);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body_of(res).at("agent"), json::value("agent-y"));
  EXPECT_EQ(body_of(res).at("token"), json::value(true));
  auto chat = request("POST", "/v1/chat/completions");
  chat.headers = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(call(chat).status, 401);
  claims.expires_at = now_ms() / 1000 - 1;
  req.headers = {{"Authorization", "Bearer " + auth::sign_a2a_token(claims, kSecret)}};
  EXPECT_EQ(call(req).status, 401);
}

TEST_F(Api, PreflightIsAnsweredWithoutCredentials) {
  build_test_routes();
  auto req = request("OPTIONS", "/v1/chat/completions");
  req.headers = {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}};
  auto res = call(req);
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_NE(res.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(res.header("Access-Control-Allow-Headers").find("X-API-Key"), std::string::npos);
  EXPECT_TRUE(res.body.empty());
}

// ---- rate limits

TEST_F(Api, RequestsBeyondLimitGet429WithRetryAfter) {
  options_.default_limits = ops::RateLimits{0, 0, 2};
  build_test_routes();
  auto first = call(request("GET", "/v1/open"));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(first.header("X-RateLimit-Remaining"), "1");
  EXPECT_FALSE(first.header("X-RateLimit-Reset").empty());
  EXPECT_EQ(call(request("GET", "/v1/open")).status, 200);
  auto third = call(request("GET", "/v1/open"));
  EXPECT_EQ(third.status, 429);
  ASSERT_FALSE(third.header("Retry-After").empty());
  EXPECT_GE(std::stoi(std::string(third.header("Retry-After"))), 1);
  EXPECT_EQ(body_of(third).at("error").at("code"), json::value("rate_limit_exceeded"));
  // Limits are per client address before authentication.
  auto other = request("GET", "/v1/open");
  other.remote_address = "10.0.0.2";
  EXPECT_EQ(call(other).status, 200);
}

TEST_F(Api, UnlimitedDefaultsSendNoRateHeaders) {
  options_.default_limits = ops::RateLimits{0, 0, 0};
  build_test_routes();
  auto res = call(request("GET", "/v1/open"));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.header("X-RateLimit-Limit").empty());
}

TEST_F(Api, TenantOverrideBySlugLimitsThatTenantOnly) {
  options_.default_limits = ops::RateLimits{0, 0, 0};
  options_.tenant_limits["acme"] = ops::RateLimits{0, 0, 1};
  build_test_routes();
  auto acme = make_key("acme");
  auto other = make_key("globex");
  auto req = request("POST", "/v1/chat/completions");
  req.headers = {{"X-API-Key", acme.raw}};
  EXPECT_EQ(call(req).status, 200);
  auto limited = call(req);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(body_of(limited).at("error").at("type"), json::value("rate_limit_error"));
  EXPECT_FALSE(limited.header("Retry-After").empty());
  auto req2 = request("POST", "/v1/chat/completions");
  req2.headers = {{"X-API-Key", other.raw}};
  EXPECT_EQ(call(req2).status, 200);
  EXPECT_EQ(call(req2).status, 200);
}

TEST_F(Api, LimitsForPrefersTenantIdThenSlugThenDefault) {
  options_.default_limits = ops::RateLimits{1, 2, 3};
  options_.tenant_limits["tid-1"] = ops::RateLimits{10, 0, 0};
  options_.tenant_limits["slug-1"] = ops::RateLimits{20, 0, 0};
  Services& svc = services();
  EXPECT_EQ(svc.limits_for("tid-1", "slug-1").per_minute, 10);
  EXPECT_EQ(svc.limits_for("tid-2", "slug-1").per_minute, 20);
  EXPECT_EQ(svc.limits_for("tid-2", "slug-2").per_minute, 1);
  EXPECT_EQ(svc.limits_for("tid-2", "").per_minute, 1);
  EXPECT_EQ(svc.limits_for("tid-2", "").per_day, 3);
}

// ---- audit

TEST_F(Api, SuccessfulMutationIsAudited) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/cerebrals");
  req.headers = {{"X-API-Key", key.raw}, {"X-Request-ID", "audit-req-1"}};
  req.body = R"({"name":"planner"})";
  auto res = call(req);
  ASSERT_EQ(res.status, 201) << res.body;
  store::AuditQuery q;
  q.tenant_id = key.record.tenant_id;
  auto entries = run_sync(store_->query_audit(q));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  const auto& e = entries->front();
  EXPECT_EQ(e.event_type, "cerebral.created");
  EXPECT_EQ(e.actor, key.record.id);
  auto payload = json::parse(e.payload).as_object();
  EXPECT_EQ(payload.at("name").as_string(), "planner");
  EXPECT_EQ(payload.at("method").as_string(), "POST");
  EXPECT_EQ(payload.at("path").as_string(), "/v1/cerebrals");
  EXPECT_EQ(payload.at("status").as_int64(), 201);
  EXPECT_EQ(payload.at("requestId").as_string(), "audit-req-1");
}

TEST_F(Api, FailedMutationIsNotAudited) {
  build_test_routes();
  auto key = make_key("acme");
  auto req = request("POST", "/v1/cerebrals");
  req.headers = {{"X-API-Key", key.raw}};
  req.body = "{}";
  ASSERT_EQ(call(req).status, 422);
  store::AuditQuery q;
  q.tenant_id = key.record.tenant_id;
  auto entries = run_sync(store_->query_audit(q));
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

// ---- metrics

TEST_F(Api, EveryAnswerIsCounted) {
  build_test_routes();
  int64_t before = metrics_->requests_total();
  call(request("GET", "/v1/open"));
  call(request("GET", "/nowhere"));
  call(request("GET", "/v1/api-keys"));
  EXPECT_EQ(metrics_->requests_total(), before + 3);
  EXPECT_EQ(metrics_->requests_active(), 0);
}

// ---- the real route table

TEST_F(Api, FullRouteTableBuildsAndDescribesEveryRoute) {
  ASSERT_NO_THROW(add_all_routes(table_, services()));
  ASSERT_FALSE(table_.routes().empty());
  auto doc = table_.openapi("1.2.3");
  const auto& paths = doc.at("paths").as_object();
  std::set<std::string> operation_ids;
  size_t operations = 0;
  for (const auto& [path, item] : paths) operations += item.as_object().size();
  EXPECT_EQ(operations, table_.routes().size());
  for (const auto& r : table_.routes()) {
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string path = openapi_path(r.path);
    EXPECT_EQ(path.find(':'), std::string::npos) << path;
    const auto* item = paths.if_contains(path);
    ASSERT_NE(item, nullptr) << r.method << " " << r.path;
    const auto* op = item->as_object().if_contains(method);
    ASSERT_NE(op, nullptr) << r.method << " " << r.path;
    std::string id(op->at("operationId").as_string());
    EXPECT_EQ(id, r.method + path);
    EXPECT_TRUE(operation_ids.insert(id).second) << "duplicate operationId " << id;
    EXPECT_TRUE(op->at("security").is_array()) << id;
    EXPECT_EQ(op->at("security").as_array().empty(), r.auth == Auth::kNone) << id;
    auto seed = family_seed(r.family);
    if (seed.empty()) {
      EXPECT_FALSE(op->as_object().contains("x-seed")) << id;
    } else {
      ASSERT_TRUE(op->as_object().contains("x-seed")) << id;
      EXPECT_EQ(op->at("x-seed").as_string(), seed) << id;
    }
    size_t declared = op->as_object().contains("parameters") ? op->at("parameters").as_array().size() : 0;
    size_t in_path = std::count(path.begin(), path.end(), '{');
    EXPECT_EQ(declared, in_path) << id;
    EXPECT_TRUE(r.handler) << id;
  }
}

TEST_F(Api, OpenapiRouteServesTheTable) {
  add_all_routes(table_, services());
  auto res = call(request("GET", "/openapi.json"));
  ASSERT_EQ(res.status, 200);
  auto doc = body_of(res).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc.at("info").at("version").as_string(), options_.version);
  EXPECT_EQ(doc.at("paths"), table_.openapi(options_.version).at("paths"));
}

TEST_F(Api, ApiKeyWithValidExpiryIsCreated) {
  add_all_routes(table_, services());
  auto token = login_token();
  auto req = request("POST", "/v1/api-keys");
  req.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  req.body = R"({"name":"ci","expiresAt":"2099-01-01T00:00:00+02:00"})";
  auto res = call(req);
  EXPECT_EQ(res.status, 201) << res.body;
}

TEST_F(Api, ApiKeyWithMalformedExpiryOffsetIsAValidationError) {
  add_all_routes(table_, services());
  auto token = login_token();
  auto req = request("POST", "/v1/api-keys");
  req.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  req.body = R"({"name":"ci","expiresAt":"2099-01-01T00:00:00+ab:cd"})";
  auto res = call(req);
  EXPECT_EQ(res.status, 422) << res.body;
  auto b = body_of(res);
  ASSERT_TRUE(b.at("error").as_object().contains("fieldErrors")) << res.body;
  EXPECT_TRUE(b.at("error").at("fieldErrors").as_object().contains("expiresAt")) << res.body;
}

TEST_F(Api, FullTableRejectsUnauthenticatedManagementCalls) {
  add_all_routes(table_, services());
  for (const auto& r : table_.routes()) {
    if (r.auth == Auth::kNone) continue;
    std::string target;
    for (auto seg : http::split_path(r.path)) {
      target += '/';
      target += (seg.front() == ':' || seg.front() == '{') ? std::string("x") : std::string(seg);
    }
    auto res = call(request(r.method, target));
    EXPECT_EQ(res.status, 401) << r.method << " " << r.path << ": " << res.body;
  }
}

// ---- generation policies, applied by the gateway to every route that generates

TEST_F(GenerationPolicy, SpentBudgetIs402ForGeneratingRoutesOnlyAndTheHandlerNeverRuns) {
  build_test_routes();
  add_generating_route("/v1/generate");
  auto key = make_key("acme");
  auto generate = request("POST", "/v1/generate");
  generate.headers = {{"X-API-Key", key.raw}};
  ASSERT_EQ(call(generate).status, 200);
  EXPECT_EQ(generations_, 1);

  budgets_->add(key.record.tenant_id, 1.5, now_ms());
  auto refused = call(generate);
  EXPECT_EQ(refused.status, 402);
  EXPECT_EQ(refused.header("X-Budget-State"), "block");
  EXPECT_EQ(body_of(refused).at("error").at("code"), json::value("budget_exhausted")) << refused.body;
  EXPECT_EQ(generations_, 1) << "the handler did not run";

  auto plain = request("POST", "/v1/chat/completions");  // a route that does not generate
  plain.headers = {{"X-API-Key", key.raw}};
  EXPECT_EQ(call(plain).status, 200);
}

TEST_F(GenerationPolicy, TheBudgetStateReachesTheHandler) {
  add_generating_route("/v1/generate");
  auto key = make_key("acme");
  budgets_->add(key.record.tenant_id, 0.96, now_ms());
  auto generate = request("POST", "/v1/generate");
  generate.headers = {{"X-API-Key", key.raw}};
  ASSERT_EQ(call(generate).status, 200);
  EXPECT_EQ(budget_in_handler_, ops::BudgetState::kThrottle);
}

TEST_F(GenerationPolicy, AGenerationHoldsASlotWhileItRunsAndAFullGateIs429) {
  build_test_routes();
  add_generating_route("/v1/generate");
  auto key = make_key("acme");
  auto generate = request("POST", "/v1/generate");
  generate.headers = {{"X-API-Key", key.raw}};
  ASSERT_EQ(call(generate).status, 200);
  EXPECT_EQ(active_in_handler_, 1);
  EXPECT_EQ(gate_->active(), 0) << "released with the reply";

  auto held = gate_->acquire();  // the one slot is taken
  ASSERT_TRUE(held.ok());
  auto refused = call(generate);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(generations_, 1);
  auto plain = request("POST", "/v1/chat/completions");
  plain.headers = {{"X-API-Key", key.raw}};
  EXPECT_EQ(call(plain).status, 200) << "routes that do not generate take no slot";
}

TEST_F(GenerationPolicy, AStreamedGenerationHoldsItsSlotUntilTheStreamEnds) {
  add_generating_route("/v1/generate-stream", true);
  auto key = make_key("acme");
  auto generate = request("POST", "/v1/generate-stream");
  generate.headers = {{"X-API-Key", key.raw}};
  {
    http::Response res = call(generate);
    ASSERT_EQ(res.status, 200);
    ASSERT_TRUE(res.stream);
    EXPECT_EQ(gate_->active(), 1) << "the stream has not run yet";
    asio::io_context ioc;
    CollectingWriter writer;
    asio::co_spawn(ioc, res.stream(writer), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    ioc.run();
    EXPECT_EQ(writer.text, "data: done\n\n");
    EXPECT_EQ(active_in_stream_, 1);
  }
  EXPECT_EQ(gate_->active(), 0);
}

}  // namespace
