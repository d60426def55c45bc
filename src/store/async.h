// Every store method is a coroutine: `auto tenant = co_await store.get_tenant(id);`. The engine
// runs the work where it must (SQLite on its own thread pool), so callers never wrap a call.
// Await each call at once: a call keeps references to its arguments until it completes.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace brainstem::store {

template <class T>
using Async = boost::asio::awaitable<T>;

}  // namespace brainstem::store
