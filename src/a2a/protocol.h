// A2A protocol shapes (1.0, with 0.3's as a rendering): task states, messages read from a
// client, and the conversion of 1.0 objects to their 0.3 form for clients that speak 0.3.
//
// 1.0 objects are ProtoJSON: `{"text": ...}` parts, "ROLE_USER", "TASK_STATE_COMPLETED",
// stream results as {task | message | statusUpdate | artifactUpdate}. 0.3 objects carry
// `kind` discriminators: parts {"kind": "text", ...}, roles "user", states "completed",
// results {"kind": "task" | "message" | "status-update" | "artifact-update"}.
// Pure functions; thread-safe.
#pragma once

#include "common/status.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace brainstem::a2a {

// JSON-RPC error codes of the A2A specification.
namespace rpc_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kTaskNotFound = -32001;
inline constexpr int kTaskNotCancelable = -32002;
inline constexpr int kPushNotificationNotSupported = -32003;
inline constexpr int kUnsupportedOperation = -32004;
inline constexpr int kContentTypeNotSupported = -32005;
inline constexpr int kVersionNotSupported = -32009;
}  // namespace rpc_code

enum class TaskState { kSubmitted, kWorking, kCompleted, kFailed, kCanceled, kInputRequired, kRejected, kAuthRequired };

std::string_view state_name(TaskState state);   // "TASK_STATE_COMPLETED"
std::string_view state_short(TaskState state);   // "completed", "input-required" (0.3's names)
// Either form; nullopt for anything else.
std::optional<TaskState> parse_state(std::string_view name);
// Completed, failed, canceled and rejected tasks take no more messages.
bool is_final(TaskState state);

// A client's message (1.0 or 0.3 form) in 1.0 form with role ROLE_USER; kValidation when it
// has no messageId, no parts, a part with no content, or a role other than the user's.
Result<boost::json::object> read_message(const boost::json::value& message);
// The message's text parts joined by blank lines, data parts as their JSON text.
std::string message_text(const boost::json::object& message);
boost::json::object agent_message(const std::string& text, const std::string& context_id, const std::string& task_id);

// 0.3 form of a 1.0 Task, Message or StreamResponse.
boost::json::object task_v03(const boost::json::object& task);
boost::json::object message_v03(const boost::json::object& message);
boost::json::object stream_event_v03(const boost::json::object& event);

}  // namespace brainstem::a2a
