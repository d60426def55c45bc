// Conformance suite of store::OrchestrationStore: workflows, runs with versioned saves and
// leased claims, steps and the numbered events of a run's stream. Every engine in
// conformance.h runs all of it.
#include "common/run_sync.h"
#include "conformance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::store;
using brainstem::test_support::Engines;
using brainstem::test_support::ids_of;

template <class Engine>
class OrchestrationStoreConformance : public brainstem::test_support::StoreConformance<Engine> {
 protected:
  OrchestrationStore& store() { return *this->store_; }
};
TYPED_TEST_SUITE(OrchestrationStoreConformance, Engines);

Workflow make_workflow(const std::string& id, const std::string& tenant_id = "t1", int64_t created_at = 1000) {
  Workflow w;
  w.id = id;
  w.tenant_id = tenant_id;
  w.name = "Workflow " + id;
  w.definition = R"({"nodes":[{"id":"a","type":"noop"}],"edges":[]})";
  w.created_at = w.updated_at = created_at;
  return w;
}

Run make_run(const std::string& id, const std::string& status = "running", const std::string& tenant_id = "t1",
             int64_t created_at = 1000) {
  Run r;
  r.id = id;
  r.tenant_id = tenant_id;
  r.status = status;
  r.plan = R"({"steps":[{"id":"a"}]})";
  r.created_at = r.updated_at = created_at;
  return r;
}

RunEvent event(const std::string& type) {
  RunEvent e;
  e.type = type;
  e.data = R"({"type":")" + type + R"("})";
  e.created_at = 5;
  return e;
}

std::vector<std::string> types_of(const std::vector<RunEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(std::to_string(e.seq) + " " + e.type);
  return out;
}

TYPED_TEST(OrchestrationStoreConformance, WorkflowsAreTenantScopedVersionedAndDeleted) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_workflow(make_workflow("wf_1", "t1", 1000))).is_ok());
  ASSERT_TRUE(run_sync(s.create_workflow(make_workflow("wf_2", "t1", 2000))).is_ok());
  EXPECT_EQ(run_sync(s.create_workflow(make_workflow("wf_1", "t2"))).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(s.create_workflow(make_workflow("wf_9", "t_none"))).code(), StatusCode::kNotFound);
  EXPECT_EQ(ids_of(*run_sync(s.list_workflows("t1"))), (std::vector<std::string>{"wf_2", "wf_1"}));
  EXPECT_TRUE(run_sync(s.list_workflows("t2"))->empty());
  EXPECT_EQ(run_sync(s.get_workflow("t2", "wf_1")).status().code(), StatusCode::kNotFound);

  auto changed = make_workflow("wf_1");
  changed.name = "Renamed";
  changed.updated_at = 3000;
  auto updated = run_sync(s.update_workflow(changed));
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->created_at, 1000);
  changed.tenant_id = "t2";
  EXPECT_EQ(run_sync(s.update_workflow(changed)).status().code(), StatusCode::kNotFound);

  EXPECT_EQ(run_sync(s.delete_workflow("t2", "wf_1")).code(), StatusCode::kNotFound);
  ASSERT_TRUE(run_sync(s.delete_workflow("t1", "wf_1")).is_ok());
  EXPECT_EQ(run_sync(s.get_workflow("t1", "wf_1")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(OrchestrationStoreConformance, ARunOutlivesItsWorkflow) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_workflow(make_workflow("wf_1"))).is_ok());
  auto run = make_run("run_1", "planned");
  run.workflow_id = "wf_1";
  ASSERT_TRUE(run_sync(s.create_run(run, {event("RUN_CREATED")})).is_ok());
  ASSERT_TRUE(run_sync(s.delete_workflow("t1", "wf_1")).is_ok());
  auto stored = run_sync(s.get_run("t1", "run_1"));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->plan, run.plan);
  EXPECT_EQ(stored->workflow_id, "wf_1");
}

TYPED_TEST(OrchestrationStoreConformance, SaveRunIsVersionedAndAppendsItsEvents) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1", "planned"), {event("RUN_CREATED")})).is_ok());
  auto run = *run_sync(s.get_run("t1", "run_1"));
  run.status = "running";
  run.updated_at = 2000;
  auto saved = run_sync(s.save_run(run, {event("RUN_STARTED")}));
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  EXPECT_EQ(saved->version, 2);
  EXPECT_EQ(saved->status, "running");

  run.status = "cancelled";  // written from the version read before the save
  EXPECT_EQ(run_sync(s.save_run(run, {event("RUN_CANCELLED")})).status().code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(s.get_run("t1", "run_1"))->status, "running") << "the stale save changed nothing";
  run.tenant_id = "t2";
  EXPECT_EQ(run_sync(s.save_run(run, {})).status().code(), StatusCode::kNotFound);

  EXPECT_EQ(types_of(*run_sync(s.run_events("t1", "run_1", 0, 100))),
            (std::vector<std::string>{"1 RUN_CREATED", "2 RUN_STARTED"}));
  EXPECT_EQ(types_of(*run_sync(s.run_events("t1", "run_1", 1, 100))), (std::vector<std::string>{"2 RUN_STARTED"}));
  EXPECT_TRUE(run_sync(s.run_events("t2", "run_1", 0, 100))->empty());
}

TYPED_TEST(OrchestrationStoreConformance, AClaimLeasesRunningRunsUntilTheLeaseEnds) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1"), {})).is_ok());
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_2", "awaiting_approval"), {})).is_ok());
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_3", "running", "t2"), {})).is_ok());

  auto first = run_sync(s.claim_runs("node-a", 10'000, 5'000, 10));
  ASSERT_TRUE(first.ok());
  auto ids = ids_of(*first);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"run_1", "run_3"})) << "only running runs are claimed";
  EXPECT_TRUE(run_sync(s.claim_runs("node-b", 14'999, 5'000, 10))->empty()) << "leased to node-a";
  EXPECT_EQ(run_sync(s.claim_runs("node-a", 11'000, 5'000, 10))->size(), 2u) << "a restarted node takes its own back";

  EXPECT_EQ(run_sync(s.renew_run_lease("t1", "run_1", "node-b", 30'000)).code(), StatusCode::kConflict);
  ASSERT_TRUE(run_sync(s.renew_run_lease("t1", "run_1", "node-a", 30'000)).is_ok());
  auto taken = run_sync(s.claim_runs("node-b", 20'000, 5'000, 10));
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(ids_of(*taken), std::vector<std::string>{"run_3"}) << "run_1's lease was renewed";
  EXPECT_EQ(taken->front().lease_owner, "node-b");
  EXPECT_EQ(taken->front().lease_until, 25'000);
}

TYPED_TEST(OrchestrationStoreConformance, LeavingRunningEndsTheLease) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1"), {})).is_ok());
  auto claimed = run_sync(s.claim_runs("node-a", 10'000, 60'000, 10));
  ASSERT_EQ(claimed->size(), 1u);
  auto run = claimed->front();
  run.status = "awaiting_approval";
  auto paused = run_sync(s.save_run(run, {}));
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->lease_owner, "");
  run = *paused;
  run.status = "running";
  ASSERT_TRUE(run_sync(s.save_run(run, {})).ok());
  EXPECT_EQ(run_sync(s.claim_runs("node-b", 10'001, 60'000, 10))->size(), 1u) << "approved: any node may drive it";
}

TYPED_TEST(OrchestrationStoreConformance, StepsAreWrittenWithTheirEventsOnlyByTheLeaseHolder) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1"), {})).is_ok());
  ASSERT_EQ(run_sync(s.claim_runs("node-a", 10'000, 60'000, 10))->size(), 1u);

  RunStep step;
  step.tenant_id = "t1";
  step.run_id = "run_1";
  step.node_id = "a";
  step.status = "running";
  step.attempts = 1;
  step.started_at = 10'000;
  ASSERT_TRUE(run_sync(s.record_steps({step}, {event("NODE_RUN_STARTED")}, "node-a")).is_ok());
  step.status = "completed";
  step.output = R"({"text":"done"})";
  step.tokens = 12;
  step.cost_usd = 0.25;
  step.finished_at = 10'500;
  EXPECT_EQ(run_sync(s.record_steps({step}, {event("NODE_RUN_COMPLETED")}, "node-b")).code(), StatusCode::kConflict);
  EXPECT_EQ(run_sync(s.run_steps("t1", "run_1"))->front().status, "running") << "the refused write changed nothing";
  ASSERT_TRUE(run_sync(s.record_steps({step}, {event("NODE_RUN_COMPLETED")}, "node-a")).is_ok());

  auto steps = run_sync(s.run_steps("t1", "run_1"));
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ(steps->front().status, "completed");
  EXPECT_EQ(steps->front().output, R"({"text":"done"})");
  EXPECT_EQ(steps->front().tokens, 12);
  EXPECT_DOUBLE_EQ(steps->front().cost_usd, 0.25);
  EXPECT_EQ(steps->front().attempts, 1);
  EXPECT_EQ(types_of(*run_sync(s.run_events("t1", "run_1", 0, 100))),
            (std::vector<std::string>{"1 NODE_RUN_STARTED", "2 NODE_RUN_COMPLETED"}));
  EXPECT_TRUE(run_sync(s.run_steps("t2", "run_1"))->empty());

  step.tenant_id = "t2";
  EXPECT_EQ(run_sync(s.record_steps({step}, {}, "")).code(), StatusCode::kNotFound) << "another tenant's run";
}

TYPED_TEST(OrchestrationStoreConformance, SeveralStepsAreRecordedInOneWriteOrNotAtAll) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1"), {})).is_ok());
  ASSERT_EQ(run_sync(s.claim_runs("node-a", 10'000, 60'000, 10))->size(), 1u);
  RunStep a{"t1", "run_1", "a", "completed", 1, R"({"n":1})"};
  RunStep b{"t1", "run_1", "b", "completed", 1, R"({"n":2})"};
  std::vector<RunEvent> events{event("NODE_RUN_COMPLETED"), event("NODE_RUN_COMPLETED")};

  EXPECT_EQ(run_sync(s.record_steps({a, b}, events, "node-b")).code(), StatusCode::kConflict);
  EXPECT_TRUE(run_sync(s.run_steps("t1", "run_1"))->empty()) << "a refused batch writes none of its steps";
  ASSERT_TRUE(run_sync(s.record_steps({a, b}, events, "node-a")).is_ok());
  auto steps = run_sync(s.run_steps("t1", "run_1"));
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ(types_of(*run_sync(s.run_events("t1", "run_1", 0, 100))),
            (std::vector<std::string>{"1 NODE_RUN_COMPLETED", "2 NODE_RUN_COMPLETED"}));

  RunStep other{"t1", "run_2", "c", "completed", 1};
  EXPECT_EQ(run_sync(s.record_steps({a, other}, {}, "")).code(), StatusCode::kInvalidArgument) << "steps of two runs";
  EXPECT_EQ(run_sync(s.record_steps({}, {}, "")).code(), StatusCode::kInvalidArgument);
}

TYPED_TEST(OrchestrationStoreConformance, RunsListNewestFirstWithinTheTenant) {
  auto& s = this->store();
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_1", "planned", "t1", 1000), {})).is_ok());
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_2", "planned", "t1", 2000), {})).is_ok());
  ASSERT_TRUE(run_sync(s.create_run(make_run("run_3", "planned", "t2", 3000), {})).is_ok());
  EXPECT_EQ(run_sync(s.create_run(make_run("run_1", "planned", "t2"), {})).code(), StatusCode::kConflict);
  EXPECT_EQ(ids_of(*run_sync(s.list_runs("t1", 10))), (std::vector<std::string>{"run_2", "run_1"}));
  EXPECT_EQ(ids_of(*run_sync(s.list_runs("t1", 1))), (std::vector<std::string>{"run_2"}));
  EXPECT_EQ(run_sync(s.get_run("t2", "run_1")).status().code(), StatusCode::kNotFound);
}

}  // namespace
