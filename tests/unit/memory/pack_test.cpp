// Pack composition (cstate.toml + Markdown) and the extractive summarizer.
#include "memory/extractive_summary.h"
#include "memory/pack.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem::memory;
namespace json = boost::json;

TEST(Pack, ComposesManifestPromptsAndAgents) {
  auto pack = compose_pack("[pack]\nname = \"p\"\n[agents.a]\nprompt = \"Alpha\"\n[limits]\nturns = 3\n",
                           {"# Alpha\nBe helpful.\n", "## Beta\n- one\n- two\n"});
  ASSERT_TRUE(pack.success) << (pack.errors.empty() ? "" : pack.errors[0].message);
  EXPECT_EQ(pack.compiled.at("pack").at("name").as_string(), "p");
  EXPECT_EQ(pack.compiled.at("agents").at("a").at("system_prompt").as_string(), "# Alpha\nBe helpful.\n");
  EXPECT_EQ(pack.compiled.at("settings").at("limits").at("turns").as_int64(), 3);
  EXPECT_EQ(pack.ast.at("prompts").as_array()[1].at("title").as_string(), "Beta");
}

TEST(Pack, ErrorsCarryFileLineAndColumn) {
  auto bad_toml = compose_pack("[pack]\nname = \"p\"\nx = [1,\n", {});
  ASSERT_FALSE(bad_toml.success);
  EXPECT_EQ(bad_toml.errors[0].file, "cstate.toml");
  EXPECT_GE(bad_toml.errors[0].line, 3);
  auto no_pack = compose_pack("[other]\nx = 1\n", {});
  ASSERT_EQ(no_pack.errors.size(), 1u);
  EXPECT_EQ(no_pack.errors[0].message, "the manifest needs a [pack] table");
  auto nameless = compose_pack("[pack]\nversion = 1\n", {});
  EXPECT_EQ(nameless.errors[0].message, "[pack] needs a name");
  auto duplicate = compose_pack("[pack]\nname = \"p\"\n", {"# Same\n", "# Same\n"});
  EXPECT_EQ(duplicate.errors[0].file, "markdown[1]");
}

TEST(Pack, MarkdownBlocks) {
  std::vector<PackError> errors;
  auto blocks = parse_markdown("# Title\nline one\nline two\n\n* a\n* b\n\n  ```py\nprint(1)\n```\n####### not a heading\n",
                               "m", errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(blocks[1].at("text").as_string(), "line one line two");
  EXPECT_EQ(blocks[2].at("items").as_array().size(), 2u);
  EXPECT_EQ(blocks[3].at("lang").as_string(), "py");
  EXPECT_EQ(blocks[3].at("text").as_string(), "print(1)\n");
  EXPECT_EQ(blocks[4].at("type").as_string(), "paragraph");
  parse_markdown("ok\n\n   ```\nopen", "m", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].column, 4);
}

TEST(ExtractiveSummary, KeepsTheCentralSentencesInOrder) {
  std::string summary = extractive_summary(
      {"The invoice total was wrong. The weather was nice.", "Billing fixed the invoice total on Monday.",
       "The invoice total now matches the order."},
      2);
  EXPECT_EQ(summary, "The invoice total was wrong. The invoice total now matches the order.");
  EXPECT_EQ(extractive_summary({"", "  ", "a b"}), "");
  EXPECT_EQ(extractive_summary({"Same sentence here.", "Same sentence here."}), "Same sentence here.");
}

}  // namespace
