// Whole-file reads (uploads named by path, files the CLI sends).
#pragma once

#include "common/status.h"

#include <filesystem>
#include <string>

namespace brainstem {

// The file's bytes. kNotFound when it cannot be opened, kInternal when reading it fails.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace brainstem
