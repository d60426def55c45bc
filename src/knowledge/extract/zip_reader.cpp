#include "knowledge/extract/zip_reader.h"

#include <zip.h>

#include <string>


namespace brainstem::knowledge::detail {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

std::string size_text(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

void ZipReader::Closer::operator()(zip* archive) const { zip_discard(archive); }

ZipReader::ZipReader(zip* archive, size_t limit, std::string_view label)
    : archive_(archive), limit_(limit), budget_left_(limit), label_(label) {}

Result<ZipReader> ZipReader::open(std::string_view bytes, const ExtractLimits& limits, std::string_view label) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return Status::internal("cannot read the " + std::string(label) + " file's zip container");
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  zip_error_fini(&error);
  if (archive == nullptr) {
    zip_source_free(source);
    return Status::invalid("the " + std::string(label) + " file is damaged (its zip container cannot be read)");
  }
  ZipReader reader(archive, limits.max_unpacked_bytes, label);
  if (static_cast<zip_uint64_t>(zip_get_num_entries(archive, 0)) > limits.max_zip_entries) {
    return Status::invalid("the " + std::string(label) + " file holds more than " +
                           std::to_string(limits.max_zip_entries) + " parts, the limit");
  }
  return reader;
}

bool ZipReader::contains(std::string_view name) const {
  return zip_name_locate(archive_.get(), std::string(name).c_str(), 0) >= 0;
}

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> names;
  zip_int64_t count = zip_get_num_entries(archive_.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    if (const char* name = zip_get_name(archive_.get(), static_cast<zip_uint64_t>(i), 0)) names.emplace_back(name);
  }
  return names;
}

Result<std::string> ZipReader::read(std::string_view name) {
  const std::string path(name);
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(archive_.get(), path.c_str(), 0, &stat) != 0) return damaged(name);
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > budget_left_) return too_large();
  std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen(archive_.get(), path.c_str(), 0), &zip_fclose);
  if (!file) {
    int code = zip_error_code_zip(zip_get_error(archive_.get()));
    if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD) {
      return Status::invalid("the " + label_ + " file is password-protected");
    }
    return damaged(name);
  }
  std::string data;
  char chunk[kReadChunk];
  while (true) {
    zip_int64_t n = zip_fread(file.get(), chunk, sizeof chunk);
    if (n < 0) return damaged(name);
    if (n == 0) break;
    data.append(chunk, static_cast<size_t>(n));
    if (data.size() > budget_left_) return too_large();  // the archive understated the size
  }
  budget_left_ -= data.size();
  return data;
}

Status ZipReader::too_large() const {
  return Status::invalid("the " + label_ + " file unpacks to more than " + size_text(limit_) +
                         ", the limit for one document");
}

Status ZipReader::damaged(std::string_view name) const {
  return Status::invalid("the " + label_ + " file is damaged (" + std::string(name) + " cannot be unpacked)");
}

}  // namespace brainstem::knowledge::detail
