// PPTX: each slide's text in slide order, page = slide number. The title placeholder
// becomes a level-2 heading (the deck itself being level 1); every other paragraph of
// text, in shapes or tables, becomes a paragraph.
#include "knowledge/extract/extractors.h"
#include "knowledge/extract/ooxml_package.h"
#include "knowledge/extract/text_util.h"
#include "knowledge/extract/xml_reader.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace brainstem::knowledge::detail {

namespace {

constexpr std::string_view kSlidePrefix = "ppt/slides/slide";
constexpr std::string_view kSlideSuffix = ".xml";

struct SlidePart {
  int number;
  std::string name;
};

// The number N of a part named ppt/slides/slideN.xml.
std::optional<int> slide_number(std::string_view name) {
  if (!name.starts_with(kSlidePrefix) || !name.ends_with(kSlideSuffix)) return std::nullopt;
  std::string_view digits = name.substr(kSlidePrefix.size(), name.size() - kSlidePrefix.size() - kSlideSuffix.size());
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  int number = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    number = number * 10 + (c - '0');
  }
  return number;
}

std::vector<SlidePart> slide_parts(const ZipReader& package) {
  std::vector<SlidePart> slides;
  for (auto& name : package.names()) {
    if (auto number = slide_number(name)) slides.push_back({*number, std::move(name)});
  }
  std::sort(slides.begin(), slides.end(), [](const SlidePart& a, const SlidePart& b) { return a.number < b.number; });
  return slides;
}

struct Shape {
  bool is_title = false;
  std::vector<std::string> paragraphs;
};

class SlideReader {
 public:
  explicit SlideReader(int page) : page_(page) {}

  void read(XmlReader& reader) {
    if (reader.at_start("Fallback")) {  // mc:AlternateContent says the same thing twice
      reader.skip_element();
      return;
    }
    if (reader.at_start("sp")) shape_.emplace();
    if (reader.at_start("ph") && shape_) {
      std::string type = reader.attribute("type");
      shape_->is_title = type == "title" || type == "ctrTitle";
    }
    if (reader.at_start("p")) paragraph_.clear();
    if (reader.at_start("t")) paragraph_ += reader.text();
    if (reader.at_start("br")) paragraph_ += ' ';
    if (reader.at_end("p")) end_paragraph();
    if (reader.at_end("sp") && shape_) end_shape();
  }

  std::vector<Block> take_blocks() { return std::move(blocks_); }

 private:
  void end_paragraph() {
    std::string text = collapse_whitespace(paragraph_);
    if (text.empty()) return;
    if (shape_) {
      shape_->paragraphs.push_back(std::move(text));
    } else {
      blocks_.push_back({Block::Kind::kParagraph, 0, std::move(text), page_});
    }
  }

  void end_shape() {
    if (shape_->is_title && !shape_->paragraphs.empty()) {
      std::string title;
      for (const auto& line : shape_->paragraphs) title += (title.empty() ? "" : " ") + line;
      blocks_.push_back({Block::Kind::kHeading, 2, std::move(title), page_});
    } else {
      for (auto& text : shape_->paragraphs) blocks_.push_back({Block::Kind::kParagraph, 0, std::move(text), page_});
    }
    shape_.reset();
  }

  int page_;
  std::optional<Shape> shape_;  // the shape being read, when inside one
  std::string paragraph_;
  std::vector<Block> blocks_;
};

}  // namespace

Result<Document> extract_pptx(std::string_view bytes, const ExtractLimits& limits) {
  auto package = open_ooxml(bytes, Format::kPptx, limits);
  if (!package.ok()) return package.status();
  auto title = ooxml_title(*package);
  if (!title.ok()) return title.status();
  Document document{std::move(*title), {}};
  auto slides = slide_parts(*package);
  if (slides.size() > static_cast<size_t>(std::max(limits.max_pages, 0))) {
    return Status::invalid("the PPTX file has " + std::to_string(slides.size()) + " slides, more than the limit of " +
                           std::to_string(limits.max_pages));
  }
  for (const auto& slide : slides) {
    auto xml = package->read(slide.name);
    if (!xml.ok()) return xml.status();
    SlideReader slide_reader(slide.number);
    XmlReader reader(*xml);
    while (reader.next()) slide_reader.read(reader);
    if (!reader.ok()) return damaged_part(Format::kPptx, slide.name);
    for (auto& block : slide_reader.take_blocks()) document.blocks.push_back(std::move(block));
  }
  return document;
}

}  // namespace brainstem::knowledge::detail
