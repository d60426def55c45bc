#include "api/chat_relay.h"

#include "api/route_table.h"
#include "api/services.h"
#include "common/offload.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brainstem::api {

namespace asio = boost::asio;

std::shared_ptr<ChatRelay> ChatRelay::start(const asio::any_io_executor& executor, Generate generate) {
  std::shared_ptr<ChatRelay> relay(new ChatRelay(Channel(executor, 64)));
  asio::co_spawn(executor, relay->run(std::move(generate)), asio::detached);
  return relay;
}

asio::awaitable<void> ChatRelay::run(Generate generate) {
  auto self = shared_from_this();  // the generation may outlive the response
  models::DeltaSink sink = [self](const models::ChatDelta& delta) -> asio::awaitable<bool> {
    if (self->stopped_) co_return false;
    Event event = delta;  // a named local: GCC 12 mishandles temporaries inside co_await
    auto [ec] = co_await self->channel_.async_send(boost::system::error_code{}, std::move(event),
                                                   asio::as_tuple(asio::use_awaitable));
    co_return !ec && !self->stopped_;
  };
  Result<models::RoutedReply> result = co_await generate(sink);
  Event last = std::move(result);
  co_await self->channel_.async_send(boost::system::error_code{}, std::move(last), asio::as_tuple(asio::use_awaitable));
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
  auto [ec, event] = co_await channel_.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    finished_ = true;
    co_return std::nullopt;
  }
  if (event.index() == 1) finished_ = true;
  co_return std::move(event);
}

asio::awaitable<RoutedStream> start_routed_stream(Services& services, const RequestContext& ctx,
                                                  const models::RouteHints& hints, const models::ChatRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  RoutedStream out;
  // Built outside any co_await expression: GCC 12 mishandles lambda temporaries there.
  out.relay = ChatRelay::start(executor, [&services, hints, request](const models::DeltaSink& sink) {
    return services.router.chat(hints, request, sink);
  });
  if (ctx.principal && ctx.principal->is_key()) {
    out.relay->guard([&authenticator = services.authenticator, key_id = ctx.principal->key_id] { return !authenticator.revoked(key_id); },
                     Status::unauthenticated("API key has been revoked"));
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
  channel_.try_receive([&](boost::system::error_code ec, Event event) {
    if (!ec) out = std::move(event);
  });
  if (out && out->index() == 1) finished_ = true;
  return out;
}

void ChatRelay::stop() {
  stopped_ = true;
  channel_.close();  // a pending send completes with an error, so the provider learns at once
}

}  // namespace brainstem::api
