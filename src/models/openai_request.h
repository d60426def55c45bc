// The body of an OpenAI-compatible `POST /chat/completions`, written straight out as JSON text:
// every chat through such an upstream sends one, so it is not built as a JSON tree first.
#pragma once

#include "models/chat.h"

#include <string>

namespace brainstem::models {

// `request` addressed to the upstream's `model`; a streamed one asks for usage in its last
// chunk (stream_options.include_usage). A tool's parameters that are not JSON go as {}.
std::string openai_request_body(const ChatRequest& request, const std::string& model, bool stream);

}  // namespace brainstem::models
