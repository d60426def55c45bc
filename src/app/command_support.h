// What the commands that talk to a running server share: a progress bar, and the server's
// error message read from a response.
#pragma once

#include "net/client.h"

#include <boost/json.hpp>

#include <cstdint>
#include <string>

namespace brainstem::app {

// "[#####.........]" for done of total.
std::string progress_bar(int64_t done, int64_t total);
// The string at `key` of `o`, or "".
std::string text_of(const boost::json::object& o, const char* key);
// The server's error message in a response body (any family's envelope), or the status line.
std::string error_of(const net::ClientResponse& response);

}  // namespace brainstem::app
