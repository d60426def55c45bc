#include "http/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using brainstem::http::Router;
using brainstem::http::split_path;

std::string param(const Router<int>::Match& m, const std::string& name) {
  for (const auto& [k, v] : m.params) {
    if (k == name) return v;
  }
  return "<absent>";
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(SplitPath, DropsEmptySegments) {
  EXPECT_EQ(split_path("/a/b/c"), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(split_path("//a///b/"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_TRUE(split_path("/").empty());
  EXPECT_TRUE(split_path("").empty());
  EXPECT_EQ(split_path("no-leading"), (std::vector<std::string_view>{"no-leading"}));
}

TEST(Router, MatchesStaticRoute) {
  Router<int> r;
  ASSERT_TRUE(r.add("GET", "/v1/health", 1));
  auto m = r.find("GET", "/v1/health");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(*m.entry, 1);
  EXPECT_TRUE(m.path_matched);
  EXPECT_TRUE(m.params.empty());
}

TEST(Router, UnknownPathMatchesNothing) {
  Router<int> r;
  r.add("GET", "/v1/health", 1);
  auto m = r.find("GET", "/v1/nothing");
  EXPECT_EQ(m.entry, nullptr);
  EXPECT_FALSE(m.path_matched);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(r.find("GET", "/v1").entry, nullptr);
  EXPECT_FALSE(r.find("GET", "/v1").path_matched);
  EXPECT_EQ(r.find("GET", "/v1/health/extra").entry, nullptr);
}

TEST(Router, LiteralSegmentBeatsParameter) {
  Router<int> r;
  r.add("GET", "/v1/workflows/:id", 1);
  r.add("GET", "/v1/workflows/templates", 2);
  auto literal = r.find("GET", "/v1/workflows/templates");
  ASSERT_NE(literal.entry, nullptr);
  EXPECT_EQ(*literal.entry, 2);
  EXPECT_TRUE(literal.params.empty());
  auto by_id = r.find("GET", "/v1/workflows/wf_123");
  ASSERT_NE(by_id.entry, nullptr);
  EXPECT_EQ(*by_id.entry, 1);
  EXPECT_EQ(param(by_id, "id"), "wf_123");
}

TEST(Router, LiteralBeatsParameterRegardlessOfInsertionOrder) {
  Router<int> r;
  r.add("GET", "/v1/workflows/templates", 2);
  r.add("GET", "/v1/workflows/:id", 1);
  EXPECT_EQ(*r.find("GET", "/v1/workflows/templates").entry, 2);
  EXPECT_EQ(*r.find("GET", "/v1/workflows/x").entry, 1);
}

TEST(Router, BacktracksToParameterWhenLiteralBranchDeadEnds) {
  Router<int> r;
  r.add("GET", "/a/b/d", 1);
  r.add("GET", "/a/:x/c", 2);
  auto m = r.find("GET", "/a/b/c");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(*m.entry, 2);
  EXPECT_EQ(param(m, "x"), "b");
  ASSERT_EQ(m.params.size(), 1u);
}

TEST(Router, ColonAndBraceParametersBothCapture) {
  Router<int> r;
  r.add("GET", "/v1/api-keys/:id", 1);
  r.add("DELETE", "/portal/api/keys/{key_id}", 2);
  auto colon = r.find("GET", "/v1/api-keys/key_abc");
  ASSERT_NE(colon.entry, nullptr);
  EXPECT_EQ(param(colon, "id"), "key_abc");
  auto brace = r.find("DELETE", "/portal/api/keys/key_xyz");
  ASSERT_NE(brace.entry, nullptr);
  EXPECT_EQ(*brace.entry, 2);
  EXPECT_EQ(param(brace, "key_id"), "key_xyz");
}

TEST(Router, CapturesSeveralParametersInOrder) {
  Router<int> r;
  r.add("GET", "/v1/workspaces/:workspaceId/members/{memberId}", 1);
  auto m = r.find("GET", "/v1/workspaces/ws1/members/m2");
  ASSERT_NE(m.entry, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"workspaceId", "ws1"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"memberId", "m2"}));
}

TEST(Router, ParameterNamesAreKeptPerRoute) {
  Router<int> r;
  r.add("GET", "/v1/users/:id", 1);
  r.add("GET", "/v1/users/{user_id}/posts", 2);
  auto user = r.find("GET", "/v1/users/42");
  ASSERT_NE(user.entry, nullptr);
  EXPECT_EQ(*user.entry, 1);
  EXPECT_EQ(param(user, "id"), "42");
  auto posts = r.find("GET", "/v1/users/42/posts");
  ASSERT_NE(posts.entry, nullptr);
  EXPECT_EQ(param(posts, "user_id"), "42");
}

TEST(Router, OtherMethodOnKnownPathReportsAllowedMethods) {
  Router<int> r;
  r.add("GET", "/v1/api-keys", 1);
  r.add("POST", "/v1/api-keys", 2);
  auto m = r.find("DELETE", "/v1/api-keys");
  EXPECT_EQ(m.entry, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(sorted(m.allowed), (std::vector<std::string>{"GET", "POST"}));
}

TEST(Router, MethodMatchIsCaseSensitive) {
  Router<int> r;
  r.add("GET", "/x", 1);
  auto m = r.find("get", "/x");
  EXPECT_EQ(m.entry, nullptr);
  EXPECT_TRUE(m.path_matched);
}

TEST(Router, HeadFallsBackToGet) {
  Router<int> r;
  r.add("GET", "/v1/health", 1);
  auto m = r.find("HEAD", "/v1/health");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(*m.entry, 1);
}

TEST(Router, ExplicitHeadRouteWinsOverGet) {
  Router<int> r;
  r.add("GET", "/v1/health", 1);
  r.add("HEAD", "/v1/health", 2);
  EXPECT_EQ(*r.find("HEAD", "/v1/health").entry, 2);
}

TEST(Router, HeadWithoutGetIsMethodNotAllowed) {
  Router<int> r;
  r.add("POST", "/v1/things", 1);
  auto m = r.find("HEAD", "/v1/things");
  EXPECT_EQ(m.entry, nullptr);
  EXPECT_TRUE(m.path_matched);
}

TEST(Router, HeadFallbackKeepsParameters) {
  Router<int> r;
  r.add("GET", "/files/:name", 1);
  auto m = r.find("HEAD", "/files/report.pdf");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(param(m, "name"), "report.pdf");
}

TEST(Router, TrailingAndDoubleSlashesAreIgnored) {
  Router<int> r;
  r.add("GET", "/v1/api-keys/:id", 1);
  r.add("GET", "/v1/health", 2);
  EXPECT_NE(r.find("GET", "/v1/health/").entry, nullptr);
  EXPECT_NE(r.find("GET", "//v1//health").entry, nullptr);
  auto m = r.find("GET", "/v1//api-keys///k1/");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(param(m, "id"), "k1");
}

TEST(Router, RootPathCanBeRouted) {
  Router<int> r;
  r.add("GET", "/", 7);
  auto m = r.find("GET", "/");
  ASSERT_NE(m.entry, nullptr);
  EXPECT_EQ(*m.entry, 7);
  EXPECT_EQ(*r.find("GET", "").entry, 7);
}

TEST(Router, PrefixOfRouteWithoutEntriesIsNotMatched) {
  Router<int> r;
  r.add("GET", "/v1/workspaces/:id/members", 1);
  auto m = r.find("GET", "/v1/workspaces/ws1");
  EXPECT_EQ(m.entry, nullptr);
  EXPECT_FALSE(m.path_matched);
}

TEST(Router, DuplicateRouteIsRejected) {
  Router<int> r;
  EXPECT_TRUE(r.add("GET", "/v1/x", 1));
  EXPECT_FALSE(r.add("GET", "/v1/x", 2));
  EXPECT_FALSE(r.add("GET", "/v1/x/", 3));
  EXPECT_TRUE(r.add("POST", "/v1/x", 4));
  EXPECT_EQ(*r.find("GET", "/v1/x").entry, 1);
}

TEST(Router, SameShapeWithDifferentParameterSpellingIsDuplicate) {
  Router<int> r;
  EXPECT_TRUE(r.add("GET", "/v1/items/:id", 1));
  EXPECT_FALSE(r.add("GET", "/v1/items/{item}", 2));
  EXPECT_EQ(*r.find("GET", "/v1/items/z").entry, 1);
}

TEST(Router, ParameterDoesNotMatchMissingSegment) {
  Router<int> r;
  r.add("GET", "/v1/items/:id", 1);
  EXPECT_EQ(r.find("GET", "/v1/items").entry, nullptr);
  EXPECT_EQ(r.find("GET", "/v1/items/").entry, nullptr);
}

}  // namespace
