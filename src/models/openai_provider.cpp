#include "models/openai_provider.h"

#include "common/json_text.h"
#include "net/client.h"
#include "models/openai_chunk.h"
#include "models/openai_request.h"
#include "models/remote_call.h"

#include <boost/json.hpp>

namespace brainstem::models {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

void read_usage(const json::object& o, Usage& usage) {
  if (const auto* u = o.if_contains("usage"); u && u->is_object()) {
    usage.prompt_tokens = json_int(u->get_object(), "prompt_tokens");
    usage.completion_tokens = json_int(u->get_object(), "completion_tokens");
    if (const auto* d = u->get_object().if_contains("prompt_tokens_details"); d && d->is_object())
      usage.cached_tokens = json_int(d->get_object(), "cached_tokens");
  }
}

// chat.completion bodies and chat.completion.chunk streams ending in "data: [DONE]".
class CompletionDecoder final : public ReplyDecoder {
 public:
  void reset() override {
    done_ = false;
    result_ = ChatResponse();
    chunks_ = ChunkReader();
  }

  Status on_event(const SseEvent& event, std::vector<ChatDelta>& out) override {
    if (event.data.empty()) return Status::ok();
    if (event.data == "[DONE]") {
      done_ = true;
      return Status::ok();
    }
    const ChunkFields* read = chunks_.read(event.data);
    if (!read) return Status::unavailable("upstream sent a malformed stream event");
    const ChunkFields& chunk = *read;
    if (chunk.has_error) return Status::unavailable("upstream stream failed: " + upstream_error_message(event.data));
    if (result_.model.empty()) result_.model = chunk.model;
    if (chunk.has_usage) {
      result_.usage.prompt_tokens = chunk.prompt_tokens;
      result_.usage.completion_tokens = chunk.completion_tokens;
      result_.usage.cached_tokens = chunk.cached_tokens;
    }
    if (!chunk.has_choice) return Status::ok();
    if (!chunk.finish_reason.empty()) result_.finish_reason = chunk.finish_reason;
    if (!chunk.has_delta) return Status::ok();
    ChatDelta d;
    d.content = chunk.content;
    for (const auto& td : chunk.tool_calls) {
      if (static_cast<size_t>(td.index) >= result_.tool_calls.size()) result_.tool_calls.resize(td.index + 1);
      auto& call = result_.tool_calls[td.index];
      if (!td.id.empty()) call.id = td.id;
      if (!td.name.empty()) call.name = td.name;
      call.arguments += td.arguments;
    }
    d.tool_calls = chunk.tool_calls;
    result_.content += d.content;
    if (!d.content.empty() || !d.tool_calls.empty()) out.push_back(std::move(d));
    return Status::ok();
  }

  bool finished() const override { return done_ || !result_.finish_reason.empty(); }
  ChatResponse take() override { return std::move(result_); }

  Result<ChatResponse> parse(const std::string& body) const override {
    boost::system::error_code ec;
    ScratchJson scratch;
    auto v = json::parse(body, ec, scratch.storage());
    if (ec || !v.is_object()) return Status::unavailable("upstream sent malformed JSON");
    const auto& o = v.as_object();
    ChatResponse r;
    r.model = json_string(o, "model");
    read_usage(o, r.usage);
    const auto* choices = o.if_contains("choices");
    if (!choices || !choices->is_array() || choices->get_array().empty() || !choices->get_array()[0].is_object()) {
      return Status::unavailable("upstream reply has no choices");
    }
    const auto& choice = choices->get_array()[0].get_object();
    r.finish_reason = json_string(choice, "finish_reason");
    if (const auto* m = choice.if_contains("message"); m && m->is_object()) {
      r.content = json_string(m->get_object(), "content");
      if (const auto* calls = m->get_object().if_contains("tool_calls"); calls && calls->is_array()) {
        for (const auto& c : calls->get_array()) {
          if (!c.is_object()) continue;
          ToolCall call;
          call.id = json_string(c.get_object(), "id");
          if (const auto* f = c.get_object().if_contains("function"); f && f->is_object()) {
            call.name = json_string(f->get_object(), "name");
            call.arguments = json_string(f->get_object(), "arguments");
          }
          r.tool_calls.push_back(std::move(call));
        }
      }
    }
    return r;
  }

 private:
  bool done_ = false;
  ChatResponse result_;
  ChunkReader chunks_;
};

}  // namespace

OpenAiProvider::OpenAiProvider(ModelSpec spec, net::HttpClient& client) : RemoteProvider(std::move(spec), client) {}

ModelInfo OpenAiProvider::info() const {
  ModelInfo i = remote_info("openai");
  i.supports_tools = true;
  i.supports_embeddings = true;
  return i;
}

asio::awaitable<Result<ChatResponse>> OpenAiProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  const bool stream = static_cast<bool>(on_delta);
  net::ClientRequest req = json_post("/chat/completions", stream);
  if (!api_key_.empty()) req.headers.push_back({"Authorization", "Bearer " + api_key_});
  req.body = openai_request_body(request, upstream_model(), stream);
  CompletionDecoder decoder;
  co_return co_await call_model(client_, req, spec_, on_delta, decoder);
}

asio::awaitable<Result<EmbeddingResult>> OpenAiProvider::embed(const std::vector<std::string>& inputs) {
  net::ClientRequest req = json_post("/embeddings", false);
  if (!api_key_.empty()) req.headers.push_back({"Authorization", "Bearer " + api_key_});
  req.body = json_text(json::object{{"model", upstream_model()},
                                          {"input", json::array(inputs.begin(), inputs.end())}});
  auto reply = co_await client_.send(req);
  if (!reply) co_return reply.status();
  if (reply->status < 200 || reply->status >= 300) {
    co_return status_of_reply(reply->status, reply->body, reply->header("Retry-After"));
  }
  boost::system::error_code ec;
  auto v = json::parse(reply->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("data")) co_return Status::unavailable("upstream embeddings reply is malformed");
  EmbeddingResult out;
  out.vectors.resize(inputs.size());
  for (const auto& item : v.as_object().at("data").as_array()) {
    const auto& o = item.as_object();
    size_t index = static_cast<size_t>(json_int(o, "index"));
    if (index >= out.vectors.size()) continue;
    for (const auto& x : o.at("embedding").as_array()) out.vectors[index].push_back(static_cast<float>(x.to_number<double>()));
  }
  Usage usage;
  read_usage(v.as_object(), usage);
  out.prompt_tokens = usage.prompt_tokens;
  co_return out;
}

}  // namespace brainstem::models
