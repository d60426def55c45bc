// multipart/form-data (RFC 7578) bodies: file uploads next to plain form fields.
#pragma once

#include "common/status.h"

#include <string>
#include <string_view>
#include <vector>

namespace brainstem::http {

struct FormPart {
  std::string name;
  std::string filename;      // empty for a plain field
  std::string content_type;  // empty when the part declares none
  std::string_view data;     // points into the parsed body
};

// Whether `content_type` is multipart/form-data.
bool is_multipart_form(std::string_view content_type);

// The parts of `body`, in order. kInvalidArgument when the content type carries no boundary or
// the body does not follow it (a missing closing delimiter, a part without headers or without a
// name).
Result<std::vector<FormPart>> parse_multipart_form(std::string_view content_type, std::string_view body);

}  // namespace brainstem::http
