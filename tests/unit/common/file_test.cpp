#include "common/file.h"

#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace brainstem;

TEST(ReadFile, ReturnsEveryByte) {
  test_support::TempDir dir;
  std::string bytes("binary\0data\r\n", 13);
  std::ofstream(dir.file("f.bin"), std::ios::binary) << bytes;
  auto read = read_file(dir.file("f.bin"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
}

TEST(ReadFile, MissingFileIsNotFoundNamingOnlyTheFile) {
  test_support::TempDir dir;
  auto read = read_file(dir.file("none.pdf"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), "cannot open none.pdf");
}

}  // namespace
