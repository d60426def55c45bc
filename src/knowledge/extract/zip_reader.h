// Internal: reads parts out of an in-memory zip archive within the size caps of
// ExtractLimits, so that a small hostile file cannot unpack into gigabytes.
#pragma once

#include "common/status.h"
#include "knowledge/extract/extractor.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct zip;

namespace brainstem::knowledge::detail {

class ZipReader {
 public:
  // `bytes` must outlive the reader; `label` names the file in messages ("DOCX").
  static Result<ZipReader> open(std::string_view bytes, const ExtractLimits& limits, std::string_view label);

  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;

  // The entry's bytes. All reads share one budget of limits.max_unpacked_bytes, checked
  // against the size the archive declares and against the bytes actually inflated.
  Result<std::string> read(std::string_view name);

 private:
  struct Closer {
    void operator()(zip* archive) const;
  };

  ZipReader(zip* archive, size_t limit, std::string_view label);
  Status too_large() const;
  Status damaged(std::string_view name) const;

  std::unique_ptr<zip, Closer> archive_;
  size_t limit_;
  size_t budget_left_;
  std::string label_;
};

}  // namespace brainstem::knowledge::detail
