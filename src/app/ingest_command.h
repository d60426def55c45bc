// `brainstem ingest FILE --agent ID`: uploads a file to a running server's knowledge base as a
// background ingestion, attaches the source to the agent, and draws the ingestion's progress
// (chunks embedded of total) as a bar until it completes or fails.
#pragma once

#include <ostream>
#include <string>

namespace brainstem::app {

struct IngestCommand {
  std::string file;
  std::string agent_id;
  std::string server = "http://127.0.0.1:8080";
  std::string api_key;    // else BRAINSTEM_API_KEY
  std::string source_id;  // default: a new one
  std::string embedding_model;
};

// Returns the process exit code: 0 when the ingestion completed.
int run_ingest(const IngestCommand& command, std::ostream& out, std::ostream& err);

}  // namespace brainstem::app
