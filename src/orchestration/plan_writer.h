// Plans written by a model (Cendriix decompose, runs created without a workflow, compose): the
// configured planning model is asked for a workflow graph as JSON, which is read and checked as
// any workflow is (Graph::parse, at most kMaxPlanSteps nodes). A reply that fails the check is
// sent back once with its errors; a second failure gives up, and the caller falls back to a
// template or to rules. Each call is metered to the tenant (kind "planning").
//
// Thread-safety: write() may be called concurrently.
#pragma once

#include "common/status.h"
#include "models/router.h"
#include "ops/usage_meter.h"
#include "orchestration/graph.h"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace brainstem::orchestration {

constexpr size_t kMaxPlanSteps = 200;

class PlanWriter {
 public:
  // An empty `model` writes no plan (enabled() is false).
  PlanWriter(models::ModelRouter& router, ops::UsageMeter& usage, std::string model)
      : router_(router), usage_(usage), model_(std::move(model)) {}

  bool enabled() const { return !model_.empty(); }
  const std::string& model() const { return model_; }

  // A plan for `task` (what is to be done), given `context` (what the workspace offers to build
  // it from; may be empty).
  boost::asio::awaitable<Result<Graph>> write(const std::string& tenant_id, const std::string& task,
                                              const std::string& context);

  // The graph in a model's reply: the outermost JSON object in the text (code fences and prose
  // around it are ignored), checked as a workflow. Errors list every problem found.
  static Result<Graph> read_reply(const std::string& reply);

 private:
  models::ModelRouter& router_;
  ops::UsageMeter& usage_;
  const std::string model_;
};

}  // namespace brainstem::orchestration
