// Workflow definitions: what is refused and why, references between nodes, conditions.
#include "orchestration/graph.h"
#include "orchestration/node_runner.h"
#include "orchestration/orchestrator.h"

#include <gtest/gtest.h>

namespace {

namespace json = boost::json;
using namespace brainstem;
using namespace brainstem::orchestration;

std::vector<std::string> errors_of(const std::string& definition) {
  std::vector<GraphError> errors;
  auto graph = Graph::parse(json::parse(definition), &errors);
  EXPECT_EQ(graph.ok(), errors.empty());
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.node_id + ": " + e.message);
  return out;
}

bool mentions(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Graph, AValidDefinitionReadsItsNodesAndEdges) {
  auto graph = Graph::parse(json::parse(R"({"nodes":[
      {"id":"a","type":"noop","name":"Start"},
      {"id":"c","type":"condition","config":{"path":"input.x","equals":1}},
      {"id":"b","type":"tool_call","config":{"tool":"http","url":"https://example.com/hook"},"retry":{"attempts":3,"backoffMs":10}}],
    "edges":[{"from":"a","to":"c"},{"from":"c","to":"b","when":true}]})"));
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_EQ(graph->nodes().size(), 3u);
  EXPECT_FALSE(graph->node("b")->idempotent) << "a tool call is not idempotent unless it says so";
  EXPECT_TRUE(graph->node("a")->idempotent);
  EXPECT_EQ(graph->node("b")->retry.attempts, 3);
  EXPECT_EQ(graph->downstream("a"), (std::vector<std::string>{"c", "b"}));
  auto again = Graph::parse(graph->to_json());
  ASSERT_TRUE(again.ok()) << "the normal form reads back";
  EXPECT_EQ(json::serialize(again->to_json()), json::serialize(graph->to_json()));
}

TEST(Graph, CyclesDanglingEdgesAndUnknownTypesAreNamed) {
  auto errors = errors_of(R"({"nodes":[{"id":"a","type":"noop"},{"id":"b","type":"noop"},{"id":"c","type":"noop"},
      {"id":"d","type":"teleport"}],
    "edges":[{"from":"a","to":"b"},{"from":"b","to":"c"},{"from":"c","to":"b"},{"from":"a","to":"ghost"}]})");
  EXPECT_TRUE(mentions(errors, "d: type: unknown node type")) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors, "a: edge to an unknown node \"ghost\""));
  EXPECT_TRUE(mentions(errors, "b: on a cycle"));
  EXPECT_TRUE(mentions(errors, "c: on a cycle"));
  EXPECT_FALSE(mentions(errors, "a: on a cycle"));
}

TEST(Graph, AWholeCycleHasNoStart) {
  auto errors = errors_of(R"({"nodes":[{"id":"a","type":"noop"},{"id":"b","type":"noop"}],
    "edges":[{"from":"a","to":"b"},{"from":"b","to":"a"}]})");
  EXPECT_TRUE(mentions(errors, "no node starts the workflow")) << ::testing::PrintToString(errors);
}

TEST(Graph, NodeConfigsAreCheckedByType) {
  auto errors = errors_of(R"({"nodes":[
      {"id":"m","type":"model_call","config":{"promt":"typo"}},
      {"id":"t","type":"tool_call","config":{"tool":"shell"}},
      {"id":"h","type":"tool_call","config":{"tool":"http"}},
      {"id":"g","type":"approval_gate"},
      {"id":"x","type":"noop","colour":"red"},
      {"id":"x","type":"noop"},
      {"id":"r","type":"noop","retry":{"attempts":99}}]})");
  EXPECT_TRUE(mentions(errors, "m: config.promt: unknown field")) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors, "m: config.prompt: field required"));
  EXPECT_TRUE(mentions(errors, "t: config.tool: unknown tool shell"));
  EXPECT_TRUE(mentions(errors, "h: config.url: field required"));
  EXPECT_TRUE(mentions(errors, "g: an approval gate needs a way out"));
  EXPECT_TRUE(mentions(errors, "x: colour: unknown node field"));
  EXPECT_TRUE(mentions(errors, "x: id: duplicate node id"));
  EXPECT_TRUE(mentions(errors, "r: retry:"));
}

TEST(Graph, SizeLimitsAreErrorsNotCrashes) {
  json::array nodes;
  for (int i = 0; i <= 1000; ++i) nodes.push_back(json::object{{"id", "n" + std::to_string(i)}, {"type", "noop"}});
  EXPECT_TRUE(mentions(errors_of(json::serialize(json::object{{"nodes", nodes}})), "at most 1000 nodes"));
  std::string big(kMaxNodeConfigBytes, 'x');
  auto errors = errors_of(json::serialize(json::object{
      {"nodes", json::array{json::object{{"id", "a"}, {"type", "noop"}, {"config", json::object{{"output", big}}}}}}}));
  EXPECT_TRUE(mentions(errors, "a: config: larger than 1 MB"));
  EXPECT_TRUE(mentions(errors_of(R"({"edges":[]})"), "nodes: field required"));
  EXPECT_TRUE(mentions(errors_of(R"({"nodes":[]})"), "at least one node"));
  EXPECT_TRUE(mentions(errors_of(R"([1,2])"), "nodes: field required"));
}

TEST(Graph, ValidateAnswersInTheSeedsShape) {
  auto ok = Orchestrator::validate(json::parse(R"({"nodes":[{"id":"a","type":"noop"}]})"));
  EXPECT_EQ(ok.at("valid"), true);
  auto bad = Orchestrator::validate(json::parse(R"({"nodes":[{"id":"a","type":"nope"}]})"));
  EXPECT_EQ(bad.at("valid"), false);
  EXPECT_EQ(bad.at("errors").as_array().at(0).at("nodeId"), "a");
}

TEST(Graph, EveryBuiltInTemplateIsAValidWorkflow) {
  EXPECT_GE(workflow_templates().size(), 5u);
  for (const auto& t : workflow_templates()) {
    std::vector<GraphError> errors;
    EXPECT_TRUE(Graph::parse(t.definition, &errors).ok()) << t.slug << ": " << (errors.empty() ? "" : errors[0].message);
  }
}

TEST(References, AWholeReferenceKeepsItsTypeAndAnEmbeddedOneBecomesText) {
  json::object scope = json::parse(R"({"input":{"title":"Refund","n":3},
      "nodes":{"a":{"output":{"items":[{"name":"first"}],"ok":true}}}})").as_object();
  auto resolved = resolve_references(json::parse(R"({"whole":"{{nodes.a.output.items}}","count":"{{ input.n }}",
      "text":"{{input.title}} for {{nodes.a.output.items.0.name}}!","missing":"{{nodes.zz.output}}",
      "partial":"x{{input.nothing}}y","nested":["{{input.title}}"],"plain":"no refs"})"), scope);
  EXPECT_EQ(resolved.at("whole"), json::parse(R"([{"name":"first"}])"));
  EXPECT_EQ(resolved.at("count"), 3);
  EXPECT_EQ(resolved.at("text"), "Refund for first!");
  EXPECT_TRUE(resolved.at("missing").is_null());
  EXPECT_EQ(resolved.at("partial"), "xy");
  EXPECT_EQ(resolved.at("nested").at(0), "Refund");
  EXPECT_EQ(resolved.at("plain"), "no refs");
  EXPECT_NE(value_at(scope, "$.nodes.a.output.ok"), nullptr);
}

TEST(Conditions, EachOperatorTestsTheValueAtItsPath) {
  json::object scope = json::parse(R"({"input":{"priority":"high","score":7,"empty":""}})").as_object();
  auto test = [&](const char* config) { return StandardNodeRunner::test_condition(json::parse(config).as_object(), scope).value(); };
  EXPECT_TRUE(test(R"({"path":"input.priority","equals":"high"})"));
  EXPECT_FALSE(test(R"({"path":"input.priority","equals":"low"})"));
  EXPECT_TRUE(test(R"({"path":"input.priority","notEquals":"low"})"));
  EXPECT_TRUE(test(R"({"path":"input.score","greaterThan":5})"));
  EXPECT_FALSE(test(R"({"path":"input.score","lessThan":5})"));
  EXPECT_TRUE(test(R"({"path":"input.missing","exists":false})"));
  EXPECT_FALSE(test(R"({"path":"input.empty"})"));
  EXPECT_TRUE(test(R"({"path":"$.input.priority"})"));
}

}  // namespace
