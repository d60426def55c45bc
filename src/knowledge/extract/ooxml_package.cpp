#include "knowledge/extract/ooxml_package.h"

#include "knowledge/extract/extractors.h"
#include "knowledge/extract/text_util.h"
#include "knowledge/extract/xml_reader.h"

namespace brainstem::knowledge::detail {

namespace {

// Office writes password-protected files, and the pre-2007 formats, as OLE compound files.
constexpr std::string_view kCompoundFileMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
constexpr std::string_view kCorePart = "docProps/core.xml";

struct MainPart {
  Format format;
  std::string_view part;
};

constexpr MainPart kMainParts[] = {
    {Format::kDocx, "word/document.xml"},
    {Format::kPptx, "ppt/presentation.xml"},
    {Format::kXlsx, "xl/workbook.xml"},
};

std::optional<Format> kind_of(const ZipReader& package) {
  for (const auto& main : kMainParts) {
    if (package.contains(main.part)) return main.format;
  }
  return std::nullopt;
}

std::string the(Format format) { return "the " + std::string(display_name(format)) + " file"; }

}  // namespace

std::optional<Format> ooxml_kind(std::string_view bytes) {
  auto package = ZipReader::open(bytes, {}, "zip");
  return package.ok() ? kind_of(*package) : std::nullopt;
}

Result<ZipReader> open_ooxml(std::string_view bytes, Format format, const ExtractLimits& limits) {
  if (bytes.starts_with(kCompoundFileMagic)) {
    return Status::invalid(the(format) + " is password-protected or in the older binary Office format; save it as ." +
                           std::string(format_name(format)) + " without a password");
  }
  auto package = ZipReader::open(bytes, limits, display_name(format));
  if (!package.ok()) return package;
  auto kind = kind_of(*package);
  if (kind == format) return package;
  if (kind) {
    return Status::invalid("the file is a " + std::string(display_name(*kind)) + " document, not " +
                           std::string(display_name(format)));
  }
  return Status::invalid("the file is not a " + std::string(display_name(format)) + " document");
}

Result<std::string> ooxml_title(ZipReader& package) {
  if (!package.contains(kCorePart)) return std::string();
  auto xml = package.read(kCorePart);
  if (!xml.ok()) return xml.status();
  XmlReader reader(*xml);
  while (reader.next()) {
    if (reader.at_start("title")) return collapse_whitespace(reader.text());
  }
  return std::string();  // metadata is optional: a damaged core.xml only costs the title
}

Status damaged_part(Format format, std::string_view part) {
  return Status::invalid(the(format) + " is damaged (" + std::string(part) + " is not well-formed XML)");
}

}  // namespace brainstem::knowledge::detail
