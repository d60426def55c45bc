// Cendriix compose: a workflow proposed for a free-form intent, built from what the workspace
// has (its playbooks and skills) and the built-in templates. With a planning model the model
// writes the graph, told what the workspace offers; without one (or when its plan fails), rules
// pick what shares the most words with the intent: a playbook's or a template's workflow as it
// is, or else a chain of agent steps, one per matching skill, each with the skill's instructions.
// Nothing is stored until the proposal is approved (saved as a workflow).
//
// Thread-safety: compose() may be called concurrently.
#pragma once

#include "orchestration/entities.h"
#include "orchestration/plan_writer.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <string>

namespace brainstem::orchestration {

constexpr size_t kMaxIntentBytes = 4000;

class Composer {
 public:
  Composer(Entities& entities, PlanWriter& plans) : entities_(entities), plans_(plans) {}

  // {"proposal": {name, description, nodes, edges, composedBy, basedOn: [{kind, id, name}],
  // note?}}, or {"proposal": null, "emptyState": "no_entities"} when the workspace has no
  // playbook or skill and no template matches, or "no_match" when it has some but none matches.
  boost::asio::awaitable<Result<boost::json::object>> compose(const std::string& tenant_id, const std::string& intent);

 private:
  Entities& entities_;
  PlanWriter& plans_;
};

}  // namespace brainstem::orchestration
