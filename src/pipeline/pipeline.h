// The message pipeline (DESIGN.md §4): config → memory → context → optimize → cache → route →
// compile + tools → actions, each a Stage (stage.h) timed under its Cortex name. A message in
// any family is answered by the same pipeline; streaming is the same run with a sink.
//
// admit() runs the config stage and every check that refuses a message (unknown, foreign,
// draft or paused agent; key locked to another agent; identity required; budget spent), so a
// refusal is an ordinary error response before anything streams. run() does the rest.
// Thread-safety: one Pipeline serves all messages concurrently.
#pragma once

#include "common/offload.h"
#include "common/task_group.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/turn_index.h"
#include "mcp/connectors.h"
#include "models/hashed_embedder.h"
#include "models/registry.h"
#include "models/router.h"
#include "models/token_counter.h"
#include "ops/metrics.h"
#include "ops/usage_meter.h"
#include "ops/webhooks.h"
#include "pipeline/action.h"
#include "pipeline/agent_cache.h"
#include "pipeline/conversation_writer.h"
#include "pipeline/semantic_cache.h"
#include "pipeline/stage.h"
#include "store/store.h"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <vector>

namespace brainstem::pipeline {

struct PipelineDeps {
  store::Store& store;
  models::ModelRegistry& models;
  models::ModelRouter& router;
  models::TokenCounter& tokens;
  const models::HashedEmbedder& embedder;
  AgentCache& agents;
  SemanticCache& cache;
  ConversationWriter& conversations;
  ActionRunner& actions;
  ops::UsageMeter& usage;
  ops::WebhookDispatcher& webhooks;
  knowledge::KnowledgeBase& knowledge;
  const knowledge::TurnIndex& turns;  // earlier turns recalled across sessions
  mcp::Connectors* connectors = nullptr;  // MCP tools of agents that allow connectors; null: none
  TaskGroup& background;  // what the actions stage leaves running after the answer
  double cache_threshold = 0.9;  // when the agent sets none
  bool model_fact_extraction = false;  // ask the answering model for customer facts (else rules)
};

class Pipeline {
 public:
  explicit Pipeline(PipelineDeps deps);
  ~Pipeline();

  // Stage 1 and the refusals; throws StatusError. The state refers to `request`, which must
  // outlive it.
  boost::asio::awaitable<std::unique_ptr<PipelineState>> admit(const MessageRequest& request);
  // Stages 2–8; throws StatusError. With a sink, text and tool events stream as they happen.
  boost::asio::awaitable<MessageResult> run(PipelineState& state, const StreamSink* sink = nullptr);

 private:
  PipelineDeps deps_;
  std::unique_ptr<Stage> config_;
  std::vector<std::unique_ptr<Stage>> stages_;  // 2–8
};

}  // namespace brainstem::pipeline
