#include "knowledge/upload_dir.h"

namespace brainstem::knowledge {

namespace fs = std::filesystem;

Result<fs::path> confined_path(const fs::path& root, std::string_view requested) {
  if (requested.empty() || requested.find('\0') != std::string_view::npos) return Status::invalid("file_path is empty");
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return Status::not_found("the upload directory does not exist");
  fs::path path(requested);
  fs::path candidate = path.is_absolute() ? path : base / path;
  fs::path resolved = fs::weakly_canonical(candidate, ec);
  if (ec) return Status::not_found("file not found: " + std::string(requested));
  auto [root_end, ignored] = std::mismatch(base.begin(), base.end(), resolved.begin(), resolved.end());
  if (root_end != base.end() || resolved == base) {
    return Status::forbidden("file_path must name a file inside the upload directory");
  }
  if (!fs::exists(resolved, ec)) return Status::not_found("file not found: " + std::string(requested));
  if (!fs::is_regular_file(resolved, ec)) return Status::invalid("file_path does not name a regular file");
  return resolved;
}

}  // namespace brainstem::knowledge
