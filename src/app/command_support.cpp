#include "app/command_support.h"

namespace brainstem::app {

namespace json = boost::json;

namespace {
constexpr int kBarWidth = 30;
}  // namespace

std::string progress_bar(int64_t done, int64_t total) {
  int filled = total > 0 ? static_cast<int>(kBarWidth * std::min(done, total) / total) : 0;
  return "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]";
}

std::string text_of(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string error_of(const net::ClientResponse& r) {
  boost::system::error_code ec;
  auto body = json::parse(r.body, ec);
  if (!ec && body.is_object()) {
    for (const char* key : {"detail", "message", "error"}) {
      const auto* v = body.as_object().if_contains(key);
      if (v && v->is_string()) return std::string(v->as_string());
    }
  }
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
}

}  // namespace brainstem::app
