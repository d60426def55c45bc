// The domain services over a SQLite store in memory, wired as the server wires them, with the
// cache invalidations they publish recorded on the way to the local caches.
#pragma once

#include "common/run_sync.h"
#include "models/hashed_embedder.h"
#include "services/agents.h"
#include "services/answers.h"
#include "services/conversations.h"
#include "store/records.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace brainstem::test_support {

// Passes each invalidation on to this node's caches and remembers it ("agent t1/a1",
// "answers t1/a1"), as a shared engine would publish it to the other nodes.
class RecordingInvalidation final : public services::CacheInvalidation {
 public:
  RecordingInvalidation(pipeline::AgentCache& agents, pipeline::SemanticCache& answers) : local_(agents, answers) {}

  boost::asio::awaitable<void> agent_changed(const std::string& tenant_id, const std::string& agent_id) override {
    note("agent " + tenant_id + "/" + agent_id);
    co_await local_.agent_changed(tenant_id, agent_id);
  }
  boost::asio::awaitable<void> answers_flushed(const std::string& tenant_id, const std::string& agent_id) override {
    note("answers " + tenant_id + "/" + agent_id);
    co_await local_.answers_flushed(tenant_id, agent_id);
  }
  std::vector<std::string> published() {
    std::lock_guard lock(mu_);
    return published_;
  }

 private:
  void note(std::string event) {
    std::lock_guard lock(mu_);
    published_.push_back(std::move(event));
  }
  services::LocalCacheInvalidation local_;
  std::mutex mu_;
  std::vector<std::string> published_;
};

class ServicesTest : public ::testing::Test {
 protected:
  ServicesTest()
      : store_(open()),
        agent_cache_(*store_),
        invalidation_(agent_cache_, semantic_cache_),
        agents_(*store_, agent_cache_, invalidation_),
        answers_(*store_, semantic_cache_, embedder_, agents_, invalidation_),
        conversations_(*store_, embedder_, agents_) {}

  // A store in memory with tenants t1 and t2.
  static std::unique_ptr<store::Store> open() {
    auto opened = store::open_sqlite(":memory:");
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    for (const auto* id : {"t1", "t2"}) {
      Status created = run_sync((*opened)->create_tenant(make_tenant(id, id), ""));
      if (!created.is_ok()) throw std::runtime_error(created.message());
    }
    return std::move(opened).value();
  }

  // A new agent of the tenant with the configuration document `config` (JSON text).
  store::Agent add_agent(const std::string& tenant_id, const std::string& config = "{}") {
    services::AgentDraft draft;
    draft.name = "Support";
    draft.config = boost::json::parse(config).as_object();
    auto created = run_sync(agents_.create(tenant_id, std::move(draft)));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return *created;
  }

  // The stored semantic cache entries, as "tenant/agent: question".
  std::vector<std::string> stored_answers() {
    std::vector<std::string> out;
    Status scanned = run_sync(store_->scan_cache_entries([&](const store::CacheEntry& e) {
      out.push_back(e.tenant_id + "/" + e.agent_id + ": " + e.question);
      return true;
    }));
    if (!scanned.is_ok()) throw std::runtime_error(scanned.message());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<store::Store> store_;
  models::HashedEmbedder embedder_;
  pipeline::AgentCache agent_cache_;
  pipeline::SemanticCache semantic_cache_;
  RecordingInvalidation invalidation_;
  services::Agents agents_;
  services::Answers answers_;
  services::Conversations conversations_;
};

}  // namespace brainstem::test_support
