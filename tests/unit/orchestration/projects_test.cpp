// The project lifecycle's moves.
#include "orchestration/projects.h"

#include <gtest/gtest.h>

namespace {

using brainstem::orchestration::Projects;

TEST(ProjectLifecycle, OneStageAtATimeLiveAndPausedAndArchivedFromAnywhereButItself) {
  EXPECT_TRUE(Projects::may_move("idea", "provisioning"));
  EXPECT_TRUE(Projects::may_move("building", "provisioning")) << "one stage back";
  EXPECT_TRUE(Projects::may_move("live", "paused"));
  EXPECT_TRUE(Projects::may_move("paused", "live"));
  EXPECT_TRUE(Projects::may_move("idea", "archived"));
  EXPECT_TRUE(Projects::may_move("paused", "archived"));
  EXPECT_FALSE(Projects::may_move("idea", "building")) << "no jumping";
  EXPECT_FALSE(Projects::may_move("live", "idea"));
  EXPECT_FALSE(Projects::may_move("building", "paused")) << "only a live project pauses";
  EXPECT_FALSE(Projects::may_move("paused", "building"));
  EXPECT_FALSE(Projects::may_move("archived", "idea")) << "archived is final";
  EXPECT_FALSE(Projects::may_move("archived", "archived"));
  EXPECT_FALSE(Projects::may_move("live", "live"));
  EXPECT_FALSE(Projects::may_move("idea", "sunset"));
}

}  // namespace
