#include "knowledge/chunker.h"

#include <algorithm>

namespace brainstem::knowledge {

namespace {

constexpr std::string_view kBlockSeparator = "\n\n";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Splits prose after sentence-ending punctuation followed by whitespace, and at line breaks.
std::vector<std::string_view> sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool end = text[i] == '\n' ||
               ((text[i] == '.' || text[i] == '!' || text[i] == '?') && i + 1 < text.size() && is_space(text[i + 1]));
    if (!end) continue;
    out.push_back(text.substr(start, i + 1 - start));
    start = i + 1;
    while (start < text.size() && is_space(text[start])) ++start;
    i = start > 0 ? start - 1 : 0;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_table_separator(std::string_view row) {
  return row.find("---") != std::string_view::npos &&
         row.find_first_not_of("|-: ") == std::string_view::npos;
}

class ChunkBuilder {
 public:
  ChunkBuilder(const ChunkerOptions& options, const TokenCount& count) : options_(options), count_(count) {}

  void heading(const Block& block) {
    flush(false);
    auto level = static_cast<size_t>(std::clamp(block.level, 1, 6));
    headings_.resize(level - 1);
    headings_.push_back(block.text);
  }

  void block(const Block& block) {
    int64_t tokens = count_(block.text);
    bool keep_whole = block.kind == Block::Kind::kTable || block.kind == Block::Kind::kListItem;
    if (tokens > options_.max_tokens || (!keep_whole && tokens > options_.target_tokens)) {
      split(block);
      return;
    }
    add(block.text, tokens, block.page, !keep_whole);
  }

  std::vector<TextChunk> finish() {
    flush(false);
    return std::move(chunks_);
  }

 private:
  void add(std::string_view text, int64_t tokens, int page, bool prose) {
    if (has_content_ && page != page_) flush(false);  // a chunk cites one page
    if (has_content_ && pending_tokens_ + tokens > options_.target_tokens) flush(last_was_prose_);
    if (!pending_.empty()) pending_ += kBlockSeparator;
    if (!has_content_) page_ = page;
    pending_ += text;
    pending_tokens_ += tokens;
    has_content_ = true;
    last_was_prose_ = prose;
  }

  // Splits an oversized block into pieces under the target and adds each.
  void split(const Block& block) {
    if (block.kind == Block::Kind::kTable) {
      split_table(block);
      return;
    }
    std::string piece;
    for (std::string_view sentence : sentences(block.text)) {
      std::string candidate = piece.empty() ? std::string(sentence) : piece + " " + std::string(sentence);
      if (count_(candidate) <= options_.target_tokens) {
        piece = std::move(candidate);
        continue;
      }
      if (!piece.empty()) add(piece, count_(piece), block.page, true);
      piece.clear();
      if (count_(sentence) <= options_.target_tokens) {
        piece = std::string(sentence);
      } else {
        add_by_words(sentence, block.page);
      }
    }
    if (!piece.empty()) add(piece, count_(piece), block.page, true);
  }

  void add_by_words(std::string_view text, int page) {
    std::string piece;
    for (std::string_view word : words(text)) {
      std::string candidate = piece.empty() ? std::string(word) : piece + " " + std::string(word);
      if (!piece.empty() && count_(candidate) > options_.target_tokens) {
        add(piece, count_(piece), page, true);
        candidate = std::string(word);
      }
      piece = std::move(candidate);
    }
    if (!piece.empty()) add(piece, count_(piece), page, true);
  }

  // Rows in groups under the target, each group under the table's header row(s).
  void split_table(const Block& block) {
    auto rows = lines(block.text);
    size_t header_rows = rows.size() > 1 && is_table_separator(rows[1]) ? 2 : (rows.empty() ? 0 : 1);
    std::string header;
    for (size_t i = 0; i < header_rows; ++i) header += std::string(rows[i]) + "\n";
    std::string group;
    for (size_t i = header_rows; i < rows.size(); ++i) {
      std::string candidate = group + std::string(rows[i]) + "\n";
      if (!group.empty() && count_(header + candidate) > options_.target_tokens) {
        add_table_group(header + group, block.page);
        candidate = std::string(rows[i]) + "\n";
      }
      group = std::move(candidate);
    }
    if (!group.empty() || header_rows == rows.size()) add_table_group(header + group, block.page);
  }

  void add_table_group(std::string text, int page) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    add(text, count_(text), page, false);
  }

  // Closes the pending chunk. With `carry_overlap`, the next chunk starts with its last
  // `overlap_tokens` or so (cut at a word boundary).
  void flush(bool carry_overlap) {
    if (!has_content_) {
      pending_.clear();
      pending_tokens_ = 0;
      return;
    }
    TextChunk chunk;
    chunk.text = std::move(pending_);
    chunk.heading_path = heading_path();
    chunk.page = page_;
    chunk.tokens = count_(chunk.text);
    pending_.clear();
    pending_tokens_ = 0;
    has_content_ = false;
    if (carry_overlap && options_.overlap_tokens > 0 && chunk.tokens > 0) {
      pending_ = overlap_tail(chunk.text, chunk.tokens);
      pending_tokens_ = pending_.empty() ? 0 : count_(pending_);
    }
    chunks_.push_back(std::move(chunk));
  }

  std::string overlap_tail(const std::string& text, int64_t tokens) const {
    double bytes_per_token = static_cast<double>(text.size()) / static_cast<double>(tokens);
    auto want = static_cast<size_t>(bytes_per_token * options_.overlap_tokens);
    if (want == 0 || want >= text.size()) return {};
    size_t start = text.size() - want;
    while (start < text.size() && !is_space(text[start])) ++start;
    while (start < text.size() && is_space(text[start])) ++start;
    return text.substr(start);
  }

  std::string heading_path() const {
    std::string path;
    for (const auto& heading : headings_) {
      if (heading.empty()) continue;
      if (!path.empty()) path += " > ";
      path += heading;
    }
    return path;
  }

  const ChunkerOptions& options_;
  const TokenCount& count_;
  std::vector<std::string> headings_;  // by level; a missing level is an empty string
  std::string pending_;
  int64_t pending_tokens_ = 0;
  int page_ = 0;
  bool has_content_ = false;  // the pending text holds more than carried-over overlap
  bool last_was_prose_ = false;
  std::vector<TextChunk> chunks_;
};

}  // namespace

std::vector<TextChunk> chunk_document(const Document& document, const ChunkerOptions& options,
                                      const TokenCount& count_tokens) {
  ChunkBuilder builder(options, count_tokens);
  for (const Block& block : document.blocks) {
    if (block.text.empty()) continue;
    if (block.kind == Block::Kind::kHeading) {
      builder.heading(block);
    } else {
      builder.block(block);
    }
  }
  return builder.finish();
}

}  // namespace brainstem::knowledge
