#include "api/agent_message.h"

#include "api/errors.h"
#include "http/sse.h"
#include "common/json_text.h"
#include "common/offload.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string frame_of(const pipeline::StreamEvent& event) {
  if (const auto* token = std::get_if<pipeline::TokenEvent>(&event)) return http::sse_event("token", json::object{{"text", token->text}});
  const auto& tool = std::get<pipeline::ToolEvent>(event);
  return http::sse_event("tool", json::object{{"name", tool.name}, {"ok", tool.ok}, {"status", tool.status}, {"latency_ms", tool.latency_ms}});
}

// What a streamed message owns: the request, and the pipeline state that refers to it.
struct StreamedMessage {
  pipeline::MessageRequest request;
  std::unique_ptr<pipeline::PipelineState> state;
};

}  // namespace

void fill_caller(pipeline::MessageRequest& request, const RequestContext& ctx) {
  const auth::Principal& caller = ctx.caller();
  request.request_id = ctx.request_id;
  request.tenant_id = caller.tenant_id;
  request.budget = ctx.budget;
  if (caller.is_key()) {
    request.key_id = caller.key_id;
    request.scopes = caller.scopes;
    request.locked_agent = caller.agent_id;
    request.identity_mode = caller.identity_mode.empty() ? "identified" : caller.identity_mode;
  }
}

mcp::ToolCaller tool_caller_of(const RequestContext& ctx) {
  const auth::Principal& caller = ctx.caller();
  mcp::ToolCaller out;
  out.tenant_id = caller.tenant_id;
  out.actor = caller.actor();
  if (caller.is_key()) {
    out.key_id = caller.key_id;
    out.agent_id = caller.agent_id;
    out.scopes = caller.scopes;
  }
  return out;
}

asio::awaitable<http::Response> answer_message(Services& services, pipeline::MessageRequest request, const RenderResult& render) {
  auto state = co_await services.pipeline.admit(request);
  pipeline::MessageResult result = co_await services.pipeline.run(*state);
  co_return render(result);
}

asio::awaitable<http::Response> stream_message(Services& services, pipeline::MessageRequest request, RenderDone render_done) {
  auto message = std::make_shared<StreamedMessage>();
  message->request = std::move(request);
  message->state = co_await services.pipeline.admit(message->request);
  auto producer = [&services, message, render_done = std::move(render_done)](http::StreamWriter& out) -> asio::awaitable<void> {
    bool open = true;
    pipeline::StreamSink sink = [&out, &open](const pipeline::StreamEvent& event) -> asio::awaitable<bool> {
      if (!open) co_return false;
      std::string frame = frame_of(event);
      open = co_await out.write(frame);
      co_return open;
    };
    std::string last;
    try {
      pipeline::MessageResult result = co_await services.pipeline.run(*message->state, &sink);
      last = http::sse_event("done", render_done(result));
    } catch (const StatusError& e) {
      if (e.status.code() == StatusCode::kInternal) spdlog::error("{} stream: {}", message->request.request_id, e.what());
      last = http::sse_event("error", json::object{{"code", snake_name(e.status.code())}, {"message", e.status.message()},
                                       {"requestId", message->request.request_id}});
    }
    if (open) co_await out.write_last(last);
  };
  co_return http::Response::event_stream(std::move(producer));
}

}  // namespace brainstem::api
