#include "api/chat_relay.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brainstem::api {

namespace asio = boost::asio;

asio::awaitable<std::shared_ptr<ChatRelay>> ChatRelay::start(std::shared_ptr<models::Provider> provider,
                                                             models::ChatRequest request) {
  auto exec = co_await asio::this_coro::executor;
  std::shared_ptr<ChatRelay> relay(new ChatRelay(Channel(exec, 64)));
  asio::co_spawn(exec, relay->run(std::move(provider), std::move(request)), asio::detached);
  co_return relay;
}

asio::awaitable<void> ChatRelay::run(std::shared_ptr<models::Provider> provider, models::ChatRequest request) {
  auto self = shared_from_this();  // the provider may outlive the response
  models::DeltaSink sink = [self](const models::ChatDelta& delta) -> asio::awaitable<bool> {
    if (self->stopped_) co_return false;
    Event event = delta;  // a named local: GCC 12 mishandles temporaries inside co_await
    auto [ec] = co_await self->channel_.async_send(boost::system::error_code{}, std::move(event),
                                                   asio::as_tuple(asio::use_awaitable));
    co_return !ec && !self->stopped_;
  };
  Result<models::ChatResponse> result = co_await provider->chat(request, sink);
  Event last = std::move(result);
  co_await self->channel_.async_send(boost::system::error_code{}, std::move(last), asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<std::optional<ChatRelay::Event>> ChatRelay::next() {
  if (finished_) co_return std::nullopt;
  auto [ec, event] = co_await channel_.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    finished_ = true;
    co_return std::nullopt;
  }
  if (event.index() == 1) finished_ = true;
  co_return std::move(event);
}

void ChatRelay::stop() {
  stopped_ = true;
  channel_.close();  // a pending send completes with an error, so the provider learns at once
}

}  // namespace brainstem::api
