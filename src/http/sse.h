// Server-Sent Events framing, the one way every route family writes an event: optional
// "event:" line, the JSON data on one "data:" line, a blank line. (JSON text never holds a raw
// line break, so one data line always suffices.) The server adds heartbeats on idle streams.
#pragma once

#include "common/json_text.h"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace brainstem::http {

// Appends "id: <id>\n" and "event: <event>\n" (each when not empty), then
// "data: <data as JSON>\n\n". A client that reconnects sends the last id it saw as
// Last-Event-ID.
inline void append_sse(std::string& out, std::string_view event, const boost::json::value& data,
                       std::string_view id = {}) {
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  out.append("data: ");
  append_json(out, data);
  out.append("\n\n");
}

inline std::string sse_event(std::string_view event, const boost::json::value& data) {
  std::string out;
  append_sse(out, event, data);
  return out;
}

}  // namespace brainstem::http
