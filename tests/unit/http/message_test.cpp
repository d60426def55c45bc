#include "http/message.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem::http;

TEST(PercentDecode, DecodesHexEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("%41%2f%2F", false), "A//");
  EXPECT_EQ(percent_decode("caf%C3%A9", false), "caf\xC3\xA9");
  EXPECT_EQ(percent_decode("a%00b", false), std::string("a\0b", 3));
}

TEST(PercentDecode, PlusBecomesSpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, KeepsInvalidOrTruncatedEscapesLiterally) {
  EXPECT_EQ(percent_decode("%zz", false), "%zz");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("%", false), "%");
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%%41", false), "%A");
}

TEST(PercentDecode, DecodesEscapeAtEndOfInput) { EXPECT_EQ(percent_decode("ab%41", false), "abA"); }

TEST(Iequals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Content-Type", "Content-Typo"));
  EXPECT_FALSE(iequals("abc", "abcd"));
}

TEST(Request, HeaderLookupIsCaseInsensitiveAndReturnsFirst) {
  Request r;
  r.headers = {{"X-Api-Key", "first"}, {"x-api-key", "second"}, {"Accept", "*/*"}};
  EXPECT_EQ(r.header("X-API-KEY"), "first");
  EXPECT_EQ(r.header("accept"), "*/*");
  EXPECT_TRUE(r.header("Missing").empty());
}

TEST(Request, ParamReturnsPathParameterByName) {
  Request r;
  r.path_params = {{"id", "key_1"}, {"workspaceId", "ws_2"}};
  EXPECT_EQ(r.param("id"), "key_1");
  EXPECT_EQ(r.param("workspaceId"), "ws_2");
  EXPECT_TRUE(r.param("ID").empty());
}

TEST(Request, QueryParamDecodesKeysAndValues) {
  Request r;
  r.query = "a=1&b=hello%20world&c=x+y&flag&k%65y=v&empty=&amp=%26";
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("b"), "hello world");
  EXPECT_EQ(r.query_param("c"), "x y");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_EQ(r.query_param("key"), "v");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("amp"), "&");
  EXPECT_FALSE(r.query_param("missing"));
  EXPECT_FALSE(r.query_param("A"));
}

TEST(Request, QueryParamReturnsFirstOccurrence) {
  Request r;
  r.query = "x=1&x=2";
  EXPECT_EQ(r.query_param("x"), "1");
}

TEST(Request, QueryParamOnEmptyQueryIsAbsent) {
  Request r;
  EXPECT_FALSE(r.query_param("a"));
  r.query = "&&";
  EXPECT_FALSE(r.query_param("a"));
}

TEST(Request, QueryParamValueMayContainEquals) {
  Request r;
  r.query = "cursor=abc==&next=1";
  EXPECT_EQ(r.query_param("cursor"), "abc==");
}

TEST(Response, SetHeaderReplacesCaseInsensitively) {
  Response res;
  res.set_header("Retry-After", "5");
  res.set_header("retry-after", "10");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.header("RETRY-AFTER"), "10");
  res.set_header("X-Other", "y");
  EXPECT_EQ(res.headers.size(), 2u);
  EXPECT_TRUE(res.header("Missing").empty());
}

TEST(Response, JsonSerializesBodyWithJsonContentType) {
  auto res = Response::json(201, boost::json::object{{"ok", true}});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(res.body), (boost::json::value(boost::json::object{{"ok", true}})));
}

TEST(Response, TextAndEmptySetContentType) {
  auto text = Response::text(200, "hello");
  EXPECT_EQ(text.body, "hello");
  EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
  auto custom = Response::text(200, "m", "text/csv");
  EXPECT_EQ(custom.content_type, "text/csv");
  auto empty = Response::empty(204);
  EXPECT_EQ(empty.status, 204);
  EXPECT_TRUE(empty.content_type.empty());
  EXPECT_TRUE(empty.body.empty());
}

}  // namespace
