#include "net/address_policy.h"

#include "net/client.h"

#include <charconv>
#include <optional>

namespace brainstem::net {

namespace ip = boost::asio::ip;

namespace {

using Bytes = std::array<uint8_t, 16>;

// IPv4 becomes IPv4-mapped IPv6, so one prefix test serves both families.
Bytes to_bytes(const ip::address& a) {
  if (a.is_v6()) return a.to_v6().to_bytes();
  Bytes b{};
  b[10] = b[11] = 0xff;
  auto v4 = a.to_v4().to_bytes();
  std::copy(v4.begin(), v4.end(), b.begin() + 12);
  return b;
}

bool in_prefix(const Bytes& a, const Bytes& net, int len) {
  for (int i = 0; i < 16 && len > 0; ++i, len -= 8) {
    const uint8_t mask = len >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - len));
    if ((a[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

struct Prefix {
  Bytes net;
  int len;
};

std::optional<Prefix> parse_prefix(std::string_view text) {
  const size_t slash = text.find('/');
  boost::system::error_code ec;
  const ip::address addr = ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  const int max_len = addr.is_v4() ? 32 : 128;
  int len = max_len;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (digits.empty() || err != std::errc() || end != digits.data() + digits.size() || len < 0 || len > max_len) {
      return std::nullopt;
    }
  }
  return Prefix{to_bytes(addr), addr.is_v4() ? len + 96 : len};
}

const std::vector<Prefix>& special_ranges() {
  static const std::vector<Prefix> ranges = [] {
    std::vector<Prefix> out;
    for (const char* cidr : {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                             "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128",
                             "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"}) {
      out.push_back(*parse_prefix(cidr));
    }
    return out;
  }();
  return ranges;
}

bool is_special_bytes(const Bytes& a) {
  static const Prefix nat64 = *parse_prefix("64:ff9b::/96");
  if (in_prefix(a, nat64.net, nat64.len)) {  // judge the embedded IPv4 address
    Bytes mapped{};
    mapped[10] = mapped[11] = 0xff;
    std::copy(a.begin() + 12, a.end(), mapped.begin() + 12);
    return is_special_bytes(mapped);
  }
  for (const auto& r : special_ranges()) {
    if (in_prefix(a, r.net, r.len)) return true;
  }
  return false;
}

}  // namespace

Result<AddressPolicy> AddressPolicy::create(const std::vector<std::string>& allow_cidrs) {
  AddressPolicy policy;
  for (const auto& cidr : allow_cidrs) {
    auto prefix = parse_prefix(cidr);
    if (!prefix) return Status::invalid("not a CIDR: " + cidr);
    policy.allowed_.push_back({prefix->net, prefix->len});
  }
  return policy;
}

bool AddressPolicy::allows(const ip::address& address) const {
  const Bytes a = to_bytes(address);
  for (const auto& c : allowed_) {
    if (in_prefix(a, c.bytes, c.prefix_len)) return true;
  }
  return !is_special_bytes(a);
}

bool AddressPolicy::allows(std::string_view ip_text) const {
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(ip_text), ec);
  return !ec && allows(address);
}

bool AddressPolicy::is_special(const ip::address& address) { return is_special_bytes(to_bytes(address)); }

Status AddressPolicy::check_url_scheme(std::string_view url) {
  auto parsed = parse_url(url);
  return parsed ? Status::ok() : parsed.status();
}

}  // namespace brainstem::net
