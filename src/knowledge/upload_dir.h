// Confines the file paths that ingestion requests name to the upload directory.
#pragma once

#include "common/status.h"

#include <filesystem>
#include <string_view>

namespace brainstem::knowledge {

// The regular file `requested` names inside `root`: a relative path resolves inside it, an
// absolute one must already lie in it, and after every symlink is resolved the file must still
// be inside. kPermissionDenied when it is not (`..`, a symlink out, another directory),
// kNotFound when there is no such file, kInvalidArgument when it is not a regular file.
Result<std::filesystem::path> confined_path(const std::filesystem::path& root, std::string_view requested);

}  // namespace brainstem::knowledge
