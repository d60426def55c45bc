#include "knowledge/page_fetcher.h"

namespace brainstem::knowledge {

namespace {

bool is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

std::string origin(const net::Url& url) {
  bool default_port = (url.scheme == "http" && url.port == "80") || (url.scheme == "https" && url.port == "443");
  return url.scheme + "://" + url.host + (default_port || url.port.empty() ? "" : ":" + url.port);
}

}  // namespace

std::string resolve_location(const net::Url& base, std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return std::string(location);
  if (location.starts_with("//")) return base.scheme + ":" + std::string(location);
  if (location.starts_with("/")) return origin(base) + std::string(location);
  std::string_view path = std::string_view(base.target).substr(0, base.target.find('?'));
  return origin(base) + std::string(path.substr(0, path.rfind('/') + 1)) + std::string(location);
}

boost::asio::awaitable<Result<FetchedPage>> fetch_page(net::HttpClient& client, const net::AddressPolicy& policy,
                                                       std::string url, FetchLimits limits) {
  for (int redirects = 0;; ++redirects) {
    auto parsed = net::parse_url(url);
    if (!parsed.ok()) co_return Status::invalid("url is not a valid http(s) URL");
    if (parsed->scheme != "http" && parsed->scheme != "https") co_return Status::invalid("url must be http or https");

    net::ClientRequest request;
    request.url = url;
    request.timeout = limits.timeout;
    request.address_policy = &policy;
    request.headers = {{"Accept", "text/html, text/plain;q=0.9, */*;q=0.5"}, {"User-Agent", "brainstem-ingest/1"}};
    std::string body;
    bool too_large = false;
    net::BodySink collect = [&](std::string_view piece) -> boost::asio::awaitable<bool> {
      if (body.size() + piece.size() > limits.max_bytes) {
        too_large = true;
        co_return false;
      }
      body.append(piece);
      co_return true;
    };
    auto response = co_await client.send(request, &collect);
    if (too_large) co_return Status::invalid("the page exceeds " + std::to_string(limits.max_bytes) + " bytes");
    if (!response.ok()) co_return response.status();

    if (is_redirect(response->status)) {
      std::string_view location = response->header("Location");
      if (location.empty()) co_return Status::invalid("the page redirected without a Location");
      if (redirects >= limits.max_redirects) co_return Status::invalid("the page redirected too many times");
      url = resolve_location(*parsed, location);
      continue;
    }
    if (response->status < 200 || response->status > 299) {
      co_return Status::invalid("the page answered HTTP " + std::to_string(response->status));
    }
    co_return FetchedPage{url, std::string(response->header("Content-Type")), std::move(body)};
  }
}

}  // namespace brainstem::knowledge
