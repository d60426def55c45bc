#include "knowledge/extract/extractor.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace brainstem;
using namespace brainstem::knowledge;

// ---- Fixture files, made here with the real libraries ----

cairo_status_t append_to_string(void* out, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// A PDF with one page per entry, each line of text 15pt below the last; "" leaves a gap.
std::string make_pdf(const std::vector<std::vector<std::string>>& pages, const char* title = nullptr) {
  std::string pdf;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append_to_string, &pdf, 595, 842);
  if (title != nullptr) cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_t* cr = cairo_create(surface);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  for (const auto& lines : pages) {
    double y = 72;
    for (const auto& line : lines) {
      cairo_move_to(cr, 72, y);
      cairo_show_text(cr, line.c_str());
      y += 15;
    }
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return pdf;
}

class ZipBuilder {
 public:
  ZipBuilder& add(std::string name, std::string content) {
    entries_.emplace_back(std::move(name), std::move(content));
    return *this;
  }

  std::string build() const {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    zip_source_keep(buffer);
    zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    for (const auto& [name, content] : entries_) {
      zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
      zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
    }
    zip_close(archive);
    zip_source_open(buffer);
    zip_source_seek(buffer, 0, SEEK_END);
    std::string bytes(static_cast<size_t>(zip_source_tell(buffer)), '\0');
    zip_source_seek(buffer, 0, SEEK_SET);
    zip_source_read(buffer, bytes.data(), bytes.size());
    zip_source_close(buffer);
    zip_source_free(buffer);
    zip_error_fini(&error);
    return bytes;
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

void put_u32(std::string& bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

// Makes the archive claim `size` as the entry's unpacked size, in both headers.
void understate_size(std::string& zip, const std::string& name, uint32_t size) {
  for (size_t at = zip.find("PK\x03\x04"); at != std::string::npos; at = zip.find("PK\x03\x04", at + 1)) {
    if (zip.compare(at + 30, name.size(), name) == 0) put_u32(zip, at + 22, size);
  }
  for (size_t at = zip.find("PK\x01\x02"); at != std::string::npos; at = zip.find("PK\x01\x02", at + 1)) {
    if (zip.compare(at + 46, name.size(), name) == 0) put_u32(zip, at + 24, size);
  }
}

constexpr const char* kWordNs = R"(xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main")";
constexpr const char* kDrawingNs =
    R"(xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main")";
constexpr const char* kSheetNs = R"(xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")";
constexpr const char* kRelNs = R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";

std::string word_paragraph(const std::string& text, const std::string& style = "", bool numbered = false) {
  std::string properties;
  if (!style.empty()) properties += R"(<w:pStyle w:val=")" + style + R"("/>)";
  if (numbered) properties += R"(<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>)";
  return "<w:p><w:pPr>" + properties + R"(</w:pPr><w:r><w:t xml:space="preserve">)" + text + "</w:t></w:r></w:p>";
}

std::string word_document(const std::string& body) {
  return std::string(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document )") + kWordNs + "><w:body>" +
         body + "</w:body></w:document>";
}

std::string core_properties(const std::string& title) {
  return R"(<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" )"
         R"(xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>)" +
         title + "</dc:title></cp:coreProperties>";
}

std::string make_docx() {
  // A German Word names the style "berschrift1" and keeps "heading 1" as its name.
  std::string styles = std::string("<w:styles ") + kWordNs +
                       R"(><w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>)"
                       R"(<w:style w:type="paragraph" w:styleId="Listenabsatz"><w:name w:val="List Paragraph"/></w:style>)"
                       "</w:styles>";
  std::string table =
      "<w:tbl><w:tr><w:tc>" + word_paragraph("Item") + "</w:tc><w:tc>" + word_paragraph("Cost") +
      "</w:tc></w:tr><w:tr><w:tc>" + word_paragraph("Servers") + "</w:tc><w:tc>" + word_paragraph("1,200") +
      "</w:tc></w:tr></w:tbl>";
  std::string body = word_paragraph("Annual Plan", "Title") + word_paragraph("Goals", "berschrift1") +
                     R"(<w:p><w:r><w:t xml:space="preserve">Ship the </w:t></w:r><w:r><w:t>extractor.</w:t></w:r></w:p>)" +
                     word_paragraph("First item", "Listenabsatz", true) +
                     word_paragraph("Second item", "Listenabsatz", true) + word_paragraph("Budget", "Heading2") + table +
                     "<w:p/>";
  return ZipBuilder()
      .add("[Content_Types].xml", "<Types/>")
      .add("word/document.xml", word_document(body))
      .add("word/styles.xml", styles)
      .add("docProps/core.xml", core_properties("Plan 2025"))
      .build();
}

std::string slide(const std::string& title_type, const std::string& title, const std::vector<std::string>& body) {
  std::string paragraphs;
  for (const auto& text : body) paragraphs += "<a:p><a:r><a:t>" + text + "</a:t></a:r></a:p>";
  return std::string("<p:sld ") + kDrawingNs + "><p:cSld><p:spTree>" +
         R"(<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr/><p:nvPr><p:ph type=")" + title_type +
         R"("/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>)" + title + "</a:t></a:r></a:p></p:txBody></p:sp>" +
         R"(<p:sp><p:nvSpPr><p:cNvPr id="3" name="Body"/><p:cNvSpPr/><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr>)"
         "<p:txBody>" +
         paragraphs + "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
}

std::string make_pptx() {
  return ZipBuilder()  // slide 2 first: the order in the zip must not matter
      .add("ppt/presentation.xml", std::string("<p:presentation ") + kDrawingNs + "/>")
      .add("ppt/slides/slide2.xml", slide("ctrTitle", "Results", {"Revenue up 10%"}))
      .add("ppt/slides/slide1.xml", slide("title", "Welcome", {"Agenda item one", "Agenda &amp; notes"}))
      .build();
}

std::string make_xlsx() {
  std::string workbook = std::string("<workbook ") + kSheetNs + " " + kRelNs +
                         R"(><sheets><sheet name="Costs" sheetId="1" r:id="rId1"/><sheet name="Empty" sheetId="2" r:id="rId2"/>)"
                         R"(<sheet name="Notes" sheetId="3" r:id="rId3"/></sheets></workbook>)";
  std::string rels =
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>)"
      R"(<Relationship Id="rId2" Type="worksheet" Target="worksheets/sheet2.xml"/>)"
      R"(<Relationship Id="rId3" Type="worksheet" Target="/xl/worksheets/notes.xml"/></Relationships>)";
  std::string shared = std::string("<sst ") + kSheetNs +
                       R"(><si><t>Item</t></si><si><t>Cost</t></si><si><r><t>Ser</t></r><r><t>vers</t></r></si>)"
                       R"(<si><t>Disks</t><rPh sb="0" eb="1"><t>DISUKU</t></rPh></si></sst>)";
  std::string costs = std::string("<worksheet ") + kSheetNs +
                      R"(><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>)"
                      R"(<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1200.5</v></c></row>)"
                      R"(<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><v>0.29999999999999999</v></c></row>)"
                      R"(<row r="4"><c r="A4" t="inlineStr"><is><t>Cables</t></is></c></row></sheetData></worksheet>)";
  std::string empty = std::string("<worksheet ") + kSheetNs + "><sheetData/></worksheet>";
  std::string notes = std::string("<worksheet ") + kSheetNs +
                      R"(><sheetData><row r="1"><c r="A1" t="str"><f>A2</f><v>Done</v></c><c r="B1" t="b"><v>1</v></c>)"
                      "</row></sheetData></worksheet>";
  return ZipBuilder()
      .add("xl/workbook.xml", workbook)
      .add("xl/_rels/workbook.xml.rels", rels)
      .add("xl/sharedStrings.xml", shared)
      .add("xl/worksheets/sheet1.xml", costs)
      .add("xl/worksheets/sheet2.xml", empty)
      .add("xl/worksheets/notes.xml", notes)
      .add("docProps/core.xml", core_properties("Budget"))
      .build();
}

// ---- Helpers for the assertions ----

// "h2 Title", "p text", "li text", "table text", with " @3" for page 3.
std::vector<std::string> describe(const Document& document) {
  std::vector<std::string> out;
  for (const auto& block : document.blocks) {
    std::string line;
    switch (block.kind) {
      case Block::Kind::kHeading: line = "h" + std::to_string(block.level); break;
      case Block::Kind::kParagraph: line = "p"; break;
      case Block::Kind::kListItem: line = "li"; break;
      case Block::Kind::kTable: line = "table"; break;
    }
    line += " " + block.text;
    if (block.page != 0) line += " @" + std::to_string(block.page);
    out.push_back(line);
  }
  return out;
}

Document extract_ok(std::string_view bytes, Format format, const ExtractLimits& limits = {}) {
  auto result = extract_document(bytes, format, limits);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? std::move(result).value() : Document{};
}

// The message of the invalid-argument error the extraction must fail with.
std::string extract_error(std::string_view bytes, Format format, const ExtractLimits& limits = {}) {
  auto result = extract_document(bytes, format, limits);
  EXPECT_FALSE(result.ok());
  if (result.ok()) return {};
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().message();
  return result.status().message();
}

// ---- Format names and sniffing ----

TEST(FormatNames, RoundTrip) {
  for (Format format : {Format::kText, Format::kMarkdown, Format::kHtml, Format::kCsv, Format::kPdf, Format::kDocx,
                        Format::kPptx, Format::kXlsx}) {
    EXPECT_EQ(format_from_name(format_name(format)), format) << format_name(format);
  }
  EXPECT_EQ(format_name(Format::kMarkdown), "markdown");
}

TEST(FormatNames, FileNamesExtensionsAndContentTypes) {
  EXPECT_EQ(format_from_name("a.PDF"), Format::kPdf);
  EXPECT_EQ(format_from_name("reports/q3.final.xlsx"), Format::kXlsx);
  EXPECT_EQ(format_from_name(".md"), Format::kMarkdown);
  EXPECT_EQ(format_from_name("notes.txt"), Format::kText);
  EXPECT_EQ(format_from_name("index.htm"), Format::kHtml);
  EXPECT_EQ(format_from_name("text/html; charset=utf-8"), Format::kHtml);
  EXPECT_EQ(format_from_name(" Text/CSV "), Format::kCsv);
  EXPECT_EQ(format_from_name("application/pdf"), Format::kPdf);
  EXPECT_EQ(format_from_name("application/vnd.openxmlformats-officedocument.wordprocessingml.document"), Format::kDocx);
  EXPECT_EQ(format_from_name("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            Format::kPptx);
  EXPECT_EQ(format_from_name("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), Format::kXlsx);
  EXPECT_EQ(format_from_name("image/png"), std::nullopt);
  EXPECT_EQ(format_from_name("archive.zip"), std::nullopt);
  EXPECT_EQ(format_from_name("report.doc"), std::nullopt);
  EXPECT_EQ(format_from_name(""), std::nullopt);
}

TEST(SniffFormat, MagicBytesWinOverTheHint) {
  EXPECT_EQ(sniff_format("%PDF-1.7\n...", Format::kDocx), Format::kPdf);
  EXPECT_EQ(sniff_format(make_docx(), Format::kPdf), Format::kDocx);
  EXPECT_EQ(sniff_format(make_pptx(), Format::kDocx), Format::kPptx);
  EXPECT_EQ(sniff_format(make_xlsx(), std::nullopt), Format::kXlsx);
  EXPECT_EQ(sniff_format("\xEF\xBB\xBF  <!DOCTYPE html><p>x", Format::kText), Format::kHtml);
  EXPECT_EQ(sniff_format("\n<HTML lang=en>", Format::kMarkdown), Format::kHtml);
}

TEST(SniffFormat, FallsBackToTheHintThenText) {
  std::string other_zip = ZipBuilder().add("readme.txt", "hello").build();
  EXPECT_EQ(sniff_format(other_zip, Format::kDocx), Format::kDocx);
  EXPECT_EQ(sniff_format("a,b\n1,2\n", Format::kCsv), Format::kCsv);
  EXPECT_EQ(sniff_format("<p>fragment</p>", Format::kMarkdown), Format::kMarkdown);
  EXPECT_EQ(sniff_format("just words", std::nullopt), Format::kText);
  EXPECT_EQ(sniff_format("", std::nullopt), Format::kText);
}

// ---- Text formats ----

TEST(ExtractText, ParagraphsSplitOnBlankLinesKeepingLineBreaks) {
  auto document = extract_ok("First paragraph\r\nline two  \n\n \n\tSecond\n", Format::kText);
  EXPECT_EQ(describe(document), (std::vector<std::string>{"p First paragraph\nline two", "p Second"}));
  EXPECT_EQ(document.title, "");
}

TEST(ExtractMarkdown, HeadingsTablesListsAndCode) {
  auto document = extract_ok(R"md(---
title: "Field Guide"
draft: true
---
# Field guide

Intro paragraph that
wraps onto two lines.

## Tables ##

| Col A | Col B |
|-------|:-----:|
| 1     | a \| b |

- first item
* second item
  continues here
1. numbered
   - nested

```cpp
int main() {

  return 0;
}
```

Setext heading
--------------
***
    #not a heading
Closing words.
)md",
                             Format::kMarkdown);
  EXPECT_EQ(document.title, "Field Guide");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "h1 Field guide",
                                    "p Intro paragraph that wraps onto two lines.",
                                    "h2 Tables",
                                    "table | Col A | Col B |\n|-------|:-----:|\n| 1     | a \\| b |",
                                    "li first item",
                                    "li second item continues here",
                                    "li numbered",
                                    "li nested",
                                    "p ```cpp\nint main() {\n\n  return 0;\n}\n```",
                                    "h2 Setext heading",
                                    "p #not a heading Closing words.",
                                }));
}

TEST(ExtractMarkdown, TitleFallsBackToTheFirstHeading) {
  auto document = extract_ok("Some text.\n\n## Second level\n\n# Top\n", Format::kMarkdown);
  EXPECT_EQ(document.title, "Second level");
}

TEST(ExtractCsv, QuotedDelimitersQuotesAndLineBreaks) {
  auto document = extract_ok("name,notes,amount\r\n\"Smith, Jane\",\"said \"\"hi\"\"\nthen left\",10\r\nBob,,5\n\n",
                             Format::kCsv);
  EXPECT_EQ(describe(document),
            (std::vector<std::string>{"table | name | notes | amount |\n| --- | --- | --- |\n"
                                      "| Smith, Jane | said \"hi\" then left | 10 |\n| Bob |  | 5 |"}));
}

TEST(ExtractCsv, LongTablesRepeatTheHeaderInEachBlock) {
  std::string csv = "id;value\n";
  for (int i = 1; i <= 120; ++i) csv += std::to_string(i) + ";v" + std::to_string(i) + "\n";
  auto document = extract_ok(csv, Format::kCsv);
  ASSERT_EQ(document.blocks.size(), 3u);
  for (const auto& block : document.blocks) {
    EXPECT_EQ(block.kind, Block::Kind::kTable);
    EXPECT_TRUE(block.text.starts_with("| id | value |\n| --- | --- |\n")) << block.text;
  }
  EXPECT_NE(document.blocks[0].text.find("| 50 | v50 |"), std::string::npos);
  EXPECT_NE(document.blocks[1].text.find("| 51 | v51 |"), std::string::npos);
  EXPECT_TRUE(document.blocks[2].text.ends_with("| 120 | v120 |"));
}

TEST(ExtractHtml, KeepsContentAndDropsPageFurniture) {
  auto document = extract_ok(R"html(<!DOCTYPE html>
<html><head><title>Team &amp; Tools</title><style>p { color: red }</style><script>var secret = 1;</script></head>
<body><nav><a href="/">Home</a> <a href="/menu">Menu link</a></nav><header>Site banner</header>
<h1>Getting  started</h1>
<p>Install the   tool
 first &mdash; it&#39;s quick.</p>
<ul><li>Download</li><li>Run <b>setup</b></li></ul>
<table><tr><th>Name</th><th>Role</th></tr><tr><td>Ada</td><td>Lead &amp; author</td></tr></table>
<div hidden>invisible</div><form><input value="x">Sign up</form>
<script>document.write("injected")</script><noscript>enable js</noscript>
<h2>Usage</h2><p>Line one<br>Line&nbsp;two</p><aside>Related posts</aside>
<footer>Copyright</footer></body></html>)html",
                             Format::kHtml);
  EXPECT_EQ(document.title, "Team & Tools");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "h1 Getting started",
                                    "p Install the tool first \u2014 it's quick.",
                                    "li Download",
                                    "li Run setup",
                                    "table | Name | Role |\n| --- | --- |\n| Ada | Lead & author |",
                                    "h2 Usage",
                                    "p Line one\nLine two",
                                }));
}

TEST(ExtractHtml, SurvivesDeepNesting) {
  std::string html = "<html><body>";
  for (int i = 0; i < 20000; ++i) html += "<div>";
  html += "deep</div></body></html>";
  auto result = extract_document(html, Format::kHtml);
  EXPECT_TRUE(result.ok() || result.status().code() == StatusCode::kInvalidArgument);
}

TEST(ExtractTextFormats, RejectInvalidUtf8WithTheOffset) {
  EXPECT_EQ(extract_error("abc\xff", Format::kText), "the text file is not valid UTF-8 (byte offset 3)");
  EXPECT_NE(extract_error("# T\n\xC0\xAF", Format::kMarkdown).find("byte offset 4"), std::string::npos);  // overlong
  EXPECT_NE(extract_error("a,\xED\xA0\x80", Format::kCsv).find("byte offset 2"), std::string::npos);  // surrogate
  EXPECT_NE(extract_error("<p>ab\xE2\x82", Format::kHtml).find("HTML file is not valid UTF-8"), std::string::npos);
  auto valid = extract_ok("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E", Format::kText);
  EXPECT_EQ(describe(valid), (std::vector<std::string>{"p h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E"}));
}

TEST(ExtractTextFormats, RejectDocumentsWithoutText) {
  EXPECT_EQ(extract_error(" \n\n\t", Format::kText), "the text file contains no text");
  EXPECT_NE(extract_error("", Format::kMarkdown).find("contains no text"), std::string::npos);
  EXPECT_NE(extract_error("<html><script>x()</script></html>", Format::kHtml).find("no text"), std::string::npos);
  EXPECT_NE(extract_error(",,\n,,\n", Format::kCsv).find("no text"), std::string::npos);
}

// ---- PDF ----

const std::vector<std::vector<std::string>> kReportPages = {
    {"Quarterly report", "", "", "Revenue grew strongly in every region this quarter and the",
     "outlook for the coming year remains very posi-", "tive across all of our markets."},
    {"Second page text."},
};

TEST(ExtractPdf, TextPerPageWithPageNumbersAndTitle) {
  auto document = extract_ok(make_pdf(kReportPages, "Q3 Report"), Format::kPdf);
  EXPECT_EQ(document.title, "Q3 Report");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "p Quarterly report @1",
                                    "p Revenue grew strongly in every region this quarter and the outlook for the "
                                    "coming year remains very positive across all of our markets. @1",
                                    "p Second page text. @2",
                                }));
}

TEST(ExtractPdf, RejectsATruncatedFile) {
  std::string pdf = make_pdf(kReportPages);
  EXPECT_NE(extract_error(pdf.substr(0, pdf.size() / 2), Format::kPdf).find("PDF"), std::string::npos);
}

TEST(ExtractPdf, RejectsBytesThatAreNoPdf) {
  std::mt19937 random(42);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  EXPECT_EQ(extract_error(noise, Format::kPdf), "the file is not a PDF");
  EXPECT_NE(extract_error("%PDF-1.4\ngarbage\n%%EOF\n", Format::kPdf).find("damaged"), std::string::npos);
}

TEST(ExtractPdf, RejectsAPdfWithoutText) {
  EXPECT_NE(extract_error(make_pdf({{}}), Format::kPdf).find("OCR"), std::string::npos);
}

TEST(ExtractPdf, EnforcesThePageLimit) {
  ExtractLimits limits;
  limits.max_pages = 1;
  EXPECT_NE(extract_error(make_pdf(kReportPages), Format::kPdf, limits).find("limit of 1"), std::string::npos);
}

// ---- OOXML ----

TEST(ExtractDocx, HeadingsParagraphsListsAndTables) {
  auto document = extract_ok(make_docx(), Format::kDocx);
  EXPECT_EQ(document.title, "Plan 2025");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "h1 Annual Plan",
                                    "h1 Goals",
                                    "p Ship the extractor.",
                                    "li First item",
                                    "li Second item",
                                    "h2 Budget",
                                    "table | Item | Cost |\n| --- | --- |\n| Servers | 1,200 |",
                                }));
}

TEST(ExtractDocx, SkipsTheFallbackCopyOfAlternateContent) {
  std::string body =
      R"(<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">)"
      "<mc:Choice><w:txbxContent>" +
      word_paragraph("Boxed text") + "</w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent>" +
      word_paragraph("Boxed text") + "</w:txbxContent></mc:Fallback></mc:AlternateContent></w:r><w:t>Around</w:t></w:p>";
  auto docx = ZipBuilder().add("word/document.xml", word_document(body)).build();
  EXPECT_EQ(describe(extract_ok(docx, Format::kDocx)), (std::vector<std::string>{"p Boxed text", "p Around"}));
}

TEST(ExtractPptx, SlidesInOrderWithTitlesAsHeadings) {
  auto document = extract_ok(make_pptx(), Format::kPptx);
  EXPECT_EQ(document.title, "Welcome");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "h2 Welcome @1",
                                    "p Agenda item one @1",
                                    "p Agenda & notes @1",
                                    "h2 Results @2",
                                    "p Revenue up 10% @2",
                                }));
}

TEST(ExtractXlsx, SheetsAsHeadedTablesWithSharedStrings) {
  auto document = extract_ok(make_xlsx(), Format::kXlsx);
  EXPECT_EQ(document.title, "Budget");
  EXPECT_EQ(describe(document), (std::vector<std::string>{
                                    "h2 Costs @1",
                                    "table | Item | Cost |\n| --- | --- |\n| Servers | 1200.5 |\n| Disks | 0.3 |\n"
                                    "| Cables |  | @1",
                                    "h2 Notes @3",
                                    "table | Done | TRUE |\n| --- | --- | @3",
                                }));
}

TEST(ExtractOoxml, RejectsTheWrongKindAndDamagedContainers) {
  EXPECT_EQ(extract_error(make_pptx(), Format::kDocx), "the file is a PPTX document, not DOCX");
  EXPECT_EQ(extract_error(ZipBuilder().add("a.txt", "x").build(), Format::kXlsx), "the file is not a XLSX document");
  EXPECT_NE(extract_error("plain text", Format::kDocx).find("damaged"), std::string::npos);
  std::string docx = make_docx();
  EXPECT_NE(extract_error(docx.substr(0, docx.size() - 30), Format::kDocx).find("damaged"), std::string::npos);
  EXPECT_NE(extract_error(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") + std::string(512, '\0'), Format::kDocx)
                .find("password-protected"),
            std::string::npos);
}

TEST(ExtractOoxml, RejectsMalformedXml) {
  auto docx = ZipBuilder().add("word/document.xml", word_document("<w:p><w:t>open</w:p>")).build();
  EXPECT_EQ(extract_error(docx, Format::kDocx), "the DOCX file is damaged (word/document.xml is not well-formed XML)");
}

TEST(ExtractOoxml, RejectsEntityExpansionBombs) {
  std::string doctype = "<!DOCTYPE d [<!ENTITY a0 \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    doctype += "<!ENTITY a" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) doctype += "&a" + std::to_string(i - 1) + ";";
    doctype += "\">";
  }
  doctype += "]>";
  std::string xml = doctype + "<w:document " + kWordNs + "><w:body>" + word_paragraph("&a9;") + "</w:body></w:document>";
  auto docx = ZipBuilder().add("word/document.xml", xml).build();
  EXPECT_NE(extract_error(docx, Format::kDocx).find("damaged"), std::string::npos);
}

TEST(ExtractOoxml, RejectsAZipBomb) {
  std::string spaces(5 << 20, ' ');
  auto docx = ZipBuilder().add("word/document.xml", word_document(word_paragraph(spaces))).build();
  ASSERT_LT(docx.size(), 100u << 10);
  ExtractLimits limits;
  limits.max_unpacked_bytes = 1 << 20;
  EXPECT_EQ(extract_error(docx, Format::kDocx, limits),
            "the DOCX file unpacks to more than 1 MiB, the limit for one document");
}

TEST(ExtractOoxml, StopsReadingAZipBombThatUnderstatesItsSize) {
  std::string spaces(5 << 20, ' ');
  auto docx = ZipBuilder().add("word/document.xml", word_document(word_paragraph("x" + spaces))).build();
  understate_size(docx, "word/document.xml", 1000);
  ExtractLimits limits;
  limits.max_unpacked_bytes = 1 << 20;
  EXPECT_EQ(extract_error(docx, Format::kDocx, limits),
            "the DOCX file unpacks to more than 1 MiB, the limit for one document");
}

TEST(ExtractOoxml, EnforcesTheEntryLimit) {
  ExtractLimits limits;
  limits.max_zip_entries = 2;
  EXPECT_NE(extract_error(make_docx(), Format::kDocx, limits).find("more than 2 parts"), std::string::npos);
}

}  // namespace
