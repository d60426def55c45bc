#include "common/json_body.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem;
namespace json = boost::json;

json::object parse(std::string_view text) {
  auto r = parse_json_object(text);
  if (!r) ADD_FAILURE() << "parse failed: " << r.status().message();
  return r ? std::move(r).value() : json::object{};
}

// An object whose innermost value sits `depth` containers deep (the object itself counts as one).
std::string nested(int depth) {
  std::string s = "{\"a\":";
  for (int i = 1; i < depth; ++i) s += '[';
  s += '1';
  for (int i = 1; i < depth; ++i) s += ']';
  s += '}';
  return s;
}

// ---- parse_json_object

TEST(ParseJsonObject, EmptyBodyIsRequiredByDefault) {
  auto r = parse_json_object("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("required"), std::string::npos);
}

TEST(ParseJsonObject, WhitespaceOnlyBodyCountsAsEmpty) {
  auto r = parse_json_object(" \t\r\n ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseJsonObject, EmptyBodyAllowedGivesEmptyObject) {
  auto r = parse_json_object("", true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto w = parse_json_object("  \n\t", true);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
}

TEST(ParseJsonObject, AllowEmptyStillParsesNonEmptyBody) {
  auto r = parse_json_object(R"({"k":1})", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("k").as_int64(), 1);
}

TEST(ParseJsonObject, ParsesObjectWithSurroundingWhitespace) {
  auto r = parse_json_object("  {\"name\": \"x\", \"n\": 3}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("name").as_string(), "x");
  EXPECT_EQ(r->at("n").as_int64(), 3);
}

TEST(ParseJsonObject, RejectsNonObjectValues) {
  for (const char* body : {"[1,2]", "42", "\"text\"", "null", "true"}) {
    auto r = parse_json_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(r.status().message().find("must be a JSON object"), std::string::npos) << body;
  }
}

TEST(ParseJsonObject, NonObjectIsRejectedEvenWhenEmptyAllowed) {
  EXPECT_FALSE(parse_json_object("[]", true).ok());
}

TEST(ParseJsonObject, RejectsMalformedJson) {
  for (const char* body : {"{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "{} trailing", "{\"a\":1}{}", "{/*c*/}"}) {
    auto r = parse_json_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(r.status().message().rfind("malformed JSON", 0), 0u) << body << ": " << r.status().message();
  }
}

TEST(ParseJsonObject, AcceptsNestingUpTo64) {
  EXPECT_TRUE(parse_json_object(nested(2)).ok());
  EXPECT_TRUE(parse_json_object(nested(64)).ok());
}

TEST(ParseJsonObject, RejectsNestingDeeperThan64) {
  auto r = parse_json_object(nested(65));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseJsonObject, VeryDeepNestingFailsWithoutCrashing) {
  std::string deep(200000, '[');
  auto r = parse_json_object("{\"a\":" + deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_FALSE(parse_json_object(objects).ok());
}

// ---- FieldReader

TEST(FieldReader, ReadsPresentFieldsOfEachType) {
  auto obj = parse(R"({"s":"hi","i":7,"d":2.5,"b":true,"arr":["x","y"],"o":{"k":1},"c":"red"})");
  FieldReader f(obj);
  EXPECT_EQ(f.string("s"), "hi");
  EXPECT_EQ(f.integer("i", 0, 10), 7);
  EXPECT_EQ(f.number("d", 0, 10), 2.5);
  EXPECT_EQ(f.boolean("b"), true);
  auto arr = f.string_array("arr");
  ASSERT_TRUE(arr);
  EXPECT_EQ(*arr, (std::vector<std::string>{"x", "y"}));
  const auto* o = f.object("o");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->at("k").as_int64(), 1);
  EXPECT_EQ(f.one_of("c", {"red", "green"}), "red");
  EXPECT_EQ(f.required_string("s"), "hi");
  EXPECT_TRUE(f.ok());
}

TEST(FieldReader, AbsentAndNullFieldsAreNulloptWithoutError) {
  auto obj = parse(R"({"n":null})");
  FieldReader f(obj);
  EXPECT_FALSE(f.string("missing"));
  EXPECT_FALSE(f.string("n"));
  EXPECT_FALSE(f.integer("n", 0, 1));
  EXPECT_FALSE(f.number("n", 0, 1));
  EXPECT_FALSE(f.boolean("n"));
  EXPECT_FALSE(f.string_array("n"));
  EXPECT_EQ(f.object("n"), nullptr);
  EXPECT_FALSE(f.one_of("n", {"a"}));
  EXPECT_TRUE(f.ok());
}

TEST(FieldReader, StringTypeErrorNamesField) {
  auto obj = parse(R"({"name":5})");
  FieldReader f(obj);
  EXPECT_FALSE(f.string("name"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kValidation);
  EXPECT_EQ(f.status().field(), "name");
  EXPECT_EQ(f.status().message(), "name must be a string");
}

TEST(FieldReader, IntegerTypeErrorNamesField) {
  auto obj = parse(R"({"limit":"10"})");
  FieldReader f(obj);
  EXPECT_FALSE(f.integer("limit", 0, 100));
  EXPECT_EQ(f.status().field(), "limit");
  EXPECT_EQ(f.status().message(), "limit must be an integer");
}

TEST(FieldReader, BooleanAndNumberTypeErrorsNameField) {
  auto obj = parse(R"({"flag":"true","ratio":"0.5"})");
  FieldReader a(obj);
  EXPECT_FALSE(a.boolean("flag"));
  EXPECT_EQ(a.status().field(), "flag");
  EXPECT_EQ(a.status().message(), "flag must be a boolean");
  FieldReader b(obj);
  EXPECT_FALSE(b.number("ratio", 0, 1));
  EXPECT_EQ(b.status().field(), "ratio");
  EXPECT_EQ(b.status().message(), "ratio must be a number");
}

TEST(FieldReader, ObjectTypeErrorNamesField) {
  auto obj = parse(R"({"meta":[1]})");
  FieldReader f(obj);
  EXPECT_EQ(f.object("meta"), nullptr);
  EXPECT_EQ(f.status().field(), "meta");
  EXPECT_EQ(f.status().message(), "meta must be an object");
}

TEST(FieldReader, FirstErrorWins) {
  auto obj = parse(R"({"a":1,"b":"x","c":[]})");
  FieldReader f(obj);
  f.string("a");
  f.integer("b", 0, 10);
  f.boolean("c");
  f.fail("d", "later failure");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().field(), "a");
  EXPECT_EQ(f.status().message(), "a must be a string");
}

TEST(FieldReader, LaterValidFieldsStillReadAfterAnError) {
  auto obj = parse(R"({"a":1,"b":"x"})");
  FieldReader f(obj);
  EXPECT_FALSE(f.string("a"));
  EXPECT_EQ(f.string("b"), "x");
  EXPECT_EQ(f.status().field(), "a");
}

TEST(FieldReader, StringLengthBoundsAreInclusive) {
  auto obj = parse(R"({"two":"ab"})");
  {
    FieldReader f(obj);
    EXPECT_EQ(f.string("two", 2, 2), "ab");
    EXPECT_TRUE(f.ok());
  }
  {
    FieldReader f(obj);
    EXPECT_FALSE(f.string("two", 3, 10));
    EXPECT_EQ(f.status().field(), "two");
    EXPECT_EQ(f.status().message(), "two must be 3-10 characters");
  }
  {
    FieldReader f(obj);
    EXPECT_FALSE(f.string("two", 0, 1));
    EXPECT_EQ(f.status().field(), "two");
  }
}

TEST(FieldReader, RequiredStringReportsMissingField) {
  auto obj = parse(R"({"other":"x","nul":null})");
  FieldReader f(obj);
  EXPECT_EQ(f.required_string("email"), "");
  EXPECT_EQ(f.status().field(), "email");
  EXPECT_EQ(f.status().message(), "email is required");
  FieldReader g(obj);
  g.required_string("nul");
  EXPECT_EQ(g.status().field(), "nul");
}

TEST(FieldReader, RequiredStringRejectsEmptyByDefault) {
  auto obj = parse(R"({"email":""})");
  FieldReader f(obj);
  EXPECT_EQ(f.required_string("email"), "");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().field(), "email");
}

TEST(FieldReader, IntegerRangeIsInclusive) {
  auto obj = parse(R"({"lo":1,"hi":10,"under":0,"over":11})");
  FieldReader f(obj);
  EXPECT_EQ(f.integer("lo", 1, 10), 1);
  EXPECT_EQ(f.integer("hi", 1, 10), 10);
  EXPECT_TRUE(f.ok());
  EXPECT_FALSE(f.integer("under", 1, 10));
  EXPECT_EQ(f.status().field(), "under");
  EXPECT_EQ(f.status().message(), "under must be between 1 and 10");
  FieldReader g(obj);
  EXPECT_FALSE(g.integer("over", 1, 10));
  EXPECT_EQ(g.status().field(), "over");
}

TEST(FieldReader, IntegerAcceptsWholeDoublesAndRejectsFractions) {
  auto obj = parse(R"({"whole":5.0,"frac":5.5})");
  FieldReader f(obj);
  EXPECT_EQ(f.integer("whole", 0, 10), 5);
  EXPECT_TRUE(f.ok());
  EXPECT_FALSE(f.integer("frac", 0, 10));
  EXPECT_EQ(f.status().field(), "frac");
  EXPECT_EQ(f.status().message(), "frac must be an integer");
}

TEST(FieldReader, IntegerRejectsValuesBeyondInt64) {
  auto obj = parse(R"({"big":18446744073709551615,"huge":1e300})");
  FieldReader f(obj);
  EXPECT_FALSE(f.integer("big", 0, INT64_MAX));
  EXPECT_EQ(f.status().field(), "big");
  FieldReader g(obj);
  EXPECT_FALSE(g.integer("huge", INT64_MIN, INT64_MAX));
  EXPECT_EQ(g.status().field(), "huge");
}

TEST(FieldReader, IntegerAcceptsUnsignedWithinInt64) {
  auto obj = parse(R"({"n":9223372036854775807})");
  FieldReader f(obj);
  EXPECT_EQ(f.integer("n", 0, INT64_MAX), INT64_MAX);
  EXPECT_TRUE(f.ok());
}

TEST(FieldReader, NumberAcceptsIntegersAndChecksRange) {
  auto obj = parse(R"({"t":1,"hot":2.5})");
  FieldReader f(obj);
  EXPECT_EQ(f.number("t", 0.0, 2.0), 1.0);
  EXPECT_TRUE(f.ok());
  EXPECT_FALSE(f.number("hot", 0.0, 2.0));
  EXPECT_EQ(f.status().field(), "hot");
}

TEST(FieldReader, OneOfAcceptsListedChoice) {
  auto obj = parse(R"({"role":"admin"})");
  FieldReader f(obj);
  EXPECT_EQ(f.one_of("role", {"viewer", "member", "admin"}), "admin");
  EXPECT_TRUE(f.ok());
}

TEST(FieldReader, OneOfRejectsOtherValueListingChoices) {
  auto obj = parse(R"({"role":"root"})");
  FieldReader f(obj);
  EXPECT_FALSE(f.one_of("role", {"viewer", "member"}));
  EXPECT_EQ(f.status().field(), "role");
  EXPECT_EQ(f.status().message(), "role must be one of: viewer, member");
}

TEST(FieldReader, OneOfIsCaseSensitiveAndNeedsString) {
  auto obj = parse(R"({"role":"Admin","n":1})");
  FieldReader f(obj);
  EXPECT_FALSE(f.one_of("role", {"admin"}));
  EXPECT_EQ(f.status().field(), "role");
  FieldReader g(obj);
  EXPECT_FALSE(g.one_of("n", {"1"}));
  EXPECT_EQ(g.status().message(), "n must be a string");
}

TEST(FieldReader, StringArrayRejectsNonArray) {
  auto obj = parse(R"({"scopes":"read"})");
  FieldReader f(obj);
  EXPECT_FALSE(f.string_array("scopes"));
  EXPECT_EQ(f.status().field(), "scopes");
}

TEST(FieldReader, StringArrayRejectsNonStringItems) {
  auto obj = parse(R"({"scopes":["read",2]})");
  FieldReader f(obj);
  EXPECT_FALSE(f.string_array("scopes"));
  EXPECT_EQ(f.status().field(), "scopes");
  EXPECT_EQ(f.status().message(), "scopes must contain only strings");
}

TEST(FieldReader, StringArrayEnforcesMaxItems) {
  auto obj = parse(R"({"tags":["a","b","c"]})");
  FieldReader f(obj);
  EXPECT_TRUE(f.string_array("tags", 3));
  EXPECT_TRUE(f.ok());
  EXPECT_FALSE(f.string_array("tags", 2));
  EXPECT_EQ(f.status().field(), "tags");
  EXPECT_EQ(f.status().message(), "tags must be an array of at most 2 strings");
}

TEST(FieldReader, StringArrayAcceptsEmptyArray) {
  auto obj = parse(R"({"tags":[]})");
  FieldReader f(obj);
  auto tags = f.string_array("tags");
  ASSERT_TRUE(tags);
  EXPECT_TRUE(tags->empty());
}

}  // namespace
