// A2A tasks over the SQLite engine in memory: states, cancel, pages by cursor, isolation,
// topology.
#include "a2a/tasks.h"

#include "common/run_sync.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>

namespace {

using namespace brainstem;
using a2a::TaskState;
namespace json = boost::json;

class TasksTest : public ::testing::Test {
 protected:
  TasksTest() : store_(open()), tasks_(*store_) {}

  static std::unique_ptr<store::Store> open() {
    auto opened = store::open_sqlite(":memory:");
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    return std::move(opened.value());
  }

  json::object create(const std::string& tenant, const std::string& agent, const std::string& caller = "") {
    a2a::TaskDraft draft;
    draft.tenant_id = tenant;
    draft.agent_id = agent;
    draft.skill = "converse";
    draft.caller_agent_id = caller;
    draft.message = json::object{{"messageId", "m"}, {"role", "ROLE_USER"}, {"parts", json::array{json::object{{"text", "hi"}}}}};
    auto created = run_sync(tasks_.create(std::move(draft)));
    if (!created.ok()) throw std::runtime_error(created.status().message());
    return std::move(created.value());
  }

  static std::string state(const json::object& task) { return std::string(task.at("status").as_object().at("state").as_string()); }
  static std::string id(const json::object& task) { return std::string(task.at("id").as_string()); }

  std::unique_ptr<store::Store> store_;
  a2a::Tasks tasks_;
};

TEST_F(TasksTest, ATaskMovesToAFinalStateAndStaysThere) {
  json::object task = create("t1", "agent-a");
  EXPECT_EQ(state(task), "TASK_STATE_SUBMITTED");
  EXPECT_EQ(task["history"].as_array()[0].as_object()["taskId"], task["id"]);
  ASSERT_TRUE(run_sync(tasks_.advance("t1", id(task), TaskState::kWorking)).ok());
  json::object answer{{"messageId", "a"}, {"role", "ROLE_AGENT"}, {"parts", json::array{json::object{{"text", "done"}}}}};
  auto done = run_sync(tasks_.advance("t1", id(task), TaskState::kCompleted, answer, json::array{json::object{{"artifactId", "x"}}}));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(state(*done), "TASK_STATE_COMPLETED");
  EXPECT_EQ((*done)["history"].as_array().size(), 2u);
  EXPECT_EQ((*done)["artifacts"].as_array().size(), 1u);

  auto late = run_sync(tasks_.advance("t1", id(task), TaskState::kFailed));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(state(*late), "TASK_STATE_COMPLETED") << "a final task is not changed";
  auto cancel = run_sync(tasks_.cancel("t1", id(task)));
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.status().code(), StatusCode::kConflict);
}

TEST_F(TasksTest, CancelSetsTheRunsFlagAndWinsOverItsCompletion) {
  json::object task = create("t1", "agent-a");
  auto flag = tasks_.running("t1", id(task));
  ASSERT_TRUE(run_sync(tasks_.advance("t1", id(task), TaskState::kWorking)).ok());
  auto canceled = run_sync(tasks_.cancel("t1", id(task)));
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(state(*canceled), "TASK_STATE_CANCELED");
  EXPECT_TRUE(flag->load());
  auto completed = run_sync(tasks_.advance("t1", id(task), TaskState::kCompleted));
  EXPECT_EQ(state(*completed), "TASK_STATE_CANCELED");
  tasks_.finished("t1", id(task));
}

TEST_F(TasksTest, AnotherTenantsTaskIsNotFound) {
  json::object task = create("t1", "agent-a");
  EXPECT_EQ(run_sync(tasks_.get("t2", id(task))).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_sync(tasks_.cancel("t2", id(task))).status().code(), StatusCode::kNotFound);
  a2a::TaskQuery q;
  q.tenant_id = "t2";
  EXPECT_EQ(run_sync(tasks_.list(q))->tasks.size(), 0u);
}

TEST_F(TasksTest, PagesCoverEveryTaskOnceNewestFirstEvenWhenTasksShareAnInstant) {
  std::vector<std::string> created;
  for (int i = 0; i < 23; ++i) created.push_back(id(create("t1", i % 2 ? "agent-a" : "agent-b")));
  create("t2", "agent-a");
  a2a::TaskQuery q;
  q.tenant_id = "t1";
  q.page_size = 5;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = run_sync(tasks_.list(q));
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(page->total, pages < 2 ? 23 : 24) << "the total counts the task created meanwhile";
    for (const auto& t : page->tasks) {
      seen.push_back(std::string(t.as_object().at("id").as_string()));
      EXPECT_FALSE(t.as_object().contains("artifacts")) << "artifacts only when asked";
    }
    ++pages;
    if (page->next_page_token.empty()) break;
    if (pages == 2) create("t1", "agent-a");  // a task created meanwhile sorts before the cursor
    q.page_token = page->next_page_token;
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 23u) << "no task twice";
  EXPECT_EQ(seen.front(), created.back()) << "newest first";
  EXPECT_EQ(seen.back(), created.front());

  q.page_token = "bm90LWEtdG9rZW4";
  EXPECT_EQ(run_sync(tasks_.list(q)).status().code(), StatusCode::kValidation);
  a2a::TaskQuery by_agent;
  by_agent.tenant_id = "t1";
  by_agent.agent_id = "agent-b";
  EXPECT_EQ(run_sync(tasks_.list(by_agent))->total, 12);
}

TEST_F(TasksTest, TopologyCountsWhoDelegatedToWhom) {
  create("t1", "billing", "desk");
  create("t1", "billing", "desk");
  create("t1", "desk", "");
  create("t2", "billing", "desk");
  auto topology = run_sync(tasks_.topology("t1"));
  ASSERT_TRUE(topology.ok());
  const auto& edges = (*topology)["edges"].as_array();
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0].as_object().at("from"), "desk");
  EXPECT_EQ(edges[0].as_object().at("to"), "billing");
  EXPECT_EQ(edges[0].as_object().at("count"), 2);
  EXPECT_EQ(edges[0].as_object().at("via"), "a2a");
  EXPECT_EQ((*topology)["agents"].as_array().size(), 2u);
}

}  // namespace
