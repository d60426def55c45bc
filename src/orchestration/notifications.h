// Cendriix in-product notifications: what needs a person or happened to the workspace's runs —
// a run waiting at a gate, a run that failed, a run that merged. They are read from the runs
// as they stand (the newest 200), so nothing is written when a run moves; a notification is
// the run in that state, and a run that moves on gives a new one. What the workspace has read
// and which types it wants are kept per tenant (memory store kinds
// "cendriix_notification_reads" and "cendriix_notification_prefs").
//
// Preferences: {inApp, email, types: {approval_required, run_failed, run_completed}}, all
// booleans; a type turned off is not listed. brainstem sends no email: `email` is kept for the
// client to read, and webhooks carry events out.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include "common/status.h"
#include "store/memory_store.h"
#include "store/orchestration_store.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>

namespace brainstem::orchestration {

class Notifications {
 public:
  template <class T>
  using Task = boost::asio::awaitable<T>;
  using Object = boost::json::object;

  Notifications(store::OrchestrationStore& runs, store::MemoryStore& settings) : runs_(runs), settings_(settings) {}

  // {notifications: [{id, type, title, body, runId, read, createdAt}], unread}, newest first.
  Task<Result<Object>> list(const std::string& tenant_id, bool unread_only);
  // kNotFound for an id that is not one of the tenant's current notifications.
  Task<Result<Object>> mark_read(const std::string& tenant_id, const std::string& id);
  // {marked}: how many were unread.
  Task<Result<Object>> mark_all_read(const std::string& tenant_id);
  Task<Result<Object>> preferences(const std::string& tenant_id);
  // Changes the fields given; kValidation naming an unknown or mistyped field.
  Task<Result<Object>> set_preferences(const std::string& tenant_id, const Object& change);

 private:
  store::OrchestrationStore& runs_;
  store::MemoryStore& settings_;
};

}  // namespace brainstem::orchestration
