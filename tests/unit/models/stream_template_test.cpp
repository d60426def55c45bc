#include "models/stream_template.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace brainstem::models {
namespace {

namespace json = boost::json;

std::string text_at(std::string_view event, std::optional<TextSpan> span) {
  return span ? std::string(event.substr(span->first, span->second - span->first)) : "<none>";
}

TEST(RawStringAt, FindsAStringThatLiesInTheTextAsItIs) {
  const std::string_view e = R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})";
  EXPECT_EQ(text_at(e, raw_string_at(e, {"delta", "text"})), "Hello");
  EXPECT_EQ(text_at(e, raw_string_at(e, {"type"})), "content_block_delta");
  EXPECT_EQ(text_at(e, raw_string_at(e, {"delta", "type"})), "text_delta");
}

TEST(RawStringAt, AnswersNothingForEscapedMissingOrOtherValues) {
  auto at = [](std::string_view e) { return text_at(e, raw_string_at(e, {"delta", "text"})); };
  EXPECT_EQ(at(R"({"delta":{"text":"line\nbreak"}})"), "<none>") << "escaped";
  EXPECT_EQ(at(R"({"delta":{"text":7}})"), "<none>") << "not a string";
  EXPECT_EQ(at(R"({"delta":{"text":{"text":"x"}}})"), "<none>") << "an object";
  EXPECT_EQ(at(R"({"delta":[{"text":"x"}]})"), "<none>") << "arrays are not followed";
  EXPECT_EQ(at(R"({"other":{"text":"x"}})"), "<none>") << "another path";
  EXPECT_EQ(at(R"({"text":"x"})"), "<none>") << "a shorter path";
  EXPECT_EQ(at(R"({"delta":{"text":"x"}})"
               " trailing"),
            "<none>");
  EXPECT_EQ(at(R"({"delta":{"text":"x")"), "<none>") << "cut short";
  EXPECT_EQ(at(R"(["delta"])"), "<none>");
}

TEST(RawStringAt, TakesTheLastOfSameNamedMembersAsAParsedObjectDoes) {
  auto at = [](std::string_view e) { return text_at(e, raw_string_at(e, {"delta", "text"})); };
  EXPECT_EQ(at(R"({"delta":{"text":"first","text":"last"}})"), "last");
  EXPECT_EQ(at(R"({"delta":{"text":"first","text":"esc\taped"}})"), "<none>");
  EXPECT_EQ(at(R"({"delta":{"text":"esc\taped","text":"plain"}})"), "plain");
  EXPECT_EQ(at(R"({"delta":{"text":"plain","text":null}})"), "<none>");
}

TEST(TextTemplate, MatchesTheTemplateWithOtherPlainText) {
  const std::string first = R"({"index":0,"delta":{"text":"Hello"}})";
  TextTemplate t;
  EXPECT_FALSE(t.match(first)) << "no template yet";
  t.set(first, *raw_string_at(first, {"delta", "text"}));
  EXPECT_EQ(t.match(R"({"index":0,"delta":{"text":", world"}})"), ", world");
  EXPECT_EQ(t.match(R"({"index":0,"delta":{"text":""}})"), "");
  EXPECT_FALSE(t.match(R"({"index":1,"delta":{"text":"x"}})")) << "another index";
  EXPECT_FALSE(t.match(R"({"index":0,"delta":{"text":"a\nb"}})")) << "escaped";
  EXPECT_FALSE(t.match(R"({"index":0,"delta":{"text":"caf)" "\xC3\xA9" R"("}})")) << "beyond ASCII";
  EXPECT_FALSE(t.match(R"({"index":0,"delta":{"text":"x","more":"y"}})")) << "a quote in what would be the text";
  t.clear();
  EXPECT_FALSE(t.match(first));
}

// What a parsed event says of its text delta, as the Anthropic decoder reads it.
struct Parsed {
  bool ok = false;
  std::string type, kind, text;
};
Parsed parse(std::string_view event) {
  boost::system::error_code ec;
  json::value v = json::parse(event, ec);
  Parsed p;
  if (ec || !v.is_object()) return p;
  p.ok = true;
  const auto& o = v.as_object();
  if (auto* t = o.if_contains("type"); t && t->is_string()) p.type = t->as_string();
  if (auto* d = o.if_contains("delta"); d && d->is_object()) {
    if (auto* k = d->as_object().if_contains("type"); k && k->is_string()) p.kind = k->as_string();
    if (auto* x = d->as_object().if_contains("text"); x && x->is_string()) p.text = x->as_string();
  }
  return p;
}

TEST(TextTemplate, WhatItMatchesIsWhatTheParserReads) {
  const std::vector<std::string> texts = {"", "Hello", " world", "9am", "caf\xC3\xA9", R"(say \"hi\")", R"(a\nb)", R"(\\)",
                                          "x\"y", "\x01", "}", R"(","type":"other)"};
  const std::vector<std::string> shapes = {
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"@"}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"@"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"@"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"first","text":"@"}})",
      R"({"type":"message_delta","delta":{"stop_reason":"@"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"@"}} x)",
  };
  std::mt19937 rng(1130);
  TextTemplate t;
  std::string template_type, template_kind;
  int matched = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string event = shapes[rng() % shapes.size()];
    event.replace(event.find('@'), 1, texts[rng() % texts.size()]);
    const Parsed p = parse(event);
    if (auto text = t.match(event)) {
      ++matched;
      ASSERT_TRUE(p.ok) << event;
      ASSERT_EQ(p.type, template_type) << event;
      ASSERT_EQ(p.kind, template_kind) << event;
      ASSERT_EQ(p.text, *text) << event;
      continue;
    }
    // As the decoder does: a parsed text delta whose text lies in it as it is becomes the template.
    if (p.ok && p.type == "content_block_delta" && p.kind == "text_delta") {
      if (auto at = raw_string_at(event, {"delta", "text"})) {
        t.set(event, *at);
        template_type = p.type;
        template_kind = p.kind;
        ASSERT_EQ(text_at(event, at), p.text) << event;
      }
    }
  }
  EXPECT_GT(matched, 1000);
}

}  // namespace
}  // namespace brainstem::models
