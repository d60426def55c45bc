#include "common/json_text.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace brainstem {
namespace {

std::string quoted(std::string_view s) {
  std::string out = "x=";
  append_json_string(out, s);
  return out;
}

TEST(JsonText, AppendsAQuotedStringAfterWhatIsThere) {
  EXPECT_EQ(quoted(""), "x=\"\"");
  EXPECT_EQ(quoted("plain"), "x=\"plain\"");
  EXPECT_EQ(quoted("say \"hi\"\\now"), R"(x="say \"hi\"\\now")");
  EXPECT_EQ(quoted("tab\tline\n"), R"(x="tab\tline\n")");
  EXPECT_EQ(quoted("caf\xC3\xA9 \xF0\x9F\x98\x80"), "x=\"caf\xC3\xA9 \xF0\x9F\x98\x80\"") << "UTF-8 passes through";
}

TEST(JsonText, WritesWhatTheSerializerWritesForEveryByte) {
  // Each byte alone and inside text: strings with nothing to escape take a shorter way.
  for (int b = 0; b < 256; ++b) {
    const std::string s = "ab" + std::string(1, static_cast<char>(b)) + "cd";
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, boost::json::serialize(boost::json::string_view(s))) << "byte " << b;
  }
}

TEST(JsonText, EscapesEveryControlCharacterEvenWhenTheTextGrowsSixfold) {
  std::string controls;
  for (int i = 0; i < 600; ++i) controls += static_cast<char>(1 + i % 31);
  std::string out;
  append_json_string(out, controls);
  EXPECT_EQ(boost::json::parse(out).as_string(), controls);
  EXPECT_EQ(out, boost::json::serialize(boost::json::string_view(controls)));
}

}  // namespace
}  // namespace brainstem
