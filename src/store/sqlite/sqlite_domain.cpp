// The SQLite Store's agents, customers, sessions and turns, conversation records, memory facts,
// semantic cache, webhooks and usage metering.
#include "common/clock.h"
#include "common/json_text.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "common/text.h"

#include <boost/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <optional>
#include <string_view>

namespace brainstem::store::sqlite {

namespace {

constexpr const char* kAgentColumns = "id, tenant_id, name, status, config, version, created_at, updated_at";
constexpr const char* kCustomerColumns =
    "id, tenant_id, email, phone, name, external_id, tags, metadata, created_at, updated_at";
constexpr const char* kSessionColumns =
    "tenant_id, agent_id, id, customer_id, title, turn_count, created_at, updated_at";
constexpr const char* kTurnColumns =
    "id, tenant_id, agent_id, session_id, seq, role, content, customer_id, tokens, metadata, created_at, tool_calls, "
    "tool_results";
constexpr const char* kFactColumns =
    "id, tenant_id, customer_id, agent_id, fact, category, confidence, source, created_at, updated_at, subject, "
    "superseded_by";
constexpr const char* kCacheColumns =
    "id, tenant_id, agent_id, customer_id, question, answer, model, embedding, created_at";
constexpr const char* kWebhookColumns = "id, tenant_id, url, events, secret, active, created_at";
constexpr const char* kDeliveryColumns =
    "id, webhook_id, tenant_id, event, payload, status, attempts, next_attempt_at, last_status_code, last_error, "
    "created_at, updated_at";
constexpr const char* kUsageColumns =
    "tenant_id, key_id, agent_id, model, kind, prompt_tokens, completion_tokens, cost_usd, cached, at_ms, requests";

// The JSON object in `text` (empty text: an empty object); nullopt if it is not one.
std::optional<boost::json::object> json_object(const std::string& text) {
  if (text.empty()) return boost::json::object();
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

// Row readers; the column order is that of the k*Columns lists above.
Agent read_agent(const Statement& row) {
  Agent a;
  a.id = row.text(0);
  a.tenant_id = row.text(1);
  a.name = row.text(2);
  a.status = row.text(3);
  a.config = row.text(4);
  a.version = row.integer(5);
  a.created_at = row.integer(6);
  a.updated_at = row.integer(7);
  return a;
}

Customer read_customer(const Statement& row) {
  Customer c;
  c.id = row.text(0);
  c.tenant_id = row.text(1);
  c.email = row.text(2);
  c.phone = row.text(3);
  c.name = row.text(4);
  c.external_id = row.text(5);
  c.tags = string_list(row.text(6));
  c.metadata = row.text(7);
  c.created_at = row.integer(8);
  c.updated_at = row.integer(9);
  return c;
}

Session read_session(const Statement& row) {
  Session s;
  s.tenant_id = row.text(0);
  s.agent_id = row.text(1);
  s.id = row.text(2);
  s.customer_id = row.text(3);
  s.title = row.text(4);
  s.turn_count = row.integer(5);
  s.created_at = row.integer(6);
  s.updated_at = row.integer(7);
  return s;
}

Turn read_turn(const Statement& row) {
  Turn t;
  t.id = row.text(0);
  t.tenant_id = row.text(1);
  t.agent_id = row.text(2);
  t.session_id = row.text(3);
  t.seq = row.integer(4);
  t.role = row.text(5);
  t.content = row.text(6);
  t.customer_id = row.text(7);
  t.tokens = row.integer(8);
  t.metadata = row.text(9);
  t.created_at = row.integer(10);
  t.tool_calls = row.text(11);
  t.tool_results = row.text(12);
  return t;
}

MemoryFact read_fact(const Statement& row) {
  MemoryFact f;
  f.id = row.text(0);
  f.tenant_id = row.text(1);
  f.customer_id = row.text(2);
  f.agent_id = row.text(3);
  f.fact = row.text(4);
  f.category = row.text(5);
  f.confidence = row.real(6);
  f.source = row.text(7);
  f.created_at = row.integer(8);
  f.updated_at = row.integer(9);
  f.subject = row.text(10);
  f.superseded_by = row.text(11);
  return f;
}

CacheEntry read_cache_entry(const Statement& row) {
  CacheEntry e;
  e.id = row.text(0);
  e.tenant_id = row.text(1);
  e.agent_id = row.text(2);
  e.customer_id = row.text(3);
  e.question = row.text(4);
  e.answer = row.text(5);
  e.model = row.text(6);
  e.embedding = embedding_from(row.blob(7));
  e.created_at = row.integer(8);
  return e;
}

Webhook read_webhook(const Statement& row) {
  Webhook w;
  w.id = row.text(0);
  w.tenant_id = row.text(1);
  w.url = row.text(2);
  w.events = string_list(row.text(3));
  w.secret = row.text(4);
  w.active = row.integer(5) != 0;
  w.created_at = row.integer(6);
  return w;
}

WebhookDelivery read_delivery(const Statement& row) {
  WebhookDelivery d;
  d.id = row.text(0);
  d.webhook_id = row.text(1);
  d.tenant_id = row.text(2);
  d.event = row.text(3);
  d.payload = row.text(4);
  d.status = row.text(5);
  d.attempts = static_cast<int>(row.integer(6));
  d.next_attempt_at = row.integer(7);
  d.last_status_code = static_cast<int>(row.integer(8));
  d.last_error = row.text(9);
  d.created_at = row.integer(10);
  d.updated_at = row.integer(11);
  return d;
}

// The status of `result`: OK when it holds a value.
template <class T>
Status status_of(const Result<T>& result) {
  return result.ok() ? Status::ok() : result.status();
}

// The writes of upsert_customer, append_turns, save_fact and put_cache_entry below (write_*)
// run inside a write transaction their caller opened: the method's own, or record_conversations'.

// --- customers

// `customer` as it is stored: email lower-cased, metadata re-serialized. kInvalidArgument
// without an id or when the metadata is not a JSON object.
Result<Customer> normalized_customer(const Customer& customer) {
  if (customer.id.empty()) return Status::invalid("customer id is required");
  auto metadata = json_object(customer.metadata);
  if (!metadata) return Status::invalid("customer metadata is not a JSON object");
  Customer normalized = customer;
  normalized.email = ascii_lower(customer.email);
  normalized.metadata = json_text(*metadata);
  return normalized;
}

// The stored customer `customer` merges into: the one with its id, else its email, phone or
// external id, in that order; nullopt if none.
Result<std::optional<Customer>> find_customer_match(Connection& c, const Customer& customer) {
  const std::pair<const char*, const std::string*> keys[] = {
      {"id", &customer.id}, {"email", &customer.email}, {"phone", &customer.phone},
      {"external_id", &customer.external_id}};
  for (const auto& [column, value] : keys) {
    if (value->empty()) continue;
    auto query = c.statement(std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE tenant_id = ?1 AND " +
                             column + " = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, customer.tenant_id).bind(2, *value);
    auto row = query->step();
    if (!row.ok()) return row.status();
    if (*row) return std::optional<Customer>(read_customer(*query));
  }
  return std::optional<Customer>();
}

void overwrite_if_set(std::string& field, const std::string& value) {
  if (!value.empty()) field = value;
}

// `incoming` (normalized) merged into `stored`: set fields win, tags unite, metadata merges
// key by key (a stored value that is not a JSON object counts as an empty one).
Customer merge_customer(Customer stored, const Customer& incoming) {
  overwrite_if_set(stored.email, incoming.email);
  overwrite_if_set(stored.phone, incoming.phone);
  overwrite_if_set(stored.name, incoming.name);
  overwrite_if_set(stored.external_id, incoming.external_id);
  for (const auto& tag : incoming.tags) {
    if (std::find(stored.tags.begin(), stored.tags.end(), tag) == stored.tags.end()) stored.tags.push_back(tag);
  }
  boost::json::object merged = json_object(stored.metadata).value_or(boost::json::object());
  for (const auto& [key, value] : json_object(incoming.metadata).value_or(boost::json::object())) {
    merged[key] = value;
  }
  stored.metadata = json_text(merged);
  stored.updated_at = incoming.updated_at;
  return stored;
}

Status insert_customer(Connection& c, const Customer& customer) {
  auto insert = c.statement(std::string("INSERT INTO customers(") + kCustomerColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert.ok()) return insert.status();
  insert->bind(1, customer.id)
      .bind(2, customer.tenant_id)
      .bind(3, customer.email)
      .bind(4, customer.phone)
      .bind(5, customer.name)
      .bind(6, customer.external_id)
      .bind(7, json_array(customer.tags))
      .bind(8, customer.metadata)
      .bind(9, customer.created_at)
      .bind(10, customer.updated_at);
  return run_tenant_insert(*insert);
}

Status update_customer(Connection& c, const Customer& customer) {
  auto update = c.statement(
      "UPDATE customers SET email = ?3, phone = ?4, name = ?5, external_id = ?6, tags = ?7, metadata = ?8, "
      "updated_at = ?9 WHERE tenant_id = ?1 AND id = ?2");
  if (!update.ok()) return update.status();
  update->bind(1, customer.tenant_id)
      .bind(2, customer.id)
      .bind(3, customer.email)
      .bind(4, customer.phone)
      .bind(5, customer.name)
      .bind(6, customer.external_id)
      .bind(7, json_array(customer.tags))
      .bind(8, customer.metadata)
      .bind(9, customer.updated_at);
  return update->run();
}

// Creates the normalized customer `incoming` or merges it into its match; returns the stored one.
Result<Customer> write_customer(Connection& c, const Customer& incoming) {
  auto match = find_customer_match(c, incoming);
  if (!match.ok()) return match.status();
  if (!*match) {
    if (Status s = insert_customer(c, incoming); !s.is_ok()) return s;
    return incoming;
  }
  Customer merged = merge_customer(std::move(**match), incoming);
  if (Status s = update_customer(c, merged); !s.is_ok()) return s;
  return merged;
}

// --- sessions and turns

// kInvalidArgument unless the (one or more) turns all belong to one session.
Status check_one_session(const std::vector<Turn>& turns) {
  const Turn& first = turns.front();
  bool one = std::all_of(turns.begin(), turns.end(), [&](const Turn& t) {
    return t.tenant_id == first.tenant_id && t.agent_id == first.agent_id && t.session_id == first.session_id;
  });
  return one ? Status::ok() : Status::invalid("turns to append must all belong to one session");
}

// The session's turn count; 0 for a session not stored yet.
Result<int64_t> session_turn_count(Connection& c, const Turn& turn) {
  auto query = c.statement("SELECT turn_count FROM sessions WHERE tenant_id = ?1 AND agent_id = ?2 AND id = ?3");
  if (!query.ok()) return query.status();
  query->bind(1, turn.tenant_id).bind(2, turn.agent_id).bind(3, turn.session_id);
  auto row = query->step();
  if (!row.ok()) return row.status();
  return *row ? query->integer(0) : 0;
}

Status insert_turn(Connection& c, const Turn& turn) {
  auto insert = c.statement(std::string("INSERT INTO turns(") + kTurnColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!insert.ok()) return insert.status();
  insert->bind(1, turn.id)
      .bind(2, turn.tenant_id)
      .bind(3, turn.agent_id)
      .bind(4, turn.session_id)
      .bind(5, turn.seq)
      .bind(6, turn.role)
      .bind(7, turn.content)
      .bind(8, turn.customer_id)
      .bind(9, turn.tokens)
      .bind(10, turn.metadata)
      .bind(11, turn.created_at)
      .bind(12, turn.tool_calls)
      .bind(13, turn.tool_results);
  return insert->run();
}

// Creates the session of `turns` or counts them into it. A session without a customer takes
// the first one its turns name.
Status upsert_session(Connection& c, const std::vector<Turn>& turns) {
  auto upsert = c.statement(
      "INSERT INTO sessions(tenant_id, agent_id, id, customer_id, turn_count, created_at, updated_at, tokens) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(tenant_id, agent_id, id) DO UPDATE SET "
      "customer_id = CASE customer_id WHEN '' THEN excluded.customer_id ELSE customer_id END, "
      "turn_count = turn_count + excluded.turn_count, updated_at = MAX(updated_at, excluded.updated_at), "
      "tokens = tokens + excluded.tokens");
  if (!upsert.ok()) return upsert.status();
  auto identified = std::find_if(turns.begin(), turns.end(), [](const Turn& t) { return !t.customer_id.empty(); });
  const Turn& first = turns.front();
  upsert->bind(1, first.tenant_id)
      .bind(2, first.agent_id)
      .bind(3, first.session_id)
      .bind(4, identified == turns.end() ? std::string() : identified->customer_id)
      .bind(5, static_cast<int64_t>(turns.size()))
      .bind(6, first.created_at)
      .bind(7, turns.back().created_at)
      .bind(8, std::accumulate(turns.begin(), turns.end(), int64_t{0},
                               [](int64_t sum, const Turn& t) { return sum + t.tokens; }));
  return upsert->run();
}

// Appends the (checked, one or more) turns after the session's last, assigning seq; returns
// them as stored.
Result<std::vector<Turn>> write_turns(Connection& c, RecallFilters& recall, std::vector<Turn> turns) {
  const Turn& first = turns.front();
  const std::string key = RecallFilters::session_key(first.tenant_id, first.agent_id, first.session_id);
  const bool may_have_turns = recall.sessions.may_contain(key);  // no: a new session, no count to read
  recall.sessions.add(key);
  auto count = may_have_turns ? session_turn_count(c, first) : Result<int64_t>(int64_t{0});
  if (!count.ok()) return count.status();
  for (auto& turn : turns) {
    turn.seq = ++*count;
    if (Status s = insert_turn(c, turn); !s.is_ok()) return s;
  }
  if (Status s = upsert_session(c, turns); !s.is_ok()) return s;
  return turns;
}

// --- memory facts

// Saves `fact`, or updates the stored one of the same text and scope; returns the stored fact.
Result<MemoryFact> write_fact(Connection& c, RecallFilters& recall, const MemoryFact& fact) {
  recall.customers.add(RecallFilters::customer_key(fact.tenant_id, fact.customer_id));
  auto upsert = c.statement(std::string("INSERT INTO memory_facts(") + kFactColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '') "
                            "ON CONFLICT(tenant_id, customer_id, agent_id, lower(fact)) DO UPDATE SET "
                            "category = excluded.category, confidence = excluded.confidence, "
                            "source = excluded.source, updated_at = excluded.updated_at, subject = excluded.subject, "
                            "superseded_by = '' RETURNING " +
                            kFactColumns);
  if (!upsert.ok()) return upsert.status();
  upsert->bind(1, fact.id)
      .bind(2, fact.tenant_id)
      .bind(3, fact.customer_id)
      .bind(4, fact.agent_id)
      .bind(5, fact.fact)
      .bind(6, fact.category)
      .bind_real(7, fact.confidence)
      .bind(8, fact.source)
      .bind(9, fact.created_at)
      .bind(10, fact.updated_at)
      .bind(11, fact.subject);
  auto stored = single_row(*upsert, read_fact, "memory fact not saved");
  if (!stored.ok() || (stored->subject.empty() && fact.supersedes.empty())) return stored;
  auto supersede = c.statement(
      "UPDATE memory_facts SET superseded_by = ?1, updated_at = ?2 WHERE tenant_id = ?3 AND customer_id = ?4 "
      "AND id != ?1 AND superseded_by = '' AND ((?6 != '' AND agent_id = ?5 AND subject = ?6) OR id = ?7)");
  if (!supersede.ok()) return supersede.status();
  supersede->bind(1, stored->id)
      .bind(2, stored->updated_at)
      .bind(3, stored->tenant_id)
      .bind(4, stored->customer_id)
      .bind(5, stored->agent_id)
      .bind(6, stored->subject)
      .bind(7, fact.supersedes);
  if (Status s = supersede->run(); !s.is_ok()) return s;
  return stored;
}

// --- semantic cache

// Stores `entry`, replacing one of the same id; kConflict if that one belongs to another tenant.
Status write_cache_entry(Connection& c, const CacheEntry& entry) {
  auto upsert = c.statement(std::string("INSERT INTO cache_entries(") + kCacheColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                            "ON CONFLICT(id) DO UPDATE SET agent_id = excluded.agent_id, "
                            "customer_id = excluded.customer_id, question = excluded.question, "
                            "answer = excluded.answer, model = excluded.model, embedding = excluded.embedding, "
                            "created_at = excluded.created_at WHERE tenant_id = excluded.tenant_id");
  if (!upsert.ok()) return upsert.status();
  upsert->bind(1, entry.id)
      .bind(2, entry.tenant_id)
      .bind(3, entry.agent_id)
      .bind(4, entry.customer_id)
      .bind(5, entry.question)
      .bind(6, entry.answer)
      .bind(7, entry.model)
      .bind_blob(8, embedding_bytes(entry.embedding))
      .bind(9, entry.created_at);
  if (Status s = upsert->run(); !s.is_ok()) return s;
  if (sqlite3_changes(c.db()) == 0) return Status::conflict("cache entry already exists");
  return Status::ok();
}

// The tokens of every turn of the session, under any agent: the sessions keep running totals.
Result<int64_t> tokens_of_session(Connection& c, const std::string& tenant_id, const std::string& session_id) {
  auto query = c.statement("SELECT COALESCE(SUM(tokens), 0) FROM sessions WHERE tenant_id = ?1 AND id = ?2");
  if (!query.ok()) return query.status();
  query->bind(1, tenant_id).bind(2, session_id);
  auto row = query->step();
  if (!row.ok()) return row.status();
  return query->integer(0);
}

// --- conversation records

// Writes each part of `record` as its own method would, stopping at the first failure.
Status write_record(Connection& c, RecallFilters& recall, const ConversationRecord& record) {
  if (record.customer) {
    auto customer = normalized_customer(*record.customer);
    if (!customer.ok()) return customer.status();
    if (Status s = status_of(write_customer(c, *customer)); !s.is_ok()) return s;
  }
  if (!record.turns.empty()) {
    if (Status s = check_one_session(record.turns); !s.is_ok()) return s;
    if (Status s = status_of(write_turns(c, recall, record.turns)); !s.is_ok()) return s;
  }
  for (const auto& fact : record.facts) {
    if (Status s = status_of(write_fact(c, recall, fact)); !s.is_ok()) return s;
  }
  return record.cache_entry ? write_cache_entry(c, *record.cache_entry) : Status::ok();
}

// Writes `record` whole or not at all within the open transaction, under a savepoint; returns
// its status. Leaves no transaction open when the failure ended it, or when the savepoint
// cannot be closed (the record's writes could then not be told from the others').
Status write_whole_record(Connection& c, RecallFilters& recall, const ConversationRecord& record) {
  static const std::string kSavepoint = "SAVEPOINT record", kRelease = "RELEASE record";
  if (Status s = c.run(kSavepoint); !s.is_ok()) return s;
  Status status = write_record(c, recall, record);
  if (!c.in_transaction()) return status;
  if (Status s = status.is_ok() ? c.run(kRelease) : c.exec("ROLLBACK TO record; RELEASE record"); !s.is_ok()) {
    c.rollback_if_open();
    return s;
  }
  return status;
}

// --- webhooks and usage

Status insert_delivery(Connection& c, const WebhookDelivery& d) {
  // Selecting from webhooks refuses a delivery for an absent webhook or one of another tenant.
  auto insert = c.statement(std::string("INSERT INTO webhook_deliveries(") + kDeliveryColumns +
                            ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
                            "FROM webhooks WHERE id = ?2 AND tenant_id = ?3");
  if (!insert.ok()) return insert.status();
  insert->bind(1, d.id)
      .bind(2, d.webhook_id)
      .bind(3, d.tenant_id)
      .bind(4, d.event)
      .bind(5, d.payload)
      .bind(6, d.status)
      .bind(7, int64_t{d.attempts})
      .bind(8, d.next_attempt_at)
      .bind(9, int64_t{d.last_status_code})
      .bind(10, d.last_error)
      .bind(11, d.created_at)
      .bind(12, d.updated_at);
  return run_changing(c, *insert, "webhook not found");
}

Status insert_usage(Connection& c, const UsageRecord& r) {
  auto insert = c.statement(std::string("INSERT INTO usage_records(") + kUsageColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert.ok()) return insert.status();
  insert->bind(1, r.tenant_id)
      .bind(2, r.key_id)
      .bind(3, r.agent_id)
      .bind(4, r.model)
      .bind(5, r.kind)
      .bind(6, r.prompt_tokens)
      .bind(7, r.completion_tokens)
      .bind_real(8, r.cost_usd)
      .bind(9, int64_t{r.cached ? 1 : 0})
      .bind(10, r.at_ms)
      .bind(11, r.requests);
  return insert->run();
}

}  // namespace

// --- agents

Status Database::create_agent(const Agent& agent) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO agents(") + kAgentColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, agent.id)
        .bind(2, agent.tenant_id)
        .bind(3, agent.name)
        .bind(4, agent.status)
        .bind(5, agent.config)
        .bind(6, agent.version)
        .bind(7, agent.created_at)
        .bind(8, agent.updated_at);
    return run_tenant_insert(*insert);
  });
}

Result<Agent> Database::get_agent(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Agent> {
    auto query = c.statement(std::string("SELECT ") + kAgentColumns + " FROM agents WHERE id = ?1 AND tenant_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, id).bind(2, tenant_id);
    return single_row(*query, read_agent, "agent not found");
  });
}

Result<Agent> Database::find_agent(const std::string& id) {
  return read([&](Connection& c) -> Result<Agent> {
    auto query = c.statement(std::string("SELECT ") + kAgentColumns + " FROM agents WHERE id = ?1");
    if (!query.ok()) return query.status();
    query->bind(1, id);
    return single_row(*query, read_agent, "agent not found");
  });
}

Result<std::vector<Agent>> Database::list_agents(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<Agent>> {
    auto query = c.statement(std::string("SELECT ") + kAgentColumns +
                             " FROM agents WHERE tenant_id = ?1 ORDER BY created_at DESC, rowid DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, read_agent);
  });
}

Result<Agent> Database::update_agent(const Agent& agent) {
  return write([&](Connection& c) -> Result<Agent> {
    auto update = c.statement(std::string("UPDATE agents SET name = ?3, status = ?4, config = ?5, "
                                          "version = version + 1, updated_at = ?6 "
                                          "WHERE id = ?1 AND tenant_id = ?2 RETURNING ") +
                              kAgentColumns);
    if (!update.ok()) return update.status();
    update->bind(1, agent.id)
        .bind(2, agent.tenant_id)
        .bind(3, agent.name)
        .bind(4, agent.status)
        .bind(5, agent.config)
        .bind(6, now_ms());
    return single_row(*update, read_agent, "agent not found");
  });
}

Status Database::delete_agent(const std::string& tenant_id, const std::string& id) {
  return write([&](Connection& c) -> Status {
    auto remove = c.statement("DELETE FROM agents WHERE id = ?1 AND tenant_id = ?2");
    if (!remove.ok()) return remove.status();
    remove->bind(1, id).bind(2, tenant_id);
    return run_changing(c, *remove, "agent not found");
  });
}

// --- customers

Result<Customer> Database::upsert_customer(const Customer& customer) {
  auto incoming = normalized_customer(customer);
  if (!incoming.ok()) return incoming.status();
  return write([&](Connection& c) { return write_customer(c, *incoming); });
}

Result<Customer> Database::get_customer(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Customer> {
    auto query = c.statement(std::string("SELECT ") + kCustomerColumns +
                             " FROM customers WHERE tenant_id = ?1 AND id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, id);
    return single_row(*query, read_customer, "customer not found");
  });
}

// --- recall filters

std::string RecallFilters::session_key(std::string_view tenant_id, std::string_view agent_id,
                                       std::string_view session_id) {
  std::string key;
  key.reserve(tenant_id.size() + agent_id.size() + session_id.size() + 2);
  key.append(tenant_id).append(1, '\x1f').append(agent_id).append(1, '\x1f').append(session_id);
  return key;
}

std::string RecallFilters::customer_key(std::string_view tenant_id, std::string_view customer_id) {
  std::string key;
  key.reserve(tenant_id.size() + customer_id.size() + 1);
  key.append(tenant_id).append(1, '\x1f').append(customer_id);
  return key;
}

Status Database::load_recall_filters() {
  return read([&](Connection& c) -> Status {
    auto sessions = c.statement("SELECT tenant_id, agent_id, id FROM sessions");  // a session row has turns
    if (!sessions.ok()) return sessions.status();
    auto session_keys = all_rows(*sessions, [](const Statement& row) {
      return RecallFilters::session_key(row.text(0), row.text(1), row.text(2));
    });
    if (!session_keys.ok()) return session_keys.status();
    for (const auto& key : *session_keys) recall_.sessions.add(key);

    auto customers = c.statement("SELECT DISTINCT tenant_id, customer_id FROM memory_facts");
    if (!customers.ok()) return customers.status();
    auto customer_keys =
        all_rows(*customers, [](const Statement& row) { return RecallFilters::customer_key(row.text(0), row.text(1)); });
    if (!customer_keys.ok()) return customer_keys.status();
    for (const auto& key : *customer_keys) recall_.customers.add(key);
    return Status::ok();
  });
}

// --- sessions and turns

Result<std::vector<Turn>> Database::append_turns(std::vector<Turn> turns) {
  if (turns.empty()) return turns;
  if (Status s = check_one_session(turns); !s.is_ok()) return s;
  return write([&](Connection& c) { return write_turns(c, recall_, std::move(turns)); });
}

Result<std::vector<Turn>> Database::recent_turns(const std::string& tenant_id, const std::string& agent_id,
                                                    const std::string& session_id, int limit) {
  return read([&](Connection& c) -> Result<std::vector<Turn>> {
    auto query = c.statement(std::string("SELECT * FROM (SELECT ") + kTurnColumns +
                             " FROM turns WHERE tenant_id = ?1 AND agent_id = ?2 AND session_id = ?3 "
                             "ORDER BY seq DESC LIMIT ?4) ORDER BY seq");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, agent_id).bind(3, session_id).bind(4, row_limit(limit));
    return all_rows(*query, read_turn);
  });
}

bool Database::may_have_turns(const std::string& tenant_id, const std::string& agent_id,
                                 const std::string& session_id) {
  return recall_.sessions.may_contain(RecallFilters::session_key(tenant_id, agent_id, session_id));
}

Result<Session> Database::get_session(const std::string& tenant_id, const std::string& agent_id,
                                         const std::string& session_id) {
  std::string sql = std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE tenant_id = ?1 AND id = ?3";
  // `+updated_at`: sorting the session's few agents beats walking the tenant's update order.
  sql += agent_id.empty() ? " ORDER BY +updated_at DESC LIMIT 1" : " AND agent_id = ?2";
  return read([&](Connection& c) -> Result<Session> {
    auto query = c.statement(sql);
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(3, session_id);
    if (!agent_id.empty()) query->bind(2, agent_id);
    return single_row(*query, read_session, "session not found");
  });
}

Result<std::vector<Session>> Database::list_sessions(const std::string& tenant_id, const std::string& agent_id,
                                                        int limit) {
  std::string sql = std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE tenant_id = ?1";
  if (!agent_id.empty()) sql += " AND agent_id = ?2";
  sql += " ORDER BY updated_at DESC, id DESC LIMIT ?3";
  return read([&](Connection& c) -> Result<std::vector<Session>> {
    auto query = c.statement(sql);
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(3, row_limit(limit));
    if (!agent_id.empty()) query->bind(2, agent_id);
    return all_rows(*query, read_session);
  });
}

// --- CELLSTATE turns

Result<Turn> Database::append_turn_within_budget(Turn turn, int64_t token_budget,
                                                 std::vector<MemoryEntity> alongside) {
  return write([&](Connection& c) -> Result<Turn> {
    auto used = tokens_of_session(c, turn.tenant_id, turn.session_id);
    if (!used.ok()) return used.status();
    if (*used + turn.tokens > token_budget) {
      Status refused = Status::conflict("the turn's " + std::to_string(turn.tokens) + " tokens would exceed the scope's budget (" +
                                        std::to_string(*used) + " of " + std::to_string(token_budget) + " used)");
      refused.with_details({{"code", "TOKEN_BUDGET_EXCEEDED"}, {"token_budget", token_budget}, {"tokens_used", *used}});
      return refused;
    }
    auto written = write_turns(c, recall_, {std::move(turn)});
    if (!written.ok()) return written.status();
    if (auto stored = insert_entities(c, std::move(alongside)); !stored.ok()) return stored.status();
    return std::move(written->front());
  });
}

Result<Turn> Database::get_turn(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Turn> {
    auto query = c.statement(std::string("SELECT ") + kTurnColumns + " FROM turns WHERE id = ?1 AND tenant_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, id).bind(2, tenant_id);
    return single_row(*query, read_turn, "turn not found");
  });
}

Result<std::vector<Turn>> Database::get_turns(const std::string& tenant_id, const std::vector<std::string>& ids) {
  // "+tenant_id": found by id, each; the planner would otherwise scan the tenant's turns.
  return read([&](Connection& c) -> Result<std::vector<Turn>> {
    auto query = c.statement(std::string("SELECT ") + kTurnColumns +
                             " FROM turns WHERE id IN (SELECT value FROM json_each(?1)) AND +tenant_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, json_array(ids)).bind(2, tenant_id);
    return all_rows(*query, read_turn);
  });
}

Result<std::vector<Turn>> Database::session_turns(const std::string& tenant_id, const std::string& session_id) {
  return read([&](Connection& c) -> Result<std::vector<Turn>> {
    auto query = c.statement(std::string("SELECT ") + kTurnColumns +
                             " FROM turns WHERE tenant_id = ?1 AND session_id = ?2 AND agent_id IN "
                             "(SELECT agent_id FROM sessions WHERE tenant_id = ?1 AND id = ?2) ORDER BY created_at, rowid");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, session_id);
    return all_rows(*query, read_turn);
  });
}

Result<int64_t> Database::session_tokens(const std::string& tenant_id, const std::string& session_id) {
  return read([&](Connection& c) { return tokens_of_session(c, tenant_id, session_id); });
}

Status Database::scan_turns(const std::function<bool(const Turn&)>& visit) {
  return scan_by_rowid<Turn>(std::string("SELECT ") + kTurnColumns + ", rowid FROM turns", 13, read_turn, visit);
}

// --- conversation records

std::vector<Status> Database::record_conversations(const std::vector<ConversationRecord>& records) {
  std::vector<Status> statuses;
  if (records.empty()) return statuses;
  // The batch is first written as one. A savepoint per record costs a copy of every page the
  // record touches, so it is paid only when a record fails: the batch is then rolled back and
  // written again with one savepoint per record, so that only the failing record is refused.
  Status whole = write([&](Connection& c) -> Status {
    for (const auto& record : records) {
      if (Status s = write_record(c, recall_, record); !s.is_ok()) return s;
    }
    return Status::ok();
  });
  if (whole.is_ok() || records.size() == 1) return std::vector<Status>(records.size(), whole);
  Status committed = write([&](Connection& c) -> Status {
    for (const auto& record : records) {
      statuses.push_back(write_whole_record(c, recall_, record));
      if (!c.in_transaction()) return statuses.back();  // the batch cannot commit
    }
    return Status::ok();
  });
  if (!committed.is_ok()) statuses.assign(records.size(), committed);
  return statuses;
}

// --- customer memory facts

Result<MemoryFact> Database::save_fact(const MemoryFact& fact) {
  return write([&](Connection& c) { return write_fact(c, recall_, fact); });
}

Result<std::vector<MemoryFact>> Database::list_facts(const std::string& tenant_id, const std::string& customer_id,
                                                        const std::string& agent_id) {
  std::string sql =
      std::string("SELECT ") + kFactColumns +
      " FROM memory_facts WHERE tenant_id = ?1 AND customer_id = ?2 AND superseded_by = ''";
  if (!agent_id.empty()) sql += " AND agent_id IN ('', ?3)";
  sql += " ORDER BY confidence DESC, created_at DESC, rowid DESC";
  return read([&](Connection& c) -> Result<std::vector<MemoryFact>> {
    auto query = c.statement(sql);
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, customer_id);
    if (!agent_id.empty()) query->bind(3, agent_id);
    return all_rows(*query, read_fact);
  });
}

Result<std::vector<MemoryFact>> Database::fact_history(const std::string& tenant_id, const std::string& customer_id) {
  return read([&](Connection& c) -> Result<std::vector<MemoryFact>> {
    auto query = c.statement(std::string("SELECT ") + kFactColumns +
                             " FROM memory_facts WHERE tenant_id = ?1 AND customer_id = ?2 ORDER BY updated_at DESC, rowid DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, customer_id);
    return all_rows(*query, read_fact);
  });
}

bool Database::may_have_facts(const std::string& tenant_id, const std::string& customer_id) {
  return recall_.customers.may_contain(RecallFilters::customer_key(tenant_id, customer_id));
}

Status Database::delete_fact(const std::string& tenant_id, const std::string& fact_id) {
  return write([&](Connection& c) -> Status {
    auto remove = c.statement("DELETE FROM memory_facts WHERE id = ?1 AND tenant_id = ?2");
    if (!remove.ok()) return remove.status();
    remove->bind(1, fact_id).bind(2, tenant_id);
    return run_changing(c, *remove, "memory fact not found");
  });
}

// --- semantic cache

Status Database::put_cache_entry(const CacheEntry& entry) {
  return write([&](Connection& c) { return write_cache_entry(c, entry); });
}

Status Database::scan_cache_entries(const std::function<bool(const CacheEntry&)>& visit) {
  return scan_by_rowid<CacheEntry>(std::string("SELECT ") + kCacheColumns + ", rowid FROM cache_entries", 9,
                                   read_cache_entry, visit);
}

Result<int64_t> Database::delete_cache_entries(const std::string& tenant_id, const std::string& agent_id) {
  return write([&](Connection& c) -> Result<int64_t> {
    auto remove = c.statement(
        "DELETE FROM cache_entries WHERE (?1 = '' OR tenant_id = ?1) AND (?2 = '' OR agent_id = ?2)");
    if (!remove.ok()) return remove.status();
    remove->bind(1, tenant_id).bind(2, agent_id);
    if (Status s = remove->run(); !s.is_ok()) return s;
    return static_cast<int64_t>(sqlite3_changes64(c.db()));
  });
}

// --- outgoing webhooks

Status Database::create_webhook(const Webhook& webhook) {
  return write([&](Connection& c) -> Status {
    auto insert = c.statement(std::string("INSERT INTO webhooks(") + kWebhookColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert.ok()) return insert.status();
    insert->bind(1, webhook.id)
        .bind(2, webhook.tenant_id)
        .bind(3, webhook.url)
        .bind(4, json_array(webhook.events))
        .bind(5, webhook.secret)
        .bind(6, int64_t{webhook.active ? 1 : 0})
        .bind(7, webhook.created_at);
    return run_tenant_insert(*insert);
  });
}

Result<std::vector<Webhook>> Database::list_webhooks(const std::string& tenant_id) {
  return read([&](Connection& c) -> Result<std::vector<Webhook>> {
    auto query = c.statement(std::string("SELECT ") + kWebhookColumns +
                             " FROM webhooks WHERE tenant_id = ?1 ORDER BY created_at DESC, rowid DESC");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id);
    return all_rows(*query, read_webhook);
  });
}

Result<Webhook> Database::get_webhook(const std::string& tenant_id, const std::string& id) {
  return read([&](Connection& c) -> Result<Webhook> {
    auto query = c.statement(std::string("SELECT ") + kWebhookColumns +
                             " FROM webhooks WHERE id = ?1 AND tenant_id = ?2");
    if (!query.ok()) return query.status();
    query->bind(1, id).bind(2, tenant_id);
    return single_row(*query, read_webhook, "webhook not found");
  });
}

Status Database::delete_webhook(const std::string& tenant_id, const std::string& id) {
  return write([&](Connection& c) -> Status {
    auto remove = c.statement("DELETE FROM webhooks WHERE id = ?1 AND tenant_id = ?2");
    if (!remove.ok()) return remove.status();
    remove->bind(1, id).bind(2, tenant_id);
    if (Status s = run_changing(c, *remove, "webhook not found"); !s.is_ok()) return s;
    auto deliveries = c.statement("DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant_id = ?2");
    if (!deliveries.ok()) return deliveries.status();
    deliveries->bind(1, id).bind(2, tenant_id);
    return deliveries->run();
  });
}

Status Database::enqueue_deliveries(const std::vector<WebhookDelivery>& deliveries) {
  if (deliveries.empty()) return Status::ok();
  return write([&](Connection& c) -> Status {
    for (const auto& delivery : deliveries) {
      if (Status s = insert_delivery(c, delivery); !s.is_ok()) return s;
    }
    return Status::ok();
  });
}

Result<std::vector<WebhookDelivery>> Database::claim_deliveries(int64_t now_ms, int64_t lease_ms, int limit) {
  // One writer at a time makes the select and the lease one step; PostgreSQL's
  // FOR UPDATE SKIP LOCKED gives several claimers the same guarantee.
  return write([&](Connection& c) -> Result<std::vector<WebhookDelivery>> {
    auto query = c.statement(std::string("SELECT ") + kDeliveryColumns +
                             " FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?1 "
                             "ORDER BY next_attempt_at, rowid LIMIT ?2");
    if (!query.ok()) return query.status();
    query->bind(1, now_ms).bind(2, row_limit(limit));
    auto due = all_rows(*query, read_delivery);
    if (!due.ok()) return due;
    for (auto& delivery : *due) {
      auto lease = c.statement("UPDATE webhook_deliveries SET next_attempt_at = ?3 WHERE id = ?1 AND tenant_id = ?2");
      if (!lease.ok()) return lease.status();
      delivery.next_attempt_at = now_ms + lease_ms;
      lease->bind(1, delivery.id).bind(2, delivery.tenant_id).bind(3, delivery.next_attempt_at);
      if (Status s = run_changing(c, *lease, "webhook delivery not found"); !s.is_ok()) return s;
    }
    return due;
  });
}

Status Database::update_delivery(const WebhookDelivery& delivery) {
  return write([&](Connection& c) -> Status {
    auto update = c.statement(
        "UPDATE webhook_deliveries SET status = ?3, attempts = ?4, next_attempt_at = ?5, last_status_code = ?6, "
        "last_error = ?7, updated_at = ?8 WHERE id = ?1 AND tenant_id = ?2");
    if (!update.ok()) return update.status();
    update->bind(1, delivery.id)
        .bind(2, delivery.tenant_id)
        .bind(3, delivery.status)
        .bind(4, int64_t{delivery.attempts})
        .bind(5, delivery.next_attempt_at)
        .bind(6, int64_t{delivery.last_status_code})
        .bind(7, delivery.last_error)
        .bind(8, delivery.updated_at);
    return run_changing(c, *update, "webhook delivery not found");
  });
}

Result<std::vector<WebhookDelivery>> Database::list_deliveries(const std::string& tenant_id,
                                                                  const std::string& webhook_id, int limit) {
  return read([&](Connection& c) -> Result<std::vector<WebhookDelivery>> {
    auto query = c.statement(std::string("SELECT ") + kDeliveryColumns +
                             " FROM webhook_deliveries WHERE tenant_id = ?1 AND webhook_id = ?2 "
                             "ORDER BY created_at DESC, rowid DESC LIMIT ?3");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, webhook_id).bind(3, row_limit(limit));
    return all_rows(*query, read_delivery);
  });
}

// --- usage metering

Status Database::record_usage(const std::vector<UsageRecord>& records) {
  if (records.empty()) return Status::ok();
  return write([&](Connection& c) -> Status {
    for (const auto& record : records) {
      if (Status s = insert_usage(c, record); !s.is_ok()) return s;
    }
    return Status::ok();
  });
}

Result<std::vector<UsageRow>> Database::usage_summary(const UsageQuery& q) {
  return read([&](Connection& c) -> Result<std::vector<UsageRow>> {
    auto query = c.statement(
        "SELECT model, key_id, SUM(requests), SUM(prompt_tokens), SUM(completion_tokens), TOTAL(cost_usd) "
        "FROM usage_records WHERE tenant_id = ?1 AND at_ms >= ?2 AND at_ms < ?3 "
        "GROUP BY model, key_id ORDER BY model, key_id");
    if (!query.ok()) return query.status();
    query->bind(1, q.tenant_id).bind(2, q.from_ms).bind(3, q.to_ms);
    return all_rows(*query, [](const Statement& row) {
      return UsageRow{row.text(0), row.text(1), row.integer(2), row.integer(3), row.integer(4), row.real(5)};
    });
  });
}

Result<double> Database::usage_cost(const std::string& tenant_id, int64_t from_ms, int64_t to_ms) {
  return read([&](Connection& c) -> Result<double> {
    auto query = c.statement(
        "SELECT TOTAL(cost_usd) FROM usage_records WHERE tenant_id = ?1 AND at_ms >= ?2 AND at_ms < ?3");
    if (!query.ok()) return query.status();
    query->bind(1, tenant_id).bind(2, from_ms).bind(3, to_ms);
    return single_row(*query, [](const Statement& row) { return row.real(0); }, "usage not found");
  });
}

}  // namespace brainstem::store::sqlite
