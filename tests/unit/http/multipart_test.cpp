#include "http/multipart.h"

#include <gtest/gtest.h>

namespace {

using namespace brainstem;
using namespace brainstem::http;

const char* kType = "multipart/form-data; boundary=----b0und";

TEST(Multipart, ReadsFieldsAndFilesInOrder) {
  std::string body =
      "------b0und\r\nContent-Disposition: form-data; name=\"source_id\"\r\n\r\nabc-123\r\n"
      "------b0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes; v2.md\"\r\n"
      "Content-Type: text/markdown\r\n\r\n# Title\r\n\r\nbody with --- dashes\r\n"
      "------b0und--\r\n";
  auto parts = parse_multipart_form(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "source_id");
  EXPECT_EQ((*parts)[0].data, "abc-123");
  EXPECT_TRUE((*parts)[0].filename.empty());
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "notes; v2.md");
  EXPECT_EQ((*parts)[1].content_type, "text/markdown");
  EXPECT_EQ((*parts)[1].data, "# Title\r\n\r\nbody with --- dashes");
}

TEST(Multipart, KeepsBinaryDataWhole) {
  std::string data("\x00\x01\r\n\xff--x", 8);
  std::string body = "--XY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + data +
                     "\r\n--XY--";
  auto parts = parse_multipart_form("multipart/form-data; boundary=\"XY\"", body);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].data, data);
}

TEST(Multipart, RecognisesTheContentType) {
  EXPECT_TRUE(is_multipart_form("Multipart/Form-Data; boundary=x"));
  EXPECT_FALSE(is_multipart_form("application/json"));
  EXPECT_FALSE(is_multipart_form("multipart/mixed; boundary=x"));
}

TEST(Multipart, MalformedBodiesAreInvalid) {
  auto invalid = [](std::string_view type, std::string_view body) {
    auto parts = parse_multipart_form(type, body);
    return !parts.ok() && parts.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid("multipart/form-data", "--x\r\n"));  // no boundary
  EXPECT_TRUE(invalid(kType, "no delimiter at all"));
  EXPECT_TRUE(invalid(kType, "------b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"));
  EXPECT_TRUE(invalid(kType, "------b0und\r\nContent-Disposition: form-data\r\n\r\nx\r\n------b0und--"));  // no name
  EXPECT_TRUE(invalid(kType, "------b0und\r\nno header block\r\n------b0und--"));
}

}  // namespace
