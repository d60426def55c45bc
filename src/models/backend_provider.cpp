#include "models/backend_provider.h"

#include "common/json_text.h"
#include "net/client.h"
#include "models/remote_call.h"

#include <boost/json.hpp>


namespace brainstem::models {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object to_wire(const ChatRequest& r, const std::string& model) {
  json::array messages;
  for (const auto& m : r.messages) {
    if (m.role == "system" || m.role == "user" || m.role == "assistant") {
      messages.push_back(json::object{{"role", m.role}, {"content", m.content}});
    }
  }
  json::object body{{"model", model}, {"messages", std::move(messages)}};
  if (r.max_tokens) body["max_tokens"] = *r.max_tokens;
  if (r.temperature) body["temperature"] = *r.temperature;
  if (!r.stop.empty()) body["stop"] = json::array(r.stop.begin(), r.stop.end());
  return body;
}

// {completion, model, total_tokens, prompt_tokens, finish_reason} bodies, and the stream of
// {token} events ending in {done} (or {error}).
class InferenceDecoder final : public ReplyDecoder {
 public:
  void reset() override {
    done_ = false;
    result_ = ChatResponse();
  }

  Status on_event(const SseEvent& event, std::vector<ChatDelta>& out) override {
    if (event.data.empty()) return Status::ok();
    ScratchJson scratch;
    auto parsed = event_object(event.data, "backend", scratch.storage());
    if (!parsed.ok()) return parsed.status();
    const auto& o = *parsed;
    if (o.contains("error")) return Status::unavailable("backend stream failed: " + json_string(o, "message"));
    if (const auto* done = o.if_contains("done"); done && done->is_bool() && done->get_bool()) {
      done_ = true;
      read_totals(o, result_);
      return Status::ok();
    }
    ChatDelta d;
    d.content = json_string(o, "token");
    result_.content += d.content;
    if (!d.content.empty()) out.push_back(std::move(d));
    return Status::ok();
  }

  bool finished() const override { return done_; }
  ChatResponse take() override { return std::move(result_); }

  Result<ChatResponse> parse(const std::string& body) const override {
    boost::system::error_code ec;
    ScratchJson scratch;
    auto v = json::parse(body, ec, scratch.storage());
    if (ec || !v.is_object() || !v.get_object().contains("completion")) return Status::unavailable("backend sent a malformed reply");
    ChatResponse r;
    r.content = json_string(v.get_object(), "completion");
    read_totals(v.get_object(), r);
    return r;
  }

 private:
  static void read_totals(const json::object& o, ChatResponse& r) {
    r.model = json_string(o, "model");
    r.usage.completion_tokens = json_int(o, "total_tokens");
    r.usage.prompt_tokens = json_int(o, "prompt_tokens");
    r.finish_reason = json_string(o, "finish_reason");
    if (r.finish_reason.empty()) r.finish_reason = "stop";
  }

  bool done_ = false;
  ChatResponse result_;
};

}  // namespace

BackendProvider::BackendProvider(ModelSpec spec, net::HttpClient& client) : RemoteProvider(std::move(spec), client) {}

ModelInfo BackendProvider::info() const { return remote_info("backend"); }

asio::awaitable<Result<ChatResponse>> BackendProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  const bool stream = static_cast<bool>(on_delta);
  net::ClientRequest req = json_post(stream ? "/v1/inference/stream" : "/v1/inference", stream);
  if (!api_key_.empty()) req.headers.push_back({"X-API-Key", api_key_});
  req.body = json_text(to_wire(request, upstream_model()));
  InferenceDecoder decoder;
  co_return co_await call_model(client_, req, spec_, on_delta, decoder);
}

asio::awaitable<Result<EmbeddingResult>> BackendProvider::embed(const std::vector<std::string>&) {
  co_return Status::invalid("model '" + spec_.id + "' (backend) does not serve embeddings");
}

}  // namespace brainstem::models
