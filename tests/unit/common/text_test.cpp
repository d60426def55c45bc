#include "common/text.h"

#include <gtest/gtest.h>

namespace brainstem {
namespace {

TEST(TextTest, AsciiLowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Hello, WORLD 42!"), "hello, world 42!");
  EXPECT_EQ(ascii_lower(""), "");
  EXPECT_EQ(ascii_lower("ÄÖÜ Straße"), "ÄÖÜ straße") << "UTF-8 bytes are left alone";
  EXPECT_EQ(ascii_lower("@[`{"), "@[`{") << "the neighbours of A-Z and a-z stay";
}

}  // namespace
}  // namespace brainstem
