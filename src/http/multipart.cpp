#include "http/multipart.h"

#include <algorithm>
#include <cctype>

namespace brainstem::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a header value such as `form-data; name="file"; filename="a.pdf"`.
std::string parameter(std::string_view value, std::string_view name) {
  size_t i = value.find(';');
  while (i != std::string_view::npos) {
    size_t eq = value.find('=', i + 1);
    if (eq == std::string_view::npos) return {};
    std::string_view key = trim(value.substr(i + 1, eq - i - 1));
    size_t j = eq + 1;
    while (j < value.size() && value[j] == ' ') ++j;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j];
      }
    } else {
      size_t end = std::min(value.find(';', j), value.size());
      v = std::string(trim(value.substr(j, end - j)));
      j = end;
    }
    if (iequals(key, name)) return v;
    i = value.find(';', j);
  }
  return {};
}

Status malformed(const std::string& why) { return Status::invalid("malformed multipart body: " + why); }

Result<FormPart> parse_part(std::string_view part) {
  size_t headers_end = part.find("\r\n\r\n");
  if (headers_end == std::string_view::npos) return malformed("a part has no header block");
  FormPart out;
  std::string_view headers = part.substr(0, headers_end);
  out.data = part.substr(headers_end + 4);
  while (!headers.empty()) {
    size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(key, "content-disposition")) {
      out.name = parameter(value, "name");
      out.filename = parameter(value, "filename");
    } else if (iequals(key, "content-type")) {
      out.content_type = std::string(value);
    }
  }
  if (out.name.empty()) return malformed("a part has no name");
  return out;
}

}  // namespace

bool is_multipart_form(std::string_view content_type) {
  size_t semi = content_type.find(';');
  return iequals(trim(content_type.substr(0, semi)), "multipart/form-data");
}

Result<std::vector<FormPart>> parse_multipart_form(std::string_view content_type, std::string_view body) {
  std::string boundary = parameter(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) return malformed("the content type has no usable boundary");
  const std::string delimiter = "--" + boundary;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return malformed("the boundary never appears");
  std::vector<FormPart> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return malformed("a delimiter is not followed by a line break");
    pos += 2;
    size_t next = body.find("\r\n" + delimiter, pos);
    if (next == std::string_view::npos) return malformed("the closing delimiter is missing");
    auto part = parse_part(body.substr(pos, next - pos));
    if (!part.ok()) return part.status();
    parts.push_back(std::move(*part));
    pos = next + 2;
  }
}

}  // namespace brainstem::http
