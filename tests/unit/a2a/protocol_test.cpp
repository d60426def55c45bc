// A2A shapes: messages read in either version's form, states, and the 0.3 rendering.
#include "a2a/protocol.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using a2a::TaskState;
namespace json = boost::json;

TEST(Protocol, StatesParseInBothFormsAndFinalOnesAreKnown) {
  EXPECT_EQ(a2a::parse_state("TASK_STATE_INPUT_REQUIRED"), TaskState::kInputRequired);
  EXPECT_EQ(a2a::parse_state("input-required"), TaskState::kInputRequired);
  EXPECT_EQ(a2a::parse_state("completed"), TaskState::kCompleted);
  EXPECT_FALSE(a2a::parse_state("done"));
  EXPECT_FALSE(a2a::parse_state("TASK_STATE_UNSPECIFIED"));
  EXPECT_EQ(a2a::state_name(TaskState::kCanceled), "TASK_STATE_CANCELED");
  for (auto s : {TaskState::kCompleted, TaskState::kFailed, TaskState::kCanceled, TaskState::kRejected}) EXPECT_TRUE(a2a::is_final(s));
  for (auto s : {TaskState::kSubmitted, TaskState::kWorking, TaskState::kInputRequired, TaskState::kAuthRequired})
    EXPECT_FALSE(a2a::is_final(s));
}

TEST(Protocol, MessagesOfBothVersionsReadAsOne) {
  auto v10 = a2a::read_message(json::parse(R"({"messageId":"m1","role":"ROLE_USER","parts":[{"text":"hi"},{"data":{"n":1}}],"contextId":"c"})"));
  ASSERT_TRUE(v10.ok()) << v10.status().message();
  auto v03 = a2a::read_message(json::parse(
      R"({"kind":"message","messageId":"m1","role":"user","parts":[{"kind":"text","text":"hi"},{"kind":"data","data":{"n":1}}],"contextId":"c"})"));
  ASSERT_TRUE(v03.ok()) << v03.status().message();
  EXPECT_EQ(*v10, *v03);
  EXPECT_EQ(a2a::message_text(*v10), "hi\n\n{\"n\":1}");
  auto file = a2a::read_message(json::parse(R"({"messageId":"m","role":"user","parts":[{"kind":"file","file":{"uri":"http://x/a.pdf","mimeType":"application/pdf"}}]})"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)["parts"].as_array()[0].as_object()["url"], "http://x/a.pdf");
  EXPECT_EQ((*file)["parts"].as_array()[0].as_object()["mediaType"], "application/pdf");
}

TEST(Protocol, MalformedMessagesAreRefusedSayingWhy) {
  for (const char* bad : {R"("text")", R"({"role":"ROLE_USER","parts":[{"text":"x"}]})",
                          R"({"messageId":"m","role":"ROLE_AGENT","parts":[{"text":"x"}]})",
                          R"({"messageId":"m","role":"ROLE_USER","parts":[]})", R"({"messageId":"m","role":"ROLE_USER","parts":[{"nothing":1}]})",
                          R"({"messageId":"m","role":"ROLE_USER","parts":"x"})"}) {
    auto read = a2a::read_message(json::parse(bad));
    ASSERT_FALSE(read.ok()) << bad;
    EXPECT_EQ(read.status().code(), StatusCode::kValidation) << bad;
  }
}

TEST(Protocol, TasksAndEventsRenderIn03Form) {
  json::object task = json::parse(R"({"id":"t","contextId":"c","status":{"state":"TASK_STATE_COMPLETED",
      "message":{"messageId":"a","role":"ROLE_AGENT","parts":[{"text":"done"}]}},
      "history":[{"messageId":"u","role":"ROLE_USER","parts":[{"text":"go"}]}],
      "artifacts":[{"artifactId":"x","parts":[{"data":{"k":2}}]}]})").as_object();
  json::object old = a2a::task_v03(task);
  EXPECT_EQ(old["kind"], "task");
  EXPECT_EQ(old["status"].as_object()["state"], "completed");
  EXPECT_EQ(old["status"].as_object()["message"].as_object()["role"], "agent");
  EXPECT_EQ(old["history"].as_array()[0].as_object()["role"], "user");
  EXPECT_EQ(old["history"].as_array()[0].as_object()["parts"].as_array()[0].as_object()["kind"], "text");
  EXPECT_EQ(old["artifacts"].as_array()[0].as_object()["parts"].as_array()[0].as_object()["kind"], "data");

  json::object status_update{{"statusUpdate", json::object{{"taskId", "t"}, {"status", json::object{{"state", "TASK_STATE_WORKING"}}}}}};
  json::object event = a2a::stream_event_v03(status_update);
  EXPECT_EQ(event["kind"], "status-update");
  EXPECT_EQ(event["final"], false);
  status_update["statusUpdate"].as_object()["status"].as_object()["state"] = "TASK_STATE_FAILED";
  EXPECT_EQ(a2a::stream_event_v03(status_update)["final"], true);
  json::object artifact_update{{"artifactUpdate", json::object{{"artifact", json::object{{"parts", json::array{json::object{{"text", "a"}}}}}}}}};
  EXPECT_EQ(a2a::stream_event_v03(artifact_update)["kind"], "artifact-update");
}

}  // namespace
