// Cortex knowledge (seed 004): knowledge source records, ingestion of files (uploaded or in
// the upload directory), web pages and an agent's documents, re-embedding, and hybrid search.
// Everything is scoped to the caller's company: another company's source is "not found".
#include "api/handler_util.h"
#include "api/routes.h"
#include "common/crypto.h"
#include "common/file.h"
#include "common/json_text.h"
#include "http/multipart.h"
#include "knowledge/page_fetcher.h"
#include "knowledge/upload_dir.h"
#include "pipeline/agent_config.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>


namespace brainstem::api {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object source_view(const store::KnowledgeSource& s, const std::optional<knowledge::IngestProgress>& progress) {
  json::value running = nullptr;
  if (progress) {
    running = json::object{{"stage", progress->stage}, {"chunks_done", progress->chunks_done},
                           {"chunks_total", progress->chunks_total}};
  }
  boost::system::error_code ec;
  json::value metadata = json::parse(s.metadata, ec);
  if (ec) metadata = json::object();
  return {{"id", s.id},
          {"source_id", s.id},
          {"name", s.name},
          {"kind", s.kind},
          {"location", s.location},
          {"status", progress ? "processing" : s.status},
          {"error", s.error.empty() ? json::value(nullptr) : json::value(s.error)},
          {"chunk_count", s.chunk_count},
          {"content_hash", s.content_hash},
          {"embedding_model", s.embedding_model},
          {"metadata", std::move(metadata)},
          {"progress", std::move(running)},
          {"created_at", iso8601(s.created_at)},
          {"updated_at", iso8601(s.updated_at)}};
}

json::object outcome_view(const knowledge::IngestOutcome& o) {
  return {{"source_id", o.source_id}, {"status", o.status},       {"chunks_created", o.chunks_created},
          {"chunks_embedded", o.chunks_embedded}, {"unchanged", o.unchanged}, {"error", nullptr}};
}

// The caller's source `id`, created (as `kind`, named `name`) when it does not exist yet.
// An id another company holds answers "not found", as for any other of its records.
asio::awaitable<store::KnowledgeSource> source_for_ingestion(Services& svc, const std::string& tenant_id,
                                                             const std::string& id, const std::string& kind,
                                                             const std::string& name, const std::string& location) {
  store::KnowledgeSource draft;
  draft.id = id;
  draft.tenant_id = tenant_id;
  draft.kind = kind;
  draft.name = name;
  draft.location = location;
  co_return unwrap(co_await svc.knowledge.source_for_ingestion(std::move(draft)));
}

// Runs the ingestion now, or (async) in the background, answering 202 at once.
asio::awaitable<http::Response> run_ingestion(Services& svc, knowledge::IngestContent content, bool async) {
  if (async) {
    std::string source_id = content.source_id;
    auto executor = co_await asio::this_coro::executor;
    auto background = [](knowledge::KnowledgeBase& base, knowledge::IngestContent c) -> asio::awaitable<void> {
      co_await base.ingest(std::move(c));  // the outcome is recorded on the source
    };
    svc.background.spawn(executor, background(svc.knowledge, std::move(content)));
    co_return http::Response::json(202, json::object{{"source_id", source_id}, {"status", "processing"},
                                                     {"chunks_created", 0}, {"chunks_embedded", 0}, {"error", nullptr}});
  }
  auto outcome = unwrap(co_await svc.knowledge.ingest(std::move(content)));
  co_return http::Response::json(200, outcome_view(outcome));
}

Status too_large(const std::string& what, size_t limit) {
  return Status(StatusCode::kPayloadTooLarge, what + " exceeds the " + std::to_string(limit >> 20) + " MB limit");
}

struct FileRequest {
  std::string source_id;
  std::string file_name;
  std::string bytes;
  std::optional<knowledge::Format> format_hint;
  std::string embedding_model;
  std::string agent_id;  // attach the source to this agent
  bool async = false;
};

// A multipart upload: a `file` part plus source_id, embedding_model and async fields.
FileRequest read_upload(const http::Request& req) {
  auto parts = http::parse_multipart_form(req.header("Content-Type"), req.body);
  if (!parts.ok()) throw StatusError(parts.status());
  FileRequest out;
  const http::FormPart* file = nullptr;
  for (const auto& part : *parts) {
    if (part.name == "file") file = &part;
    else if (part.name == "source_id") out.source_id = std::string(part.data);
    else if (part.name == "embedding_model") out.embedding_model = std::string(part.data);
    else if (part.name == "agent_id") out.agent_id = std::string(part.data);
    else if (part.name == "async") out.async = part.data == "true" || part.data == "1";
  }
  if (!file) throw StatusError(Status::validation("file", "field required: the uploaded file"));
  if (out.source_id.size() > 100) throw StatusError(Status::validation("source_id", "at most 100 characters"));
  if (out.agent_id.size() > 100) throw StatusError(Status::validation("agent_id", "at most 100 characters"));
  if (out.source_id.empty()) out.source_id = crypto::uuid_v4();
  out.file_name = file->filename.empty() ? "upload" : file->filename;
  out.format_hint = knowledge::format_from_name(out.file_name);
  if (!out.format_hint && !file->content_type.empty()) out.format_hint = knowledge::format_from_name(file->content_type);
  out.bytes = std::string(file->data);
  return out;
}

std::string file_name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void add_source_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/knowledge/sources", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Create a knowledge source record", .event = "knowledge.source_created",
         .request_schema = R"({"type":"object","required":["name"],"properties":{"id":{"type":"string"},"name":{"type":"string","minLength":1,"maxLength":200},"kind":{"enum":["file","url","documents","text"]},"location":{"type":"string"},"metadata":{"type":"object"}}})",
         .success_status = 201,
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           store::KnowledgeSource source;
           source.id = f.string("id", 1, 100).value_or(crypto::uuid_v4());
           source.name = f.required_string("name", 1, 200);
           source.kind = f.one_of("kind", {"file", "url", "documents", "text"}).value_or("file");
           source.location = f.string("location", 0, 2000).value_or("");
           if (const auto* metadata = f.object("metadata")) source.metadata = json_text(*metadata);
           check(f);
           source.tenant_id = ctx.caller().tenant_id;
           source.created_at = source.updated_at = now_ms();
           check(co_await svc.knowledge.create_source(source));
           ctx.audit["sourceId"] = source.id;
           co_return http::Response::json(201, source_view(source, std::nullopt));
         }});

  t.add({.method = "GET", .path = "/v1/knowledge/sources", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "List the company's knowledge sources, newest first",
         .handler = [&svc](http::Request&, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto tenant = ctx.caller().tenant_id;
           auto sources = unwrap(co_await svc.knowledge.sources(tenant));
           json::array list;
           for (const auto& s : sources) list.push_back(source_view(s, svc.knowledge.progress(s.id)));
           co_return http::Response::json(200, json::object{{"sources", std::move(list)}, {"total", sources.size()}});
         }});

  t.add({.method = "GET", .path = "/v1/knowledge/sources/{source_id}", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "A knowledge source, with the progress of a running ingestion",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("source_id"));
           auto tenant = ctx.caller().tenant_id;
           auto source = unwrap(co_await svc.knowledge.source(tenant, id));
           co_return http::Response::json(200, source_view(source, svc.knowledge.progress(id)));
         }});

  t.add({.method = "DELETE", .path = "/v1/knowledge/sources/{source_id}", .family = Family::kCortex,
         .auth = Auth::kAny, .summary = "Delete a knowledge source and its chunks", .event = "knowledge.source_deleted",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           std::string id(req.param("source_id"));
           auto tenant = ctx.caller().tenant_id;
           check(co_await svc.knowledge.delete_source(tenant, id));
           ctx.audit["sourceId"] = id;
           co_return http::Response::json(200, json::object{{"source_id", id}, {"deleted", true}});
         }});
}

void add_file_and_url_ingest_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/knowledge/ingest/file", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Ingest a file: a multipart upload, or a path in the upload directory (PDF, DOCX, PPTX, XLSX, "
                    "HTML, Markdown, text, CSV)",
         .event = "knowledge.ingested",
         .request_schema = R"({"type":"object","required":["source_id","file_path"],"properties":{"source_id":{"type":"string"},"file_path":{"type":"string"},"user_id":{"type":"string"},"embedding_model":{"type":"string"},"agent_id":{"type":"string"},"async":{"type":"boolean"}}})",
         .response_schema = R"({"type":"object","properties":{"source_id":{"type":"string"},"status":{"type":"string"},"chunks_created":{"type":"integer"},"chunks_embedded":{"type":"integer"},"error":{}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           const auto& options = svc.options.knowledge;
           FileRequest file;
           if (http::is_multipart_form(req.header("Content-Type"))) {
             file = read_upload(req);
           } else {
             auto body = json_body(req);
             FieldReader f(body);
             file.source_id = f.required_string("source_id", 1, 100);
             std::string path = f.required_string("file_path", 1, 4096);
             f.string("user_id", 0, 100);
             file.embedding_model = f.string("embedding_model", 0, 200).value_or("");
             file.agent_id = f.string("agent_id", 0, 100).value_or("");
             file.async = f.boolean("async").value_or(false);
             check(f);
             auto resolved = knowledge::confined_path(options.upload_dir, path);
             if (!resolved.ok()) throw StatusError(resolved.status());
             std::error_code ec;
             if (std::filesystem::file_size(*resolved, ec) > options.max_file_bytes) {
               throw StatusError(too_large("the file", options.max_file_bytes));
             }
             file.bytes = unwrap(co_await svc.blocking.run([&] { return read_file(*resolved); }));
             file.file_name = file_name_of(path);
             file.format_hint = knowledge::format_from_name(file.file_name);
           }
           if (file.bytes.size() > options.max_file_bytes) throw StatusError(too_large("the file", options.max_file_bytes));
           auto tenant = ctx.caller().tenant_id;
           co_await source_for_ingestion(svc, tenant, file.source_id, "file", file.file_name, file.file_name);
           if (!file.agent_id.empty()) check(co_await svc.agents.attach_source(tenant, file.agent_id, file.source_id));
           ctx.audit["sourceId"] = file.source_id;
           knowledge::IngestContent content{tenant, file.source_id, std::move(file.bytes), file.format_hint,
                                            file.embedding_model};
           co_return co_await run_ingestion(svc, std::move(content), file.async);
         }});

  t.add({.method = "POST", .path = "/v1/knowledge/ingest/url", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Fetch one web page, extract its readable text and ingest it", .event = "knowledge.ingested",
         .request_schema = R"({"type":"object","required":["source_id","url"],"properties":{"source_id":{"type":"string"},"url":{"type":"string"},"user_id":{"type":"string"},"embedding_model":{"type":"string"},"agent_id":{"type":"string"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto source_id = f.required_string("source_id", 1, 100);
           auto url = f.required_string("url", 1, 4096);
           f.string("user_id", 0, 100);
           auto embedding_model = f.string("embedding_model", 0, 200).value_or("");
           auto agent_id = f.string("agent_id", 0, 100).value_or("");
           check(f);
           if (Status s = net::AddressPolicy::check_url_scheme(url); !s.is_ok()) {
             throw StatusError(Status::validation("url", s.message()));
           }
           auto tenant = ctx.caller().tenant_id;
           co_await source_for_ingestion(svc, tenant, source_id, "url", url, url);
           if (!agent_id.empty()) check(co_await svc.agents.attach_source(tenant, agent_id, source_id));
           ctx.audit["sourceId"] = source_id;
           auto page = co_await knowledge::fetch_page(svc.outbound, svc.address_policy, url, svc.options.knowledge.fetch);
           if (!page.ok()) {
             Status failed = page.status().code() == StatusCode::kPermissionDenied
                                 ? Status::forbidden("url resolves to an address this server may not reach")
                                 : page.status();
             check(co_await svc.knowledge.mark_failed(tenant, source_id, failed.message()));
             throw StatusError(failed);
           }
           auto hint = knowledge::format_from_name(page->content_type);
           if (!hint) hint = knowledge::format_from_name(file_name_of(page->url));
           knowledge::IngestContent content{tenant, source_id, std::move(page->body), hint, embedding_model};
           co_return co_await run_ingestion(svc, std::move(content), false);
         }});
}

void add_document_ingest_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/knowledge/ingest/documents", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Ingest an agent's structured documents (the documents given and its scenarios) into its "
                    "knowledge",
         .event = "knowledge.ingested",
         .request_schema = R"({"type":"object","required":["agent_id"],"properties":{"agent_id":{"type":"string"},"company_id":{"type":"string"},"user_id":{"type":"string"},"embedding_model":{"type":"string"},"documents":{"type":"array","maxItems":1000,"items":{"type":"object","required":["content"],"properties":{"title":{"type":"string"},"content":{"type":"string"}}}}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto agent_id = f.required_string("agent_id", 1, 100);
           auto company = f.string("company_id", 0, 100);
           f.string("user_id", 0, 100);
           auto embedding_model = f.string("embedding_model", 0, 200).value_or("");
           knowledge::Document document;
           int64_t documents = 0;
           if (const auto* list = body.if_contains("documents")) {
             if (!list->is_array() || list->as_array().size() > 1000) f.fail("documents", "an array of at most 1000 {title, content}");
             else {
               for (const auto& item : list->as_array()) {
                 const auto* o = item.if_object();
                 const auto* content = o ? o->if_contains("content") : nullptr;
                 const auto* title = o ? o->if_contains("title") : nullptr;
                 if (!content || !content->is_string() || (title && !title->is_string())) {
                   f.fail("documents", "each document needs a string content (and an optional string title)");
                   break;
                 }
                 if (title) document.blocks.push_back({knowledge::Block::Kind::kHeading, 1, std::string(title->as_string()), 0});
                 document.blocks.push_back({knowledge::Block::Kind::kParagraph, 0, std::string(content->as_string()), 0});
                 ++documents;
               }
             }
           }
           check(f);
           auto tenant = ctx.caller().tenant_id;
           if (company && !company->empty() && *company != tenant) {
             throw StatusError(Status::forbidden("company_id does not match your credentials"));
           }
           auto agent = unwrap(co_await svc.agents.config(tenant, agent_id));
           for (const auto& scenario : agent->scenarios) {
             document.blocks.push_back({knowledge::Block::Kind::kHeading, 1, scenario.name, 0});
             document.blocks.push_back({knowledge::Block::Kind::kParagraph, 0, scenario.instructions, 0});
             ++documents;
           }
           if (documents == 0) throw StatusError(Status::validation("documents", "the agent has no documents to ingest"));
           std::string source_id = pipeline::documents_source_id(agent_id);
           const std::string source_name = agent->name + " documents";
           co_await source_for_ingestion(svc, tenant, source_id, "documents", source_name, agent_id);
           std::string hash = crypto::sha256_hex(json_text(body) + json_text(agent->public_view()));
           ctx.audit["sourceId"] = source_id;
           auto outcome = unwrap(co_await svc.knowledge.ingest_document(tenant, source_id, std::move(document),
                                                                        std::move(hash), embedding_model));
           co_return http::Response::json(200, json::object{{"agent_id", agent_id}, {"source_id", source_id},
                                                            {"status", outcome.status},
                                                            {"documents_processed", documents},
                                                            {"chunks_created", outcome.chunks_created},
                                                            {"chunks_embedded", outcome.chunks_embedded},
                                                            {"unchanged", outcome.unchanged}});
         }});
}

void add_search_routes(RouteTable& t, Services& svc) {
  t.add({.method = "POST", .path = "/v1/knowledge/reembed", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Re-embed a source's chunks with another embedding model", .event = "knowledge.reembedded",
         .request_schema = R"({"type":"object","required":["source_id"],"properties":{"source_id":{"type":"string"},"embedding_model":{"type":"string"}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           auto source_id = f.required_string("source_id", 1, 100);
           auto embedding_model = f.string("embedding_model", 0, 200).value_or("");
           check(f);
           auto tenant = ctx.caller().tenant_id;
           ctx.audit["sourceId"] = source_id;
           auto outcome = unwrap(co_await svc.knowledge.reembed(tenant, source_id, embedding_model));
           co_return http::Response::json(200, json::object{{"source_id", source_id}, {"status", outcome.status},
                                                            {"chunks_embedded", outcome.chunks_embedded},
                                                            {"error", nullptr}});
         }});

  t.add({.method = "POST", .path = "/v1/knowledge/search", .family = Family::kCortex, .auth = Auth::kAny,
         .summary = "Hybrid (BM25 + vector) search over an agent's or the given knowledge sources",
         .request_schema = R"({"type":"object","required":["query"],"properties":{"query":{"type":"string","minLength":1,"maxLength":4000},"agent_id":{"type":"string"},"source_ids":{"type":"array","items":{"type":"string"}},"limit":{"type":"integer","minimum":1,"maximum":50}}})",
         .handler = [&svc](http::Request& req, RequestContext& ctx) -> asio::awaitable<http::Response> {
           auto body = json_body(req);
           FieldReader f(body);
           knowledge::SearchRequest search;
           search.query = f.required_string("query", 1, 4000);
           auto agent_id = f.string("agent_id", 1, 100);
           search.source_ids = f.string_array("source_ids", 1000).value_or(std::vector<std::string>{});
           search.limit = static_cast<size_t>(f.integer("limit", 1, 50).value_or(5));
           check(f);
           search.tenant_id = ctx.caller().tenant_id;
           if (agent_id) {
             auto agent = unwrap(co_await svc.agents.config(search.tenant_id, *agent_id));
             search.source_ids = agent->knowledge_source_ids;
             search.source_ids.push_back(pipeline::documents_source_id(agent->id));
           }
           if (search.source_ids.empty() && body.contains("source_ids")) {
             co_return http::Response::json(200, json::object{{"query", search.query}, {"results", json::array()}});
           }
           auto hits = unwrap(co_await svc.knowledge.search(search));
           json::array results;
           for (const auto& hit : hits) {
             results.push_back(json::object{
                 {"chunk_id", hit.chunk.id},
                 {"source_id", hit.chunk.source_id},
                 {"text", hit.chunk.text},
                 {"score", hit.score},
                 {"keyword_score", hit.keyword_score},
                 {"similarity", hit.similarity},
                 {"citation", json::object{{"source_id", hit.chunk.source_id},
                                           {"source_name", hit.chunk.source_name},
                                           {"heading_path", hit.chunk.heading_path},
                                           {"page", hit.chunk.page == 0 ? json::value(nullptr) : json::value(hit.chunk.page)},
                                           {"chunk_index", hit.chunk.ordinal},
                                           {"text", knowledge::citation_of(hit.chunk)}}}});
           }
           co_return http::Response::json(200, json::object{{"query", search.query}, {"results", std::move(results)}});
         }});
}

}  // namespace

void add_knowledge_routes(RouteTable& t, Services& svc) {
  add_source_routes(t, svc);
  add_file_and_url_ingest_routes(t, svc);
  add_document_ingest_routes(t, svc);
  add_search_routes(t, svc);
}

}  // namespace brainstem::api
