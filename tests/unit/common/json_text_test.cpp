#include "common/json_text.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace brainstem {
namespace {

namespace json = boost::json;

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


TEST(JsonText, WholeDoublesAreWrittenAsIntegers) {
  EXPECT_EQ(json_text(json::value(0.0)), "0");
  EXPECT_EQ(json_text(json::value(44.0)), "44");
  EXPECT_EQ(json_text(json::value(-3.0)), "-3");
  EXPECT_EQ(json_text(json::value(1e15)), "1000000000000000");
}

TEST(JsonText, FractionsAreWrittenPlainlyInTheirShortestForm) {
  EXPECT_EQ(json_text(json::value(44.273)), "44.273");
  EXPECT_EQ(json_text(json::value(0.0005)), "0.0005");
  EXPECT_EQ(json_text(json::value(-0.1)), "-0.1");
  EXPECT_EQ(json_text(json::value(0.000001)), "0.000001");
  // Far outside the range people read, the exponent comes back; the text still parses.
  EXPECT_EQ(json::parse(json_text(json::value(1e-9))).as_double(), 1e-9);
  EXPECT_EQ(json::parse(json_text(json::value(1e300))).as_double(), 1e300);
}

TEST(JsonText, NonFiniteNumbersAreNull) {
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(json_text(json::value(std::nan(""))), "null");
}

TEST(JsonText, ReadsBackAsTheSameValue) {
  const json::value value = json::parse(
      R"({"a":[1,-2,18446744073709551615,true,false,null,"q\"uote\n"],"b":{"c":0.1,"d":123456.789,"é":"ünï"},"e":[],"f":{}})");
  EXPECT_EQ(json::parse(json_text(value)), value);
  EXPECT_EQ(json_text(json::parse(R"({"x":[]})")), R"({"x":[]})");
}

}  // namespace
}  // namespace brainstem
