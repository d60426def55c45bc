// A tenant's conversations with its agents, the customers they are with, and the facts
// remembered about those customers: what the management routes of every family read and
// write outside the message pipeline. Another tenant's records are "not found".
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "models/hashed_embedder.h"
#include "services/agents.h"
#include "store/conversation_store.h"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace brainstem::services {

struct SessionHistory {
  store::Session session;
  std::vector<store::Turn> turns;  // oldest first
};

struct StoredCustomer {
  store::Customer customer;
  bool created = false;  // false: an existing customer was updated
};

class Conversations {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;

  Conversations(store::ConversationStore& store, const models::HashedEmbedder& embedder, Agents& agents)
      : store_(store), embedder_(embedder), agents_(agents) {}

  // A new conversation with the tenant's agent, titled by its first ("system") turn, so that
  // it exists and lists before its first message.
  Task<Result<store::Session>> open(const std::string& tenant_id, const std::string& agent_id, const std::string& title,
                                    const std::string& customer_id);
  // Most recent first; an empty agent id lists every agent's.
  Task<Result<std::vector<store::Session>>> list(const std::string& tenant_id, const std::string& agent_id, int limit);
  Task<Result<store::Session>> get(const std::string& tenant_id, const std::string& session_id);
  // The conversation with its last `limit` turns.
  Task<Result<SessionHistory>> history(const std::string& tenant_id, const std::string& session_id, int limit);

  // Creates the customer, or updates the one with the same id or identifier.
  Task<Result<StoredCustomer>> upsert_customer(store::Customer customer);
  Task<Result<store::Customer>> customer(const std::string& tenant_id, const std::string& id);

  // The customer's facts (of one agent, when given); with a query, only those near it in
  // meaning.
  Task<Result<std::vector<store::MemoryFact>>> facts(const std::string& tenant_id, const std::string& customer_id,
                                                     const std::string& agent_id, const std::string& query);
  // Saves a fact (its agent, when named, must be the tenant's), consolidated with the
  // customer's current facts (pipeline/fact_consolidation.h): one that means the same
  // refreshes it, one of the same subject supersedes it.
  Task<Result<store::MemoryFact>> save_fact(store::MemoryFact fact);
  // Every fact of the customer, the superseded ones (with superseded_by) included, newest first.
  Task<Result<std::vector<store::MemoryFact>>> fact_history(const std::string& tenant_id, const std::string& customer_id);
  Task<Status> delete_fact(const std::string& tenant_id, const std::string& fact_id);

 private:
  store::ConversationStore& store_;
  const models::HashedEmbedder& embedder_;
  Agents& agents_;
};

}  // namespace brainstem::services
