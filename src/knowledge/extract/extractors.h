// Internal: one entry point per format, called by extract_document once it has checked
// what all formats share (UTF-8 for the text formats, an empty result afterwards).
#pragma once

#include "common/status.h"
#include "knowledge/document.h"
#include "knowledge/extract/extractor.h"

#include <string_view>

namespace brainstem::knowledge::detail {

// The format as users know it, for messages: "PDF", "Markdown", ...
std::string_view display_name(Format format);

// The text formats take valid UTF-8 without a byte order mark.
Document extract_text(std::string_view text);
Document extract_markdown(std::string_view text);
Document extract_csv(std::string_view text);
Result<Document> extract_html(std::string_view text);

Result<Document> extract_pdf(std::string_view bytes, const ExtractLimits& limits);
Result<Document> extract_docx(std::string_view bytes, const ExtractLimits& limits);
Result<Document> extract_pptx(std::string_view bytes, const ExtractLimits& limits);
Result<Document> extract_xlsx(std::string_view bytes, const ExtractLimits& limits);

}  // namespace brainstem::knowledge::detail
