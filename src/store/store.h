// The store: every durable record of brainstem goes through these interfaces.
//
// Thread-safety: every store interface is safe to call from any number of threads at once.
// Asynchronous: every method is a coroutine (store/async.h) that resumes on the caller's
// executor; an engine that must block does so on threads of its own, never the caller's.
// Code outside a coroutine (the CLI, start-up) runs a call with common/run_sync.h.
// Errors: kNotFound when a record is absent (or belongs to another tenant: callers cannot tell
// the two apart), kConflict on a uniqueness violation, kUnavailable when the engine cannot
// serve now (locked, disk full, too many queued operations), kInternal otherwise.
// Durability: a method that returned OK has committed; a process crash afterwards loses nothing.
// Engines: SQLite (store/sqlite) is the embedded default; no engine type appears here.
//
// The interfaces are split by area, each in its own header with its records; a service takes
// the one it needs. `Store` is all of them: what an engine implements and what start-up wires.
#pragma once

#include "store/account_store.h"
#include "store/audit_store.h"
#include "store/conversation_store.h"
#include "store/knowledge_store.h"
#include "store/memory_store.h"
#include "store/orchestration_store.h"
#include "store/outbox_store.h"
#include "store/settings_store.h"
#include "store/store_engine.h"
#include "store/usage_store.h"

namespace brainstem::store {

class Store : public AccountStore,
              public AuditStore,
              public ConversationStore,
              public MemoryStore,
              public KnowledgeStore,
              public OutboxStore,
              public OrchestrationStore,
              public UsageStore,
              public SettingsStore,
              public StoreEngine {
 public:
  ~Store() override = default;
};

}  // namespace brainstem::store
