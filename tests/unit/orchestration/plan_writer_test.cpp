// Reading a planning model's reply: the JSON graph in it, checked as a workflow.
#include "orchestration/plan_writer.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::orchestration;

TEST(PlanWriterReply, TheGraphIsFoundInsideFencesAndProse) {
  auto graph = PlanWriter::read_reply(
      "Here is the plan:\n```json\n{\"nodes\":[{\"id\":\"look\",\"type\":\"model_call\",\"config\":{\"prompt\":\"Look\"}},"
      "{\"id\":\"ok\",\"type\":\"approval_gate\"},{\"id\":\"fix\",\"type\":\"tool_call\",\"config\":{\"tool\":\"noop\"}}],"
      "\"edges\":[{\"from\":\"look\",\"to\":\"ok\"},{\"from\":\"ok\",\"to\":\"fix\"}]}\n```\nDone.");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes().size(), 3u);
  EXPECT_EQ(graph->nodes()[1].type, "approval_gate");
  EXPECT_EQ(graph->outgoing("ok").front()->to, "fix");
}

TEST(PlanWriterReply, EveryProblemOfAnInvalidPlanIsNamed) {
  EXPECT_NE(PlanWriter::read_reply("I cannot help with that").status().message().find("no JSON object"), std::string::npos);
  EXPECT_NE(PlanWriter::read_reply("{\"nodes\": [}").status().message().find("does not parse"), std::string::npos);
  auto invalid = PlanWriter::read_reply(
      R"({"nodes":[{"id":"a","type":"warp"},{"id":"b","type":"noop"},{"id":"c","type":"noop"}],
          "edges":[{"from":"b","to":"c"},{"from":"c","to":"b"},{"from":"b","to":"zz"}]})");
  ASSERT_FALSE(invalid.ok());
  const std::string& message = invalid.status().message();
  EXPECT_NE(message.find("node a: type: unknown node type \"warp\""), std::string::npos) << message;
  EXPECT_NE(message.find("unknown node \"zz\""), std::string::npos) << message;
  EXPECT_NE(message.find("cycle"), std::string::npos) << message;
}

TEST(PlanWriterReply, APlanOfMoreThan200StepsIsRefused) {
  std::string nodes;
  for (int i = 0; i <= 200; ++i) nodes += std::string(i ? "," : "") + "{\"id\":\"n" + std::to_string(i) + "\",\"type\":\"noop\"}";
  auto big = PlanWriter::read_reply("{\"nodes\":[" + nodes + "]}");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("more than 200 steps"), std::string::npos);
}

}  // namespace
