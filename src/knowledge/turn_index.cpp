#include "knowledge/turn_index.h"

#include "common/run_sync.h"
#include "common/text.h"
#include "knowledge/index/fusion.h"
#include "knowledge/index/terms.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <unordered_set>

namespace brainstem::knowledge {

namespace {

namespace json = boost::json;

constexpr double kRrfK = 60;
// Fewer candidates per insertion than the knowledge index: turns arrive on every message,
// and a turn is short, so a narrower search at insertion loses little recall.
const VectorIndex::Params kVectorParams{16, 100, 128};
// Each ranking contributes this many candidates (at least) to the fusion.
constexpr size_t kCandidatesPerRanking = 50;
constexpr size_t kLoadBatch = 2000;
// Up to this many turns a tenant's vectors are searched exactly: as fast as the graph at this
// size, and immune to what a graph can miss (a turn unlike the many alike around it).
constexpr size_t kExactBelow = 4096;
// A tenant with more speakers than this (names in metadata) is not searched for their names.
constexpr size_t kMaxSpeakersMatched = 256;

std::string metadata_text(const json::object& metadata, std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    const json::value* v = metadata.if_contains(key);
    if (v && v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  }
  return {};
}

}  // namespace

namespace {

json::object metadata_of(const store::Turn& turn) {
  if (turn.metadata.size() <= 2) return {};
  boost::system::error_code ec;
  json::value parsed = json::parse(turn.metadata, ec);
  return !ec && parsed.is_object() ? std::move(parsed.as_object()) : json::object();
}

// Whether `name` (lower case) stands in `text` (lower case) as whole words.
bool names(std::string_view text, std::string_view name) {
  for (size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
    const size_t end = at + name.size();
    const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const bool ends = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (starts && ends) return true;
  }
  return false;
}

// The text's content words, stemmed (index_terms): what its vector is made of, so that the
// words every turn and question share ("what", "did", "I") do not make them alike.
std::string content_words(std::string_view text) {
  std::string out;
  for (const auto& term : index_terms(text)) {
    if (!out.empty()) out += ' ';
    out += term;
  }
  return out;
}

}  // namespace

std::string turn_speaker(const store::Turn& turn) { return metadata_text(metadata_of(turn), {"speaker", "name"}); }

std::string turn_search_text(const store::Turn& turn) {
  json::object metadata = metadata_of(turn);
  std::string speaker = metadata_text(metadata, {"speaker", "name"});
  std::string out = speaker.empty() ? turn.role : speaker;
  out += ": ";
  out += turn.content;
  std::string date = metadata_text(metadata, {"session_date", "date_time", "date"});
  if (!date.empty()) out += " (" + date + ")";
  return out;
}

struct TurnIndex::Tenant {
  explicit Tenant(int dimension) : vectors(dimension, kVectorParams) {}

  mutable std::shared_mutex mu;  // entries and ids
  std::unordered_map<uint64_t, IndexedTurn> entries;
  std::unordered_map<std::string, uint64_t> keys;  // turn id → key
  std::unordered_map<std::string, std::vector<uint64_t>> by_customer;  // keys of each customer's turns
  std::unordered_map<std::string, size_t> speakers;  // lower case, the turns of each
  Bm25Index keywords;
  VectorIndex vectors;
};

TurnIndex::TurnIndex(const models::HashedEmbedder& embedder, bool enabled) : embedder_(embedder), enabled_(enabled) {
  worker_ = std::thread([this] { run_worker(); });
}

TurnIndex::~TurnIndex() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  worker_.join();
}

Status TurnIndex::load(store::ConversationStore& store) {
  if (!enabled_) return Status::ok();
  std::vector<store::Turn> batch;
  Status scanned = run_sync(store.scan_turns([&](const store::Turn& turn) {
    batch.push_back(turn);
    if (batch.size() >= kLoadBatch) {
      index_now(batch);
      batch.clear();
    }
    return true;
  }));
  if (!scanned.is_ok()) return scanned;
  index_now(batch);
  return Status::ok();
}

void TurnIndex::add(std::vector<store::Turn> turns) {
  if (turns.empty() || !enabled_) return;
  {
    std::lock_guard lock(queue_mu_);
    queue_.insert(queue_.end(), std::make_move_iterator(turns.begin()), std::make_move_iterator(turns.end()));
  }
  queue_cv_.notify_all();
}

void TurnIndex::wait_idle() {
  std::unique_lock lock(queue_mu_);
  queue_cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stopping_; });
}

size_t TurnIndex::pending() const {
  std::lock_guard lock(queue_mu_);
  return queue_.size() + indexing_;
}

void TurnIndex::run_worker() {
  std::unique_lock lock(queue_mu_);
  for (;;) {
    queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_) return;
    std::vector<store::Turn> batch = std::move(queue_);
    queue_.clear();
    busy_ = true;
    indexing_ = batch.size();
    lock.unlock();
    index_now(batch);
    lock.lock();
    busy_ = false;
    indexing_ = 0;
    queue_cv_.notify_all();
  }
}

TurnIndex::Tenant& TurnIndex::tenant(const std::string& tenant_id) {
  {
    std::shared_lock lock(tenants_mu_);
    if (auto it = tenants_.find(tenant_id); it != tenants_.end()) return *it->second;
  }
  std::unique_lock lock(tenants_mu_);
  auto& slot = tenants_[tenant_id];
  if (!slot) slot = std::make_unique<Tenant>(embedder_.dimension());
  return *slot;  // never erased, so the reference stays valid
}

const TurnIndex::Tenant* TurnIndex::find_tenant(const std::string& tenant_id) const {
  std::shared_lock lock(tenants_mu_);
  auto it = tenants_.find(tenant_id);
  return it == tenants_.end() ? nullptr : it->second.get();
}

void TurnIndex::index_now(const std::vector<store::Turn>& turns) {
  std::unordered_map<std::string, std::vector<const store::Turn*>> by_tenant;
  for (const auto& turn : turns) by_tenant[turn.tenant_id].push_back(&turn);
  const size_t dimension = static_cast<size_t>(embedder_.dimension());
  for (const auto& [tenant_id, tenant_turns] : by_tenant) {
    Tenant& t = tenant(tenant_id);
    std::vector<uint64_t> keys;
    std::vector<std::string> texts;
    std::vector<const store::Turn*> fresh;
    {
      std::shared_lock lock(t.mu);
      for (const store::Turn* turn : tenant_turns) {
        if (t.keys.contains(turn->id)) continue;
        fresh.push_back(turn);
      }
    }
    std::vector<float> vectors;
    vectors.reserve(fresh.size() * dimension);
    for (const store::Turn* turn : fresh) {
      keys.push_back(next_key_.fetch_add(1, std::memory_order_relaxed));
      texts.push_back(turn_search_text(*turn));
      auto vector = embedder_.embed_one(content_words(texts.back()));
      vectors.insert(vectors.end(), vector.begin(), vector.end());
    }
    // Vectors go in first: a search accepts only keys with an entry, so a turn appears whole.
    t.vectors.add_batch(keys, vectors);
    for (size_t i = 0; i < fresh.size(); ++i) t.keywords.add(keys[i], texts[i]);
    std::unique_lock lock(t.mu);
    for (size_t i = 0; i < fresh.size(); ++i) {
      const store::Turn& turn = *fresh[i];
      if (!t.keys.emplace(turn.id, keys[i]).second) {  // indexed meanwhile by another batch
        t.keywords.remove(keys[i]);
        t.vectors.remove(keys[i]);
        continue;
      }
      if (!turn.customer_id.empty()) t.by_customer[turn.customer_id].push_back(keys[i]);
      std::string speaker = turn_speaker(turn);
      if (!speaker.empty()) ++t.speakers[ascii_lower(speaker)];
      t.entries.emplace(keys[i], IndexedTurn{turn.id, turn.agent_id, turn.session_id, turn.customer_id, turn.role,
                                             std::move(speaker), turn.content, turn.created_at});
    }
  }
}

std::vector<TurnHit> TurnIndex::search(const TurnQuery& query) const {
  const Tenant* t = find_tenant(query.tenant_id);
  if (!t || query.limit == 0) return {};
  std::shared_lock lock(t->mu);
  auto accept = [&](uint64_t key) {
    auto it = t->entries.find(key);
    if (it == t->entries.end()) return false;
    const IndexedTurn& turn = it->second;
    return (query.customer_id.empty() || turn.customer_id == query.customer_id) &&
           (query.agent_id.empty() || turn.agent_id == query.agent_id) &&
           (query.exclude_session_id.empty() || turn.session_id != query.exclude_session_id);
  };
  const size_t candidates = std::max(kCandidatesPerRanking, query.limit);
  std::vector<std::vector<ScoredId>> rankings;
  std::unordered_map<uint64_t, double> keyword_scores, similarities;
  // A customer's turns are few: both rankings score each of them rather than filter the tenant's.
  std::optional<std::vector<uint64_t>> among;
  if (!query.customer_id.empty()) {
    among.emplace();
    if (auto customer = t->by_customer.find(query.customer_id); customer != t->by_customer.end()) {
      for (uint64_t key : customer->second) {
        if (accept(key)) among->push_back(key);
      }
    }
  }
  if (query.mode != SearchMode::kVector) {
    rankings.push_back(among ? t->keywords.search_among(query.text, *among, candidates)
                             : t->keywords.search(query.text, candidates, accept));
    for (const auto& hit : rankings.back()) keyword_scores[hit.id] = hit.score;
  }
  if (query.mode != SearchMode::kKeyword) {
    auto vector = embedder_.embed_one(content_words(query.text));
    std::vector<ScoredId> hits;
    if (among) {
      hits = t->vectors.search_among(vector, *among, candidates);
    } else if (t->entries.size() <= kExactBelow) {
      hits = t->vectors.exact_search(vector, candidates, accept);
    } else {
      hits = t->vectors.search(vector, candidates, accept);
    }
    std::erase_if(hits, [&](const ScoredId& hit) { return hit.score <= 0 || hit.score < query.min_similarity; });
    for (const auto& hit : hits) similarities[hit.id] = hit.score;
    rankings.push_back(std::move(hits));
  }
  // The speakers the query names, whose turns rank first.
  std::unordered_set<std::string> named;
  if (t->speakers.size() <= kMaxSpeakersMatched) {
    const std::string lower = ascii_lower(query.text);
    for (const auto& [speaker, _] : t->speakers) {
      if (names(lower, speaker)) named.insert(speaker);
    }
  }
  const double best = static_cast<double>(rankings.size()) / (kRrfK + 1);
  std::vector<TurnHit> out;
  const size_t pool = named.empty() ? query.limit : candidates;
  for (const auto& fused : reciprocal_rank_fusion(rankings, pool, kRrfK)) {
    TurnHit hit;
    hit.turn = t->entries.at(fused.id);
    hit.score = fused.score / best;
    if (auto k = keyword_scores.find(fused.id); k != keyword_scores.end()) hit.keyword_score = k->second;
    if (auto s = similarities.find(fused.id); s != similarities.end()) hit.similarity = s->second;
    out.push_back(std::move(hit));
  }
  if (!named.empty()) {
    std::stable_partition(out.begin(), out.end(),
                          [&](const TurnHit& hit) { return named.contains(ascii_lower(hit.turn.speaker)); });
    if (out.size() > query.limit) out.resize(query.limit);
  }
  return out;
}

size_t TurnIndex::size() const {
  std::shared_lock lock(tenants_mu_);
  size_t n = 0;
  for (const auto& [_, t] : tenants_) {
    std::shared_lock tenant_lock(t->mu);
    n += t->entries.size();
  }
  return n;
}

}  // namespace brainstem::knowledge
