#include "services/conversations.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_text.h"
#include "models/embedder.h"
#include "pipeline/fact_consolidation.h"

#include <algorithm>

namespace brainstem::services {

namespace json = boost::json;

namespace {
// Facts less similar than this to a query are left out of the answer.
constexpr double kFactRelevance = 0.15;
}  // namespace

Conversations::Task<Result<store::Session>> Conversations::open(const std::string& tenant_id,
                                                                const std::string& agent_id, const std::string& title,
                                                                const std::string& customer_id) {
  if (Status s = co_await agents_.require(tenant_id, agent_id); !s.is_ok()) co_return s;
  store::Turn opening{time_ordered_id("turn_", now_us(), 12), tenant_id, agent_id, random_id("conv_", 20), 0,
                      "system", title, customer_id, 0, json_text(json::object{{"title", title}}), now_ms()};
  std::vector<store::Turn> turns;
  turns.push_back(opening);
  auto appended = co_await store_.append_turns(std::move(turns));
  if (!appended) co_return appended.status();
  co_return co_await store_.get_session(tenant_id, agent_id, opening.session_id);
}

Conversations::Task<Result<std::vector<store::Session>>> Conversations::list(const std::string& tenant_id,
                                                                             const std::string& agent_id, int limit) {
  co_return co_await store_.list_sessions(tenant_id, agent_id, limit);
}

Conversations::Task<Result<store::Session>> Conversations::get(const std::string& tenant_id,
                                                               const std::string& session_id) {
  co_return co_await store_.get_session(tenant_id, "", session_id);
}

Conversations::Task<Result<SessionHistory>> Conversations::history(const std::string& tenant_id,
                                                                   const std::string& session_id, int limit) {
  auto session = co_await store_.get_session(tenant_id, "", session_id);
  if (!session) co_return session.status();
  auto turns = co_await store_.recent_turns(tenant_id, session->agent_id, session_id, limit);
  if (!turns) co_return turns.status();
  co_return SessionHistory{std::move(*session), std::move(*turns)};
}

Conversations::Task<Result<StoredCustomer>> Conversations::upsert_customer(store::Customer customer) {
  customer.created_at = customer.updated_at = now_ms();
  if (customer.id.empty()) customer.id = random_id("cust_", 12);
  auto stored = co_await store_.upsert_customer(customer);
  if (!stored) co_return stored.status();
  // A new row keeps the id and creation time given; an existing one keeps its own.
  const bool created = stored->created_at == customer.created_at && stored->id == customer.id;
  co_return StoredCustomer{std::move(*stored), created};
}

Conversations::Task<Result<store::Customer>> Conversations::customer(const std::string& tenant_id,
                                                                     const std::string& id) {
  co_return co_await store_.get_customer(tenant_id, id);
}

Conversations::Task<Result<std::vector<store::MemoryFact>>> Conversations::facts(const std::string& tenant_id,
                                                                                 const std::string& customer_id,
                                                                                 const std::string& agent_id,
                                                                                 const std::string& query) {
  auto facts = co_await store_.list_facts(tenant_id, customer_id, agent_id);
  if (!facts || query.empty()) co_return facts;
  auto q = embedder_.embed_one(query);
  std::erase_if(*facts, [&](const store::MemoryFact& fact) {
    return models::cosine(q, embedder_.embed_one(fact.fact)) < kFactRelevance;
  });
  co_return facts;
}

Conversations::Task<Result<store::MemoryFact>> Conversations::save_fact(store::MemoryFact fact) {
  if (!fact.agent_id.empty()) {
    if (Status s = co_await agents_.require(fact.tenant_id, fact.agent_id); !s.is_ok()) co_return s;
  }
  auto current = co_await store_.list_facts(fact.tenant_id, fact.customer_id, "");
  if (!current) co_return current.status();
  pipeline::consolidate_fact(fact, *current, embedder_);
  fact.id = crypto::uuid_v4();
  fact.created_at = fact.updated_at = now_ms();
  co_return co_await store_.save_fact(fact);
}

Conversations::Task<Result<std::vector<store::MemoryFact>>> Conversations::fact_history(const std::string& tenant_id,
                                                                                        const std::string& customer_id) {
  co_return co_await store_.fact_history(tenant_id, customer_id);
}

Conversations::Task<Status> Conversations::delete_fact(const std::string& tenant_id, const std::string& fact_id) {
  co_return co_await store_.delete_fact(tenant_id, fact_id);
}

}  // namespace brainstem::services
