// Records the store suites write: tenants, users, agents, customers, turns, facts and cache
// entries (of tenant "t1" unless told otherwise).
#pragma once

#include "store/account_store.h"
#include "store/conversation_store.h"

#include <string>
#include <vector>

namespace brainstem::test_support {

inline store::Tenant make_tenant(const std::string& id, const std::string& slug, int64_t created_at = 1000) {
  store::Tenant t;
  t.id = id;
  t.slug = slug;
  t.name = "Tenant " + slug;
  t.plan = "starter";
  t.created_at = created_at;
  return t;
}

inline store::User make_user(const std::string& id, const std::string& email) {
  store::User u;
  u.id = id;
  u.email = email;
  u.name = "User " + id;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  u.created_at = 2000;
  return u;
}

inline store::Agent make_agent(const std::string& id, const std::string& tenant_id, int64_t created_at = 1000) {
  store::Agent a;
  a.id = id;
  a.tenant_id = tenant_id;
  a.name = "Agent " + id;
  a.config = R"({"personality":"calm"})";
  a.created_at = created_at;
  a.updated_at = created_at;
  return a;
}

inline store::Customer make_customer(const std::string& id, const std::string& tenant_id = "t1") {
  store::Customer c;
  c.id = id;
  c.tenant_id = tenant_id;
  c.created_at = 1000;
  c.updated_at = 1000;
  return c;
}

inline store::Turn make_turn(const std::string& id, const std::string& session_id, int64_t created_at,
               const std::string& customer_id = "", const std::string& agent_id = "a1") {
  store::Turn t;
  t.id = id;
  t.tenant_id = "t1";
  t.agent_id = agent_id;
  t.session_id = session_id;
  t.role = "user";
  t.content = "content of " + id;
  t.customer_id = customer_id;
  t.tokens = 7;
  t.created_at = created_at;
  return t;
}

inline store::MemoryFact make_fact(const std::string& id, const std::string& text, const std::string& agent_id = "",
                     double confidence = 0.5, int64_t created_at = 1000) {
  store::MemoryFact f;
  f.id = id;
  f.tenant_id = "t1";
  f.customer_id = "cust_1";
  f.agent_id = agent_id;
  f.fact = text;
  f.confidence = confidence;
  f.created_at = created_at;
  f.updated_at = created_at;
  return f;
}

inline store::CacheEntry make_entry(const std::string& id, const std::string& tenant_id, const std::string& agent_id,
                      std::vector<float> embedding = {0.25f, -1.5f, 3.0f}) {
  store::CacheEntry e;
  e.id = id;
  e.tenant_id = tenant_id;
  e.agent_id = agent_id;
  e.question = "question " + id;
  e.answer = "answer " + id;
  e.model = "llama";
  e.embedding = std::move(embedding);
  e.created_at = 1000;
  return e;
}

inline std::vector<StatusCode> codes_of(const std::vector<Status>& statuses) {
  std::vector<StatusCode> codes;
  for (const auto& status : statuses) codes.push_back(status.code());
  return codes;
}

inline std::vector<int64_t> seqs_of(const std::vector<store::Turn>& turns) {
  std::vector<int64_t> seqs;
  for (const auto& turn : turns) seqs.push_back(turn.seq);
  return seqs;
}

inline store::ConversationRecord turns_record(std::vector<store::Turn> turns) {
  store::ConversationRecord record;
  record.turns = std::move(turns);
  return record;
}

}  // namespace brainstem::test_support
