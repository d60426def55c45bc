// Runs a provider's chat in its own coroutine and hands its events to an HTTP response.
// The first event decides the status ("commit late"): an error before any delta is answered
// as a normal JSON error; once a delta came, the rest streams. When the client goes away,
// stop() makes the provider's sink return false, so generation ends promptly.
//
// Thread-safety: a relay lives on one executor (the request's); every call comes from it.
#pragma once

#include "common/status.h"
#include "http/message.h"
#include "models/provider.h"
#include "models/router.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/container/devector.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace brainstem::api {

class ChatRelay : public std::enable_shared_from_this<ChatRelay> {
 public:
  // A delta, or the end: the provider's final result (whole reply, or its error).
  using Event = std::variant<models::ChatDelta, Result<models::RoutedReply>>;
  // Produces the reply, passing deltas to the sink it is given (ModelRouter::chat, usually).
  using Generate = std::function<boost::asio::awaitable<Result<models::RoutedReply>>(const models::DeltaSink&)>;

  // Starts the generation on `executor` (the request's). Deliberately not a coroutine: GCC 12
  // mishandles a lambda temporary passed into a co_await expression.
  static std::shared_ptr<ChatRelay> start(const boost::asio::any_io_executor& executor, Generate generate);
  // The next event; after the final one, nullopt.
  boost::asio::awaitable<std::optional<Event>> next();
  // An event that is already waiting, without suspending; nullopt when none is (so a stream
  // can write every ready delta in one chunk).
  std::optional<Event> try_next();
  // Ends the relay with `reason` as its final event when `still_allowed` turns false between
  // events (a revoked API key fails in-flight requests).
  void guard(std::function<bool()> still_allowed, Status reason);
  void stop();

 private:
  // The deltas wait in `deltas_`; the channel carries one empty message per delta and one for
  // the end, so it keeps them in order, holds the generation back while the reader is
  // `kCapacity` behind, and wakes a waiting reader, without moving the deltas through it.
  using Doorbell = boost::asio::experimental::channel<void(boost::system::error_code)>;
  static constexpr size_t kCapacity = 64;
  // The event one doorbell message stands for: the oldest delta, or the end once none is left.
  Event take();
  explicit ChatRelay(const boost::asio::any_io_executor& executor) : doorbell_(executor, kCapacity) {
    deltas_.reserve_back(16);  // a stream's first upstream read, usually
  }
  boost::asio::awaitable<void> run(Generate generate);

  Doorbell doorbell_;
  boost::container::devector<models::ChatDelta> deltas_;
  std::optional<Result<models::RoutedReply>> result_;  // set when the generation ends
  bool stopped_ = false;
  bool finished_ = false;
  std::function<bool()> still_allowed_;
  Status guard_reason_;
};

struct Services;
struct RequestContext;

struct RoutedStream {
  std::shared_ptr<ChatRelay> relay;
  std::optional<ChatRelay::Event> first;  // a delta, or the final (successful) reply
};

// Runs `request` through the router on the request's executor, guarded by its API key
// (revoking the key ends the stream), and waits for the first event. A failure before any
// delta is thrown as StatusError, so it is answered as a normal error in the family's envelope.
// A successful reply is metered under `kind` (chat | complete | message ...).
boost::asio::awaitable<RoutedStream> start_routed_stream(Services& services, const RequestContext& ctx,
                                                         const models::RouteHints& hints, models::ChatRequest request,
                                                         const char* kind);

// The whole reply through the router, metered under `kind`; failures thrown as StatusError.
boost::asio::awaitable<models::RoutedReply> routed_chat(Services& services, const RequestContext& ctx,
                                                        const models::RouteHints& hints, models::ChatRequest request,
                                                        const char* kind);

// X-Circuit-Model and X-Circuit-State: the circuit of the request's first-choice model (on a
// fallback reply, the model that failed or was skipped; else the one that answered).
void set_circuit_headers(http::Response& res, const models::ModelRouter& router, const models::RoutedReply& reply);

// Records the tokens and cost of one model call for the caller's tenant, key and model.
void meter_usage(Services& services, const RequestContext& ctx, const std::string& kind, const models::RoutedReply& reply);

}  // namespace brainstem::api
