// Who is calling: a user (JWT) or an API key, and what that allows.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace brainstem::auth {

struct Principal {
  enum class Kind { kUser, kApiKey };
  Kind kind = Kind::kUser;
  std::string tenant_id;
  std::string tenant_slug;
  std::string user_id;  // kUser
  std::string email;    // kUser
  std::string role;     // kUser: owner | admin | member | viewer
  std::string key_id;   // kApiKey
  std::vector<std::string> scopes;  // kApiKey; {"*"} = all
  std::string agent_id;             // kApiKey locked to one agent, else empty
  std::string identity_mode;        // kApiKey
  std::vector<std::string> allowed_origins;  // kApiKey
  // kApiKey: the key a backend shares with its orchestrators. It belongs to no tenant and
  // opens only the backend's routes; the orchestrator meters and rate-limits its own callers.
  bool orchestrator = false;
  // kApiKey: an A2A token (auth/a2a_token.h) rather than a key. agent_id is its agent, its
  // scopes are {"mcp:*"} (its agent's tools), and only the A2A routes take it.
  bool a2a_token = false;
  std::vector<std::string> a2a_skills;

  bool is_user() const { return kind == Kind::kUser; }
  bool is_key() const { return kind == Kind::kApiKey; }
  const std::string& actor() const { return is_user() ? user_id : key_id; }
  bool has_scope(const std::string& scope) const;
  // Role rank: viewer 0, member 1, admin 2, owner 3; keys rank as members.
  int rank() const;
};

int role_rank(const std::string& role);

}  // namespace brainstem::auth
