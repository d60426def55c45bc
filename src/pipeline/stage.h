// One stage of the message pipeline (DESIGN.md §4). Stages run in order over one
// PipelineState; each is timed under its Cortex `step_timings` name. A stage may end the
// pipeline early (the semantic cache on a hit) by returning false.
//
// Errors: a stage throws StatusError; the runner lets it reach the route family, which
// renders it in its envelope. Thread-safety: one Stage object serves every message at once,
// so stages keep per-message data in the PipelineState only.
#pragma once

#include "knowledge/turn_index.h"
#include "models/chat.h"
#include "models/router.h"
#include "pipeline/agent_config.h"
#include "pipeline/message.h"
#include "store/store.h"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace brainstem::pipeline {

// A passage of knowledge retrieved for the message, with where it came from.
struct Passage {
  std::string source;  // "faq", or a knowledge source id
  std::string title;   // the FAQ's question, or the passage's heading path
  std::string text;
  double score = 0;
  std::string citation;  // where a knowledge passage came from; empty for FAQs
};

struct PipelineState {
  const MessageRequest& request;
  const StreamSink* sink = nullptr;  // set when the client streams

  AgentConfigPtr agent;                       // 1. config
  std::vector<store::Turn> history;           // 2. memory: recent turns, oldest first
  std::vector<store::MemoryFact> facts;       // 2. memory: the customer's facts, best first
  std::vector<Passage> knowledge;             // 3. context: best first
  const Scenario* scenario = nullptr;         // 3. the SOP the message matched
  std::string earlier_summary;                // 4. what dropped turns said, in brief
  int64_t recall_budget = 0;                  // 4. prompt tokens kept for earlier sessions' turns
  std::vector<float> question_embedding;      // 5. cache key
  std::vector<knowledge::IndexedTurn> recalled;  // 5b. recall: the customer's earlier turns, best first
  models::RouteHints hints;                   // 6. route
  std::vector<models::Message> transcript;    // 7. the final conversation sent to the model
  MessageResult result;

  bool used_tools() const { return !result.actions_executed.empty(); }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const char* timing_name() const = 0;
  virtual boost::asio::awaitable<bool> run(PipelineState& state) = 0;
};

}  // namespace brainstem::pipeline
