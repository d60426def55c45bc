// SSRF protection for outgoing calls to tenant-supplied URLs (webhooks, agent actions).
//
// An AddressPolicy says whether a connection to an IP address may be made. Refused unless
// allow-listed: loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16), CGNAT
// (100.64/10), link-local (169.254/16 with the cloud metadata address, fe80::/10), "this
// network" (0.0.0.0/8, ::), multicast (224/4, ff00::/8), reserved and broadcast (240/4),
// unique-local (fc00::/7), deprecated site-local (fec0::/10). IPv4 addresses embedded in IPv6
// (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d) are judged by their IPv4 address.
// Everything else (public unicast) is allowed. The operator's allow-list (CIDRs) wins over
// the refused ranges, e.g. {"127.0.0.0/8", "::1/128"} for a local test upstream.
//
// HttpClient applies a policy to every resolved address before connecting (see
// ClientRequest::address_policy), so DNS answers cannot smuggle in a refused address.
// Thread-safety: immutable after create(); every method may be called concurrently.
#pragma once

#include "common/status.h"

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::net {

class AddressPolicy {
 public:
  // Refuses the ranges above, allows nothing extra.
  AddressPolicy() = default;
  // `allow_cidrs`: "a.b.c.d/n", "v6/n", or a bare address (a single host). kInvalidArgument
  // naming the first entry that does not parse.
  static Result<AddressPolicy> create(const std::vector<std::string>& allow_cidrs);

  bool allows(const boost::asio::ip::address& address) const;
  // A textual IPv4 or IPv6 address; false when it does not parse.
  bool allows(std::string_view ip) const;

  // True for the refused ranges above, regardless of any allow-list.
  static bool is_special(const boost::asio::ip::address& address);
  // OK for an http:// or https:// URL with a host; kInvalidArgument otherwise.
  static Status check_url_scheme(std::string_view url);

 private:
  struct Cidr {
    std::array<uint8_t, 16> bytes;  // IPv4 as IPv4-mapped IPv6
    int prefix_len;                 // over the 128 bits
  };
  std::vector<Cidr> allowed_;
};

}  // namespace brainstem::net
