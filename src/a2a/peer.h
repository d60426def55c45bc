// A client of another A2A agent (protocol 1.0, JSON-RPC binding): reads its card for its skills
// and JSON-RPC endpoint, and sends it messages, waiting for each task to end. Calls go out
// through net/client under the address policy.
//
// Errors: kPermissionDenied when the address policy refuses the agent's address; kUnavailable
// when it cannot be reached or answers out of protocol; kBadGateway for a JSON-RPC error.
// Thread-safety: every method may be called concurrently.
#pragma once

#include "a2a/protocol.h"
#include "common/status.h"
#include "http/message.h"
#include "net/address_policy.h"
#include "net/client.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace brainstem::a2a {

struct PeerEndpoint {
  std::string card_url;               // where its agent card is
  std::vector<http::Header> headers;  // credentials, e.g. Authorization
  std::chrono::milliseconds timeout{120000};
};

struct PeerSkill {
  std::string id;
  std::string name;
  std::string description;
};

struct PeerReply {
  std::string text;  // the task's artifacts' text, else its status message's
  TaskState state = TaskState::kCompleted;
  std::string task_id;
  std::string context_id;
};

class Peer {
 public:
  Peer(net::HttpClient& http, const net::AddressPolicy& policy, PeerEndpoint endpoint);

  // The card's skills; the card is read once and kept unless `refresh`.
  boost::asio::awaitable<Result<std::vector<PeerSkill>>> skills(bool refresh = false);
  // Sends `text` for `skill` (metadata.skill, with metadata.callerAgentId when given) and waits
  // for the task to end.
  boost::asio::awaitable<Result<PeerReply>> send(const std::string& skill, const std::string& text,
                                                 const std::string& caller_agent_id);

 private:
  boost::asio::awaitable<Result<boost::json::object>> card(bool refresh);

  net::HttpClient& http_;
  const net::AddressPolicy& policy_;
  const PeerEndpoint endpoint_;
  std::mutex mu_;
  std::optional<boost::json::object> card_;
};

}  // namespace brainstem::a2a
