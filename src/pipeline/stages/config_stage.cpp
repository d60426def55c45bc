// 1. config: the agent, and whether this caller may talk to it now.
#include "common/offload.h"
#include "pipeline/stages/stages.h"

namespace brainstem::pipeline {

namespace {

class ConfigStage : public Stage {
 public:
  explicit ConfigStage(PipelineDeps& deps) : deps_(deps) {}
  const char* timing_name() const override { return "config_load"; }

  boost::asio::awaitable<bool> run(PipelineState& state) override {
    const MessageRequest& req = state.request;
    auto loaded = co_await deps_.agents.load(req.agent_id);
    if (!loaded) {
      if (loaded.status().code() == StatusCode::kNotFound) throw StatusError(Status::not_found("agent not found"));
      throw StatusError(loaded.status());
    }
    AgentConfigPtr agent = loaded.value();
    if (agent->tenant_id != req.tenant_id) {
      // Cerebral documents 403 for another tenant's agent; Cortex answers 404 (not_found).
      throw StatusError(req.foreign_agent_forbidden ? Status::forbidden("agent belongs to a different tenant")
                                                    : Status::not_found("agent not found"));
    }
    if (!req.locked_agent.empty() && req.locked_agent != agent->id) {
      throw StatusError(Status::forbidden("this API key is locked to a different agent"));
    }
    if (agent->status != "active") throw StatusError(Status::not_found("agent is " + agent->status));
    if (req.identity_mode == "required" && req.customer_id.empty() && req.identity.empty()) {
      throw StatusError(Status::validation("customer_id", "this API key requires customer_id or identity"));
    }
    state.agent = std::move(agent);
    co_return true;
  }

 private:
  PipelineDeps& deps_;
};

}  // namespace

std::unique_ptr<Stage> make_config_stage(PipelineDeps& deps) { return std::make_unique<ConfigStage>(deps); }

}  // namespace brainstem::pipeline
