// HTML: libxml2's forgiving HTML parser builds the tree (and decodes entities); the walk
// below keeps the readable content. Page furniture (navigation, headers, footers, forms)
// and anything not shown (scripts, styles, templates, hidden elements) is dropped.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/text_util.h"
#include "knowledge/extract/xml_reader.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>

namespace brainstem::knowledge::detail {

namespace {

// Deeper nesting than this is hostile, not content; it is cut off rather than recursed into.
constexpr int kMaxDepth = 512;

constexpr std::array<std::string_view, 11> kDroppedElements = {
    "head", "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "template"};

// Elements that start and end a block of their own.
constexpr std::array<std::string_view, 25> kBlockElements = {
    "address", "article", "blockquote", "body", "caption", "center",  "dd",      "details", "div",
    "dl",      "dt",      "fieldset",   "figcaption", "figure", "hr", "html",    "main",    "ol",
    "p",       "section", "summary",    "table",      "td",     "th", "ul"};

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

std::string_view name_of(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

template <size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_dropped(const xmlNode* node) {
  return is_one_of(name_of(node), kDroppedElements) ||
         xmlHasProp(const_cast<xmlNode*>(node), reinterpret_cast<const xmlChar*>("hidden")) != nullptr;
}

int heading_level(std::string_view name) {
  return name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' ? name[1] - '0' : 0;
}

// The text inside `node`, without what is dropped; whitespace is left as it is.
void collect_text(const xmlNode* node, std::string& out, int depth = 0) {
  if (depth > kMaxDepth) return;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      out += reinterpret_cast<const char*>(child->content);
    } else if (child->type == XML_ELEMENT_NODE && !is_dropped(child)) {
      if (name_of(child) == "br") out += '\n';
      collect_text(child, out, depth + 1);
    }
  }
}

std::string text_of(const xmlNode* node) {
  std::string text;
  collect_text(node, text);
  return collapse_whitespace(text);
}

// A table used for page layout holds headings or other tables; it is read as blocks,
// not as a grid.
bool is_layout_table(const xmlNode* node, int depth = 0) {
  if (depth > kMaxDepth) return false;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (name_of(child) == "table" || heading_level(name_of(child)) > 0) return true;
    if (is_layout_table(child, depth + 1)) return true;
  }
  return false;
}

// The rows of a table, through thead, tbody and tfoot.
void collect_rows(const xmlNode* node, TableRows& rows) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    std::string_view name = name_of(child);
    if (name == "thead" || name == "tbody" || name == "tfoot") collect_rows(child, rows);
    if (name != "tr") continue;
    auto& row = rows.emplace_back();
    for (const xmlNode* cell = child->children; cell != nullptr; cell = cell->next) {
      if (cell->type != XML_ELEMENT_NODE) continue;
      if (name_of(cell) == "td" || name_of(cell) == "th") row.push_back(text_of(cell));
    }
  }
}

// Each line collapsed on its own; <br> is the only source of line breaks.
std::string clean_lines(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string line = collapse_whitespace(text.substr(start, end - start));
    if (!line.empty()) out += (out.empty() ? "" : "\n") + line;
    start = end + 1;
  }
  return out;
}

class HtmlWalker {
 public:
  void walk(const xmlNode* node, int depth) {
    if (depth > kMaxDepth) return;
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      append_text(reinterpret_cast<const char*>(node->content));
    } else if (node->type == XML_ELEMENT_NODE && !is_dropped(node)) {
      walk_element(node, depth);
    }
  }

  std::vector<Block> take_blocks() {
    flush();
    return std::move(blocks_);
  }

 private:
  void walk_element(const xmlNode* node, int depth) {
    std::string_view name = name_of(node);
    if (int level = heading_level(name)) {
      flush();
      emit(Block::Kind::kHeading, level, text_of(node));
    } else if (name == "pre") {
      flush();
      std::string code;
      collect_text(node, code);
      emit(Block::Kind::kParagraph, 0, std::string(trim(code)));
    } else if (name == "table" && !is_layout_table(node)) {
      flush();
      append_table_blocks(table_rows(node), 0, blocks_);
    } else if (name == "br") {
      pending_ += '\n';
    } else if (name == "li") {
      flush();
      Block::Kind outer = pending_kind_;
      pending_kind_ = Block::Kind::kListItem;
      walk_children(node, depth);
      flush();
      pending_kind_ = outer;
    } else {
      bool is_block = is_one_of(name, kBlockElements);
      if (is_block) flush();
      walk_children(node, depth);
      if (is_block) flush();
    }
  }

  static TableRows table_rows(const xmlNode* table) {
    TableRows rows;
    collect_rows(table, rows);
    return rows;
  }

  void walk_children(const xmlNode* node, int depth) {
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) walk(child, depth + 1);
  }

  // Source line breaks are only whitespace in HTML.
  void append_text(std::string_view text) {
    for (char c : text) pending_ += (c == '\n' || c == '\r') ? ' ' : c;
  }

  void flush() {
    emit(pending_kind_, 0, clean_lines(pending_));
    pending_.clear();
  }

  void emit(Block::Kind kind, int level, std::string text) {
    if (!text.empty()) blocks_.push_back({kind, level, std::move(text)});
  }

  std::string pending_;  // inline text of the block being read
  Block::Kind pending_kind_ = Block::Kind::kParagraph;
  std::vector<Block> blocks_;
};

std::string title_of(const xmlNode* root) {
  for (const xmlNode* head = root->children; head != nullptr; head = head->next) {
    if (head->type != XML_ELEMENT_NODE || name_of(head) != "head") continue;
    for (const xmlNode* child = head->children; child != nullptr; child = child->next) {
      if (child->type == XML_ELEMENT_NODE && name_of(child) == "title") return text_of(child);
    }
  }
  return {};
}

}  // namespace

Result<Document> extract_html(std::string_view text) {
  if (trim(text).empty()) return Document{};
  if (text.size() > INT_MAX) return Status::invalid("the HTML file is too large");
  init_libxml();
  std::unique_ptr<xmlDoc, DocFree> doc(
      htmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return Status::invalid("the HTML file cannot be parsed");
  HtmlWalker walker;
  walker.walk(root, 0);
  return Document{title_of(root), walker.take_blocks()};
}

}  // namespace brainstem::knowledge::detail
