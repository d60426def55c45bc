// DOCX: the paragraphs and tables of word/document.xml in order. Headings are known by
// paragraph style; localised Word versions give the style a translated id but keep the
// built-in name ("heading 1") in word/styles.xml, so the names are read from there.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/ooxml_package.h"
#include "knowledge/extract/text_util.h"
#include "knowledge/extract/xml_reader.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace brainstem::knowledge::detail {

namespace {

constexpr std::string_view kDocumentPart = "word/document.xml";
constexpr std::string_view kStylesPart = "word/styles.xml";

using HeadingStyles = std::map<std::string, int>;  // style id → heading level

// "heading 2", "Heading2" → 2; "Title" → 1; any other style → 0.
int heading_level_of(std::string_view style_name) {
  std::string key;
  for (char c : style_name) {
    if (c != ' ') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (key == "title") return 1;
  if (key.size() == 8 && key.starts_with("heading") && key[7] >= '1' && key[7] <= '9') return std::min(key[7] - '0', 6);
  return 0;
}

Result<HeadingStyles> read_heading_styles(ZipReader& package) {
  HeadingStyles styles;
  if (!package.contains(kStylesPart)) return styles;
  auto xml = package.read(kStylesPart);
  if (!xml.ok()) return xml.status();
  XmlReader reader(*xml);
  std::string style_id;
  while (reader.next()) {
    if (reader.at_start("style")) style_id = reader.attribute("styleId");
    if (reader.at_start("name") && !style_id.empty()) {
      if (int level = heading_level_of(reader.attribute("val"))) styles[style_id] = level;
    }
  }
  if (!reader.ok()) return damaged_part(Format::kDocx, kStylesPart);
  return styles;
}

struct Paragraph {
  std::string text;
  std::string style;
  bool numbered = false;
};

class BodyReader {
 public:
  explicit BodyReader(const HeadingStyles& heading_styles) : heading_styles_(heading_styles) {}

  void read(XmlReader& reader) {
    // mc:AlternateContent says the same thing twice; the fallback copy is skipped.
    if (reader.at_start("Fallback")) {
      reader.skip_element();
      return;
    }
    if (reader.at_start("p")) paragraphs_.emplace_back();
    if (reader.at_start("tbl")) tables_.emplace_back();
    if (reader.at_start("tr") && !tables_.empty()) tables_.back().emplace_back();
    if (reader.at_start("tc") && !tables_.empty() && !tables_.back().empty()) tables_.back().back().emplace_back();
    if (!paragraphs_.empty()) read_paragraph_part(reader, paragraphs_.back());
    if (reader.at_end("p") && !paragraphs_.empty()) end_paragraph();
    if (reader.at_end("tbl") && !tables_.empty()) end_table();
  }

  std::vector<Block> take_blocks() { return std::move(blocks_); }

 private:
  static void read_paragraph_part(XmlReader& reader, Paragraph& paragraph) {
    if (reader.at_start("pStyle")) paragraph.style = reader.attribute("val");
    if (reader.at_start("numPr")) paragraph.numbered = true;
    if (reader.at_start("t")) paragraph.text += reader.text();
    if (reader.at_start("tab") || reader.at_start("br") || reader.at_start("cr")) paragraph.text += ' ';
  }

  // The cell now being read, or nullptr outside tables.
  std::string* current_cell() {
    if (tables_.empty() || tables_.back().empty() || tables_.back().back().empty()) return nullptr;
    return &tables_.back().back().back();
  }

  static void append_to_cell(std::string& cell, std::string_view text) {
    if (!cell.empty()) cell += ' ';
    cell += text;
  }

  void end_paragraph() {
    Paragraph paragraph = std::move(paragraphs_.back());
    paragraphs_.pop_back();
    std::string text = collapse_whitespace(paragraph.text);
    if (text.empty()) return;
    if (std::string* cell = current_cell()) {
      append_to_cell(*cell, text);
      return;
    }
    auto style = heading_styles_.find(paragraph.style);
    int level = style != heading_styles_.end() ? style->second : heading_level_of(paragraph.style);
    if (level > 0) {
      blocks_.push_back({Block::Kind::kHeading, level, std::move(text)});
    } else {
      blocks_.push_back({paragraph.numbered ? Block::Kind::kListItem : Block::Kind::kParagraph, 0, std::move(text)});
    }
  }

  void end_table() {
    TableRows rows = std::move(tables_.back());
    tables_.pop_back();
    std::string* cell = current_cell();
    if (cell == nullptr) {
      append_table_blocks(std::move(rows), 0, blocks_);
      return;
    }
    // A table nested in a cell is flattened into that cell's text.
    for (const auto& row : rows) {
      for (const auto& text : row) append_to_cell(*cell, text);
    }
  }

  const HeadingStyles& heading_styles_;
  std::vector<Paragraph> paragraphs_;  // a stack: text boxes hold paragraphs inside a paragraph
  std::vector<TableRows> tables_;      // a stack: tables nest in table cells
  std::vector<Block> blocks_;
};

}  // namespace

Result<Document> extract_docx(std::string_view bytes, const ExtractLimits& limits) {
  auto package = open_ooxml(bytes, Format::kDocx, limits);
  if (!package.ok()) return package.status();
  auto heading_styles = read_heading_styles(*package);
  if (!heading_styles.ok()) return heading_styles.status();
  auto xml = package->read(kDocumentPart);
  if (!xml.ok()) return xml.status();
  BodyReader body(*heading_styles);
  XmlReader reader(*xml);
  while (reader.next()) body.read(reader);
  if (!reader.ok()) return damaged_part(Format::kDocx, kDocumentPart);
  auto title = ooxml_title(*package);
  if (!title.ok()) return title.status();
  return Document{std::move(*title), body.take_blocks()};
}

}  // namespace brainstem::knowledge::detail
