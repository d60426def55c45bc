#include "knowledge/upload_dir.h"

#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;
namespace fs = std::filesystem;

class UploadDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(dir_.file("uploads"));
    fs::create_directories(root_ / "team");
    std::ofstream(root_ / "team" / "guide.md") << "# Guide";
    std::ofstream(fs::path(dir_.file("secret.txt"))) << "secret";
  }
  test_support::TempDir dir_;
  fs::path root_;
};

TEST_F(UploadDir, RelativeAndAbsolutePathsInsideResolve) {
  auto relative = confined_path(root_, "team/guide.md");
  ASSERT_TRUE(relative.ok()) << relative.status().message();
  EXPECT_EQ(relative->filename(), "guide.md");
  EXPECT_TRUE(confined_path(root_, (root_ / "team" / "guide.md").string()).ok());
  EXPECT_TRUE(confined_path(root_, "team/../team/guide.md").ok());
}

TEST_F(UploadDir, EscapesAreRefused) {
  EXPECT_EQ(confined_path(root_, "../secret.txt").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(confined_path(root_, dir_.file("secret.txt")).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(confined_path(root_, "/etc/passwd").status().code(), StatusCode::kPermissionDenied);
  fs::create_symlink(dir_.file("secret.txt"), root_ / "link.txt");
  EXPECT_EQ(confined_path(root_, "link.txt").status().code(), StatusCode::kPermissionDenied);
  fs::create_directory_symlink(dir_.path(), root_ / "up");
  EXPECT_EQ(confined_path(root_, "up/secret.txt").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(UploadDir, MissingFilesAndDirectoriesAreTold) {
  EXPECT_EQ(confined_path(root_, "team/none.md").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(confined_path(root_, "team").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(confined_path(root_, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(confined_path(root_, ".").status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
