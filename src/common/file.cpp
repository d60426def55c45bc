#include "common/file.h"

#include <fstream>
#include <sstream>

namespace brainstem {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + path.filename().string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::internal("cannot read " + path.filename().string());
  return std::move(bytes).str();
}

}  // namespace brainstem
