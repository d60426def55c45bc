// Fetches one web page for ingestion: http(s) only, every address it resolves to (and every
// redirect's) checked by the address policy, redirects followed up to a limit, the body capped
// in size and the whole fetch in time.
#pragma once

#include "common/status.h"
#include "net/address_policy.h"
#include "net/client.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace brainstem::knowledge {

struct FetchLimits {
  size_t max_bytes = 10 << 20;
  std::chrono::milliseconds timeout{20000};  // each request of the redirect chain
  int max_redirects = 5;
};

struct FetchedPage {
  std::string url;  // after redirects
  std::string content_type;
  std::string body;
};

// kInvalidArgument for a URL that is not http(s), a page answering other than 2xx, too many
// redirects, or a body over the cap; kPermissionDenied when the policy refuses an address;
// the client's errors otherwise.
boost::asio::awaitable<Result<FetchedPage>> fetch_page(net::HttpClient& client, const net::AddressPolicy& policy,
                                                       std::string url, FetchLimits limits = {});

// `location` (a redirect's Location header) made absolute against `base`.
std::string resolve_location(const net::Url& base, std::string_view location);

}  // namespace brainstem::knowledge
