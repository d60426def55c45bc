// Internal: what DOCX, PPTX and XLSX share, the zip package and its metadata.
#pragma once

#include "common/status.h"
#include "knowledge/extract/extractor.h"
#include "knowledge/extract/zip_reader.h"

#include <optional>
#include <string>
#include <string_view>

namespace brainstem::knowledge::detail {

// Which OOXML format a zip archive holds, by its main part; nullopt when none.
std::optional<Format> ooxml_kind(std::string_view bytes);

// The package of a `format` file, checked to be one.
Result<ZipReader> open_ooxml(std::string_view bytes, Format format, const ExtractLimits& limits);

// dc:title from docProps/core.xml; empty when there is none.
Result<std::string> ooxml_title(ZipReader& package);

// The error for a part that is not well-formed XML.
Status damaged_part(Format format, std::string_view part);

}  // namespace brainstem::knowledge::detail
