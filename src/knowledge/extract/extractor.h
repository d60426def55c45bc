// Extractors: turn an uploaded or fetched file into a Document (knowledge/document.h).
// Every format is untrusted input: damaged, hostile or empty files come back as
// kInvalidArgument with a message meant for the user who supplied the file.
#pragma once

#include "common/status.h"
#include "knowledge/document.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace brainstem::knowledge {

enum class Format { kText, kMarkdown, kHtml, kCsv, kPdf, kDocx, kPptx, kXlsx };

// "text", "markdown", "html", "csv", "pdf", "docx", "pptx", "xlsx".
std::string_view format_name(Format format);

// The format a file name ("a.PDF"), an extension ("pdf", ".md") or a content type
// ("text/html; charset=utf-8") stands for; nullopt when it names none we read.
std::optional<Format> format_from_name(std::string_view name);

// The format the bytes really are: magic bytes win over the hint (%PDF-, a zip holding
// word/document.xml, ppt/presentation.xml or xl/workbook.xml, "<html" or "<!doctype html"),
// else the hint, else text.
Format sniff_format(std::string_view bytes, std::optional<Format> hint);

struct ExtractLimits {
  size_t max_unpacked_bytes = 128 << 20;  // all parts read from a zip container, together
  size_t max_zip_entries = 10000;
  int max_pages = 5000;
};

// Reads `bytes` as `format`. kInvalidArgument for a damaged, truncated, encrypted or
// mislabelled file, a zip bomb, text that is not UTF-8, or a file with no text in it;
// kInternal for an unexpected failure. Never throws.
Result<Document> extract_document(std::string_view bytes, Format format, const ExtractLimits& limits = {});

}  // namespace brainstem::knowledge
