#include "app/ingest_command.h"

#include "app/command_support.h"

#include "common/crypto.h"
#include "common/ids.h"
#include "common/file.h"
#include "net/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>

namespace brainstem::app {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string multipart_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& file_name, const std::string& bytes) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name +
          "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
  return body;
}

asio::awaitable<int> ingest(const IngestCommand& cmd, const std::string& api_key, const std::string& bytes,
                            std::ostream& out, std::ostream& err) {
  net::HttpClient client;
  const std::string source_id = cmd.source_id.empty() ? crypto::uuid_v4() : cmd.source_id;
  const std::string boundary = random_id("brainstem-", 16);
  net::ClientRequest upload;
  upload.method = "POST";
  upload.url = cmd.server + "/v1/knowledge/ingest/file";
  upload.timeout = std::chrono::minutes(10);
  upload.headers = {{"X-API-Key", api_key}, {"Content-Type", "multipart/form-data; boundary=" + boundary}};
  upload.body = multipart_body(boundary,
                               {{"source_id", source_id}, {"agent_id", cmd.agent_id},
                                {"embedding_model", cmd.embedding_model}, {"async", "true"}},
                               std::filesystem::path(cmd.file).filename().string(), bytes);
  auto started = co_await client.send(upload);
  if (!started.ok()) {
    err << "brainstem: " << started.status().message() << "\n";
    co_return 1;
  }
  if (started->status != 202 && started->status != 200) {
    err << "brainstem: " << error_of(*started) << "\n";
    co_return 1;
  }

  net::ClientRequest poll;
  poll.url = cmd.server + "/v1/knowledge/sources/" + source_id;
  poll.headers = {{"X-API-Key", api_key}};
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto status = co_await client.send(poll);
    if (!status.ok()) {
      err << "\nbrainstem: " << status.status().message() << "\n";
      co_return 1;
    }
    boost::system::error_code ec;
    auto body = json::parse(status->body, ec);
    if (ec || !body.is_object() || status->status != 200) {
      err << "\nbrainstem: " << error_of(*status) << "\n";
      co_return 1;
    }
    const auto& source = body.as_object();
    const std::string state = text_of(source, "status");
    if (const auto* progress = source.if_contains("progress"); progress && progress->is_object()) {
      const auto& p = progress->as_object();
      int64_t done = p.at("chunks_done").to_number<int64_t>(), total = p.at("chunks_total").to_number<int64_t>();
      err << "\r" << progress_bar(done, total) << " " << done << "/" << total << " chunks  " << text_of(p, "stage") << "   "
          << std::flush;
    }
    if (state == "completed") {
      int64_t chunks = source.at("chunk_count").to_number<int64_t>();
      err << "\r" << progress_bar(1, 1) << " " << chunks << "/" << chunks << " chunks  done        \n";
      out << "source " << source_id << ": " << chunks << " chunks" << (cmd.agent_id.empty() ? "" : ", attached to agent " + cmd.agent_id) << "\n";
      co_return 0;
    }
    if (state == "failed") {
      err << "\nbrainstem: ingestion failed: " << text_of(source, "error") << "\n";
      co_return 1;
    }
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace

int run_ingest(const IngestCommand& command, std::ostream& out, std::ostream& err) {
  std::string api_key = command.api_key;
  if (api_key.empty()) {
    const char* env = std::getenv("BRAINSTEM_API_KEY");
    if (env) api_key = env;
  }
  if (api_key.empty()) {
    err << "brainstem: an API key is needed: --key or BRAINSTEM_API_KEY\n";
    return 1;
  }
  auto read = read_file(command.file);
  if (!read.ok()) {
    err << "brainstem: " << read.status().message() << "\n";
    return 1;
  }
  const std::string bytes = std::move(*read);  // outlives the coroutine, which refers to it
  asio::io_context ioc;
  auto done = asio::co_spawn(ioc, ingest(command, api_key, bytes, out, err), asio::use_future);
  ioc.run();
  return done.get();
}

}  // namespace brainstem::app
