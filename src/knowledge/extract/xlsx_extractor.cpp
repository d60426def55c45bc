// XLSX: each worksheet as a heading with its name and Markdown table blocks of its cells,
// page = the sheet's position in the workbook. Cells show their stored values: numbers as
// numbers (a date is a serial number), formulas as their last computed result.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/ooxml_package.h"
#include "knowledge/extract/text_util.h"
#include "knowledge/extract/xml_reader.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>

namespace brainstem::knowledge::detail {

namespace {

constexpr std::string_view kWorkbookPart = "xl/workbook.xml";
constexpr std::string_view kWorkbookRelsPart = "xl/_rels/workbook.xml.rels";
constexpr std::string_view kSharedStringsPart = "xl/sharedStrings.xml";
constexpr size_t kMaxColumns = 16384;  // Excel's own limit, column XFD

struct Sheet {
  std::string name;
  std::string part;
};

struct Cell {
  size_t column = 0;
  std::string type;   // t="s" shared string, "b" boolean, "inlineStr", "str", "e"; else a number
  std::string value;  // <v> or the inline string
};

// Relationship id → part name, from a .rels part; targets are relative to xl/.
Result<std::map<std::string, std::string>> workbook_relationships(ZipReader& package) {
  std::map<std::string, std::string> targets;
  if (!package.contains(kWorkbookRelsPart)) return targets;
  auto xml = package.read(kWorkbookRelsPart);
  if (!xml.ok()) return xml.status();
  XmlReader reader(*xml);
  while (reader.next()) {
    if (!reader.at_start("Relationship")) continue;
    std::string target = reader.attribute("Target");
    targets[reader.attribute("Id")] = target.starts_with('/') ? target.substr(1) : "xl/" + target;
  }
  if (!reader.ok()) return damaged_part(Format::kXlsx, kWorkbookRelsPart);
  return targets;
}

Result<std::vector<Sheet>> read_sheets(ZipReader& package) {
  auto targets = workbook_relationships(package);
  if (!targets.ok()) return targets.status();
  auto xml = package.read(kWorkbookPart);
  if (!xml.ok()) return xml.status();
  std::vector<Sheet> sheets;
  XmlReader reader(*xml);
  while (reader.next()) {
    if (!reader.at_start("sheet")) continue;
    auto target = targets->find(reader.attribute("id"));
    std::string part = target != targets->end() ? target->second
                                                : "xl/worksheets/sheet" + std::to_string(sheets.size() + 1) + ".xml";
    sheets.push_back({reader.attribute("name"), std::move(part)});
  }
  if (!reader.ok()) return damaged_part(Format::kXlsx, kWorkbookPart);
  return sheets;
}

Result<std::vector<std::string>> read_shared_strings(ZipReader& package) {
  std::vector<std::string> strings;
  if (!package.contains(kSharedStringsPart)) return strings;
  auto xml = package.read(kSharedStringsPart);
  if (!xml.ok()) return xml.status();
  XmlReader reader(*xml);
  std::string text;
  while (reader.next()) {
    if (reader.at_start("rPh")) {  // a phonetic reading, repeating the text in kana
      reader.skip_element();
      continue;
    }
    if (reader.at_start("si")) text.clear();
    if (reader.at_start("t")) text += reader.text();
    if (reader.at_end("si")) strings.push_back(std::move(text));
  }
  if (!reader.ok()) return damaged_part(Format::kXlsx, kSharedStringsPart);
  return strings;
}

// The 0-based column of a cell reference ("C7" → 2); nullopt when it is not one.
std::optional<size_t> column_of(std::string_view reference) {
  size_t column = 0;
  size_t letters = 0;
  while (letters < reference.size() && reference[letters] >= 'A' && reference[letters] <= 'Z') {
    column = column * 26 + static_cast<size_t>(reference[letters] - 'A' + 1);
    if (column > kMaxColumns) return std::nullopt;
    ++letters;
  }
  if (letters == 0) return std::nullopt;
  return column - 1;
}

// "0.30000000000000004" → "0.3": the shortest text that reads back as the same number.
std::string number_text(const std::string& stored) {
  double number = 0;
  auto parsed = std::from_chars(stored.data(), stored.data() + stored.size(), number);
  if (parsed.ec != std::errc() || parsed.ptr != stored.data() + stored.size()) return stored;
  char buffer[32];
  auto written = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(buffer, written.ptr);
}

std::string cell_text(const Cell& cell, const std::vector<std::string>& shared_strings) {
  if (cell.type == "s") {
    size_t index = 0;
    auto parsed = std::from_chars(cell.value.data(), cell.value.data() + cell.value.size(), index);
    return parsed.ec == std::errc() && index < shared_strings.size() ? shared_strings[index] : std::string();
  }
  if (cell.type == "b") return cell.value == "1" ? "TRUE" : "FALSE";
  if (cell.type == "inlineStr" || cell.type == "str" || cell.type == "e") return cell.value;
  return number_text(cell.value);
}

Result<TableRows> read_rows(ZipReader& package, const std::string& part,
                            const std::vector<std::string>& shared_strings) {
  auto xml = package.read(part);
  if (!xml.ok()) return xml.status();
  TableRows rows;
  Cell cell;
  XmlReader reader(*xml);
  while (reader.next()) {
    if (reader.at_start("row")) rows.emplace_back();
    if (reader.at_start("c") && !rows.empty()) {
      cell = {column_of(reader.attribute("r")).value_or(rows.back().size()), reader.attribute("t"), {}};
    }
    if (reader.at_start("v") || reader.at_start("is")) cell.value = reader.text();
    if (reader.at_end("c") && !rows.empty()) {
      auto& row = rows.back();
      if (row.size() <= cell.column) row.resize(cell.column + 1);
      row[cell.column] = cell_text(cell, shared_strings);
    }
  }
  if (!reader.ok()) return damaged_part(Format::kXlsx, part);
  return rows;
}

}  // namespace

Result<Document> extract_xlsx(std::string_view bytes, const ExtractLimits& limits) {
  auto package = open_ooxml(bytes, Format::kXlsx, limits);
  if (!package.ok()) return package.status();
  auto sheets = read_sheets(*package);
  if (!sheets.ok()) return sheets.status();
  auto shared_strings = read_shared_strings(*package);
  if (!shared_strings.ok()) return shared_strings.status();
  auto title = ooxml_title(*package);
  if (!title.ok()) return title.status();
  Document document{std::move(*title), {}};
  for (size_t i = 0; i < sheets->size(); ++i) {
    const Sheet& sheet = (*sheets)[i];
    if (!package->contains(sheet.part)) continue;  // a dangling entry in a damaged workbook
    auto rows = read_rows(*package, sheet.part, *shared_strings);
    if (!rows.ok()) return rows.status();
    int page = static_cast<int>(i + 1);
    std::vector<Block> tables;
    append_table_blocks(std::move(*rows), page, tables);
    if (tables.empty()) continue;
    if (std::string name = collapse_whitespace(sheet.name); !name.empty()) {
      document.blocks.push_back({Block::Kind::kHeading, 2, std::move(name), page});
    }
    std::move(tables.begin(), tables.end(), std::back_inserter(document.blocks));
  }
  return document;
}

}  // namespace brainstem::knowledge::detail
