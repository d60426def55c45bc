#include "api/chat_relay.h"

#include "api/route_table.h"
#include "api/services.h"
#include "common/clock.h"
#include "common/offload.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <limits>

namespace brainstem::api {

namespace asio = boost::asio;

std::shared_ptr<ChatRelay> ChatRelay::start(const asio::any_io_executor& executor, Generate generate) {
  std::shared_ptr<ChatRelay> relay(new ChatRelay(executor));
  asio::co_spawn(executor, relay->run(std::move(generate)), asio::detached);
  return relay;
}

asio::awaitable<void> ChatRelay::run(Generate generate) {
  auto self = shared_from_this();  // the generation may outlive the response
  models::DeltaSink sink = [self](const models::ChatDelta& delta) -> asio::awaitable<bool> {
    if (self->stopped_) co_return false;
    self->deltas_.push_back(delta);
    // Without suspending while there is room: the provider goes on with the rest of what it
    // read, and the response then writes all of it as one chunk.
    if (self->doorbell_.try_send(boost::system::error_code{})) co_return !self->stopped_;
    auto [ec] = co_await self->doorbell_.async_send(boost::system::error_code{}, asio::as_tuple(asio::use_awaitable));
    co_return !ec && !self->stopped_;
  };
  Result<models::RoutedReply> result = co_await generate(sink);
  result_ = std::move(result);
  if (doorbell_.try_send(boost::system::error_code{})) co_return;  // room: no wait for the send to complete
  co_await doorbell_.async_send(boost::system::error_code{}, asio::as_tuple(asio::use_awaitable));
}

ChatRelay::Event ChatRelay::take() {
  if (deltas_.empty()) {
    finished_ = true;
    return std::move(*result_);
  }
  Event event = std::move(deltas_.front());
  deltas_.pop_front();
  return event;
}

void ChatRelay::guard(std::function<bool()> still_allowed, Status reason) {
  still_allowed_ = std::move(still_allowed);
  guard_reason_ = std::move(reason);
}

asio::awaitable<std::optional<ChatRelay::Event>> ChatRelay::next() {
  if (finished_) co_return std::nullopt;
  if (still_allowed_ && !still_allowed_()) {
    finished_ = true;
    stop();
    Event refused = Result<models::RoutedReply>(guard_reason_);
    co_return std::move(refused);
  }
  auto [ec] = co_await doorbell_.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    finished_ = true;
    co_return std::nullopt;
  }
  co_return take();
}

void meter_usage(Services& services, const RequestContext& ctx, const std::string& kind, const models::RoutedReply& reply) {
  if (!ctx.principal || ctx.principal->orchestrator) return;  // an orchestrator meters its own tenants
  const auth::Principal& caller = *ctx.principal;
  services.usage.record(store::UsageRecord{caller.tenant_id, caller.is_key() ? caller.key_id : std::string(), "",
                                           reply.model, kind, reply.response.usage.prompt_tokens,
                                           reply.response.usage.completion_tokens, reply.cost_usd, false, now_ms()});
}

void set_circuit_headers(http::Response& res, const models::ModelRouter& router, const models::RoutedReply& reply) {
  res.set_header("X-Circuit-Model", reply.first_choice);
  res.set_header("X-Circuit-State", models::circuit_name(router.state_of(reply.first_choice)));
}

asio::awaitable<models::RoutedReply> routed_chat(Services& services, const RequestContext& ctx, const models::RouteHints& hints,
                                                 models::ChatRequest request, const char* kind) {
  models::DeltaSink no_stream;
  auto routed = co_await services.router.chat(hints, std::move(request), no_stream);
  if (!routed) throw StatusError(routed.status());
  meter_usage(services, ctx, kind, routed.value());
  co_return std::move(routed).value();
}

namespace {

// The generation of a stream: the router's reply, metered once it is whole.
asio::awaitable<Result<models::RoutedReply>> metered_generation(Services& services, RequestContext ctx, models::RouteHints hints,
                                                                models::ChatRequest request, std::string kind,
                                                                const models::DeltaSink& sink) {
  auto routed = co_await services.router.chat(hints, std::move(request), sink);
  if (routed) meter_usage(services, ctx, kind, routed.value());
  co_return routed;
}

}  // namespace

asio::awaitable<RoutedStream> start_routed_stream(Services& services, const RequestContext& ctx,
                                                  const models::RouteHints& hints, models::ChatRequest request,
                                                  const char* kind) {
  auto executor = co_await asio::this_coro::executor;
  RoutedStream out;
  // Only what metering needs of the request context travels with the generation.
  RequestContext meter_ctx;
  meter_ctx.request_id = ctx.request_id;
  meter_ctx.principal = ctx.principal;
  // Built outside any co_await expression: GCC 12 mishandles lambda temporaries there. The
  // generation runs once, so it takes the request.
  out.relay = ChatRelay::start(executor, [&services, meter_ctx, hints, request = std::move(request),
                                          kind = std::string(kind)](const models::DeltaSink& sink) mutable {
    return metered_generation(services, std::move(meter_ctx), hints, std::move(request), std::move(kind), sink);
  });
  if (ctx.principal && ctx.principal->is_key()) {
    // Looked at between every two events: the key's revocation is looked up only when some
    // key was revoked since the last look (the first look always does).
    auto still_allowed = [&authenticator = services.authenticator, key_id = ctx.principal->key_id,
                          seen = std::numeric_limits<uint64_t>::max()]() mutable {
      const uint64_t revocations = authenticator.revocations();
      if (revocations == seen) return true;
      if (authenticator.revoked(key_id)) return false;
      seen = revocations;
      return true;
    };
    out.relay->guard(std::move(still_allowed), Status::unauthenticated("API key has been revoked"));
  }
  out.first = co_await out.relay->next();
  if (out.first && out.first->index() == 1 && !std::get<1>(*out.first).ok()) {
    throw StatusError(std::get<1>(*out.first).status());
  }
  co_return out;
}

std::optional<ChatRelay::Event> ChatRelay::try_next() {
  if (finished_ || (still_allowed_ && !still_allowed_())) return std::nullopt;  // next() reports it
  std::optional<Event> out;
  doorbell_.try_receive([&](boost::system::error_code ec) {
    if (!ec) out = take();
  });
  return out;
}

void ChatRelay::stop() {
  stopped_ = true;
  doorbell_.close();  // a pending send completes with an error, so the provider learns at once
}

}  // namespace brainstem::api
