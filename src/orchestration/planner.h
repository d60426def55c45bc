// A run's plan, enriched for people to decide on before it starts (Cendriix decompose and
// estimate): per step the model it would be routed to, its estimated cost (prompt tokens
// counted with the model's tokenizer, completion at the step's maxTokens), how reversible its
// effect is, and how confident the plan is in it.
//
// Thread-safety: enrich() may be called concurrently.
#pragma once

#include "models/router.h"
#include "models/token_counter.h"
#include "orchestration/graph.h"

#include <boost/json.hpp>

namespace brainstem::orchestration {

// reversible: nothing outside the run changes; compensable: an outside call that only reads;
// irreversible: an outside call that may change something.
const char* reversibility_tier(const Node& node);

// What running a node may touch: it and every node after it, the tools they call, the
// outside endpoints (scheme://host[:port]) they reach, and the least reversible tier among them.
boost::json::object blast_radius(const Graph& graph, const std::string& node_id);

class Planner {
 public:
  Planner(const models::ModelRouter& router, models::TokenCounter& tokens) : router_(router), tokens_(tokens) {}

  // {"steps": [{id, name, type, dependsOn, model?, estimatedTokens, estimatedCostUsd,
  //   reversibilityTier, confidenceScore}], "estimatedCostUsd", "source", "generatedAt"}.
  // References to the input are resolved before counting.
  boost::json::object enrich(const Graph& graph, const boost::json::value& input, const std::string& source);

 private:
  const models::ModelRouter& router_;
  models::TokenCounter& tokens_;
};

}  // namespace brainstem::orchestration
