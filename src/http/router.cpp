#include "http/router.h"

namespace brainstem::http {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segs;
  segs.reserve(8);  // one allocation for the paths routes have
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) segs.push_back(path.substr(i, j - i));
    i = j;
  }
  return segs;
}

}  // namespace brainstem::http
