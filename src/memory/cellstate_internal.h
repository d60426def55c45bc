// Helpers the cellstate_*.cpp files share. Private to memory/.
#pragma once

#include "common/json_body.h"
#include "common/offload.h"
#include "common/status.h"
#include "memory/cellstate.h"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace brainstem::memory::detail {

namespace json = boost::json;

// Entity kinds as stored.
inline const std::string kTrajectory = "trajectory";
inline const std::string kScope = "scope";
inline const std::string kArtifact = "artifact";
inline const std::string kNote = "note";
inline const std::string kAgent = "agent";
inline const std::string kLock = "lock";
inline const std::string kMessage = "message";
inline const std::string kDelegation = "delegation";
inline const std::string kHandoff = "handoff";
inline const std::string kEvent = "event";
inline const std::string kTurn = "turn";
inline const std::string kEdge = "edge";
inline const std::string kPolicy = "summarization_policy";
inline const std::string kSummarizationRequest = "summarization_request";
inline const std::string kConfig = "config";
inline const std::string kTenantProfile = "tenant_profile";
inline const std::string kDeployment = "deployment";
inline const std::string kBenchmark = "evolution_snapshot";
// The container of an event about an entity that already has events.
inline const std::string kNoContainer;

// Event kind codes (u16): the high byte names the entity type, the low byte what happened.
enum EventCode : int {
  kTrajectoryCreated = 0x1001, kTrajectoryUpdated = 0x1002, kTrajectoryDeleted = 0x1003,
  kScopeCreated = 0x1101, kScopeUpdated = 0x1102, kScopeCheckpointed = 0x1103, kScopeClosed = 0x1104,
  kTurnCreated = 0x1201,
  kArtifactCreated = 0x1301, kArtifactUpdated = 0x1302, kArtifactDeleted = 0x1303,
  kNoteCreated = 0x1401, kNoteUpdated = 0x1402, kNoteDeleted = 0x1403,
  kAgentRegistered = 0x1501, kAgentUpdated = 0x1502, kAgentUnregistered = 0x1503,
  kLockAcquired = 0x1601, kLockExtended = 0x1602, kLockReleased = 0x1603,
  kMessageSent = 0x1701, kMessageAcknowledged = 0x1702,
  kDelegationCreated = 0x1801, kDelegationAccepted = 0x1802, kDelegationCompleted = 0x1803,
  kDelegationRejected = 0x1804,
  kHandoffCreated = 0x1901, kHandoffAccepted = 0x1902, kHandoffCompleted = 0x1903,
  kEdgeCreated = 0x1A01, kEdgeDeleted = 0x1A03,
  kPolicyCreated = 0x1B01, kPolicyDeleted = 0x1B03,
  kSummarizationRequested = 0x1C01, kSummarizationUpdated = 0x1C02,
  kConfigUpdated = 0x1D02,
  kDeploymentCreated = 0x1E01, kDeploymentActivated = 0x1E02, kDeploymentRolledOut = 0x1E03,
  kDeploymentRolledBack = 0x1E04,
  kBenchmarkSubmitted = 0x1F01,
};
std::string event_name(int code);  // "TRAJECTORY_CREATED"

// Throws StatusError(status) unless it is OK.
inline void require(const Status& status) {
  if (!status.is_ok()) throw StatusError(status);
}
inline void require(const FieldReader& fields) { require(fields.status()); }
[[noreturn]] void fail(Status status);

json::object body_of(const store::MemoryEntity& entity);
bool is_uuid(std::string_view text);
// A uuid field: nullopt when absent or null; a validation error (recorded in `f`) when not a uuid.
std::optional<std::string> uuid_field(FieldReader& f, std::string_view name);
std::string required_uuid(FieldReader& f, std::string_view name);
// A field that may be any JSON object, or null when absent.
json::value object_or_null(FieldReader& f, std::string_view name);
// An ISO 8601 date-time field, in unix ms.
std::optional<int64_t> time_field(FieldReader& f, std::string_view name);
json::value time_or_null(const json::object& body, std::string_view ms_field);

// limit (default 100, at most 1000) and offset query parameters; kValidation otherwise.
struct Page {
  int64_t limit = 100;
  int64_t offset = 0;
};
Page page_of(const QueryLookup& query);
// An integer query parameter in [min, max], `fallback` when absent; kValidation otherwise.
int64_t integer_param(const QueryLookup& query, std::string_view name, int64_t fallback, int64_t min, int64_t max);
std::optional<int64_t> time_param(const QueryLookup& query, std::string_view name);
std::optional<bool> bool_param(const QueryLookup& query, std::string_view name);
// The seed's entity types (EntityType).
bool is_entity_type(std::string_view name);

// The entity's public view: its body without the fields the store keeps for itself (those
// whose names start with '_'), with `_links` when `links` is not empty.
json::object public_view(const store::MemoryEntity& entity, json::object links = {});
// A turn as the API shows it.
json::object turn_view(const store::Turn& turn);

}  // namespace brainstem::memory::detail
