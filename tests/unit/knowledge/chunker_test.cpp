#include "knowledge/chunker.h"

#include "testing/word_count.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace brainstem::knowledge;

using brainstem::test_support::count_words;

Block heading(int level, std::string text) { return Block{Block::Kind::kHeading, level, std::move(text), 0}; }
Block paragraph(std::string text, int page = 0) { return Block{Block::Kind::kParagraph, 0, std::move(text), page}; }
Block table(std::string text) { return Block{Block::Kind::kTable, 0, std::move(text), 0}; }

std::string words(int n, const std::string& stem) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + stem + std::to_string(i);
  return out;
}

TEST(Chunker, PacksParagraphsUpToTheTargetUnderTheirHeadingPath) {
  Document doc;
  doc.blocks = {heading(1, "Guide"), heading(2, "Returns"), paragraph(words(10, "a")), paragraph(words(10, "b")),
                paragraph(words(10, "c"))};
  auto chunks = chunk_document(doc, ChunkerOptions{25, 0, 50}, count_words);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].heading_path, "Guide > Returns");
  EXPECT_EQ(chunks[0].tokens, 20);
  EXPECT_NE(chunks[0].text.find("a0"), std::string::npos);
  EXPECT_NE(chunks[0].text.find("b9"), std::string::npos);
  EXPECT_EQ(chunks[1].text, words(10, "c"));
}

TEST(Chunker, AHeadingStartsANewChunkAndResetsDeeperLevels) {
  Document doc;
  doc.blocks = {heading(1, "Guide"), heading(2, "Returns"), paragraph("short one"), heading(2, "Shipping"),
                paragraph("short two"), heading(1, "FAQ"), paragraph("short three")};
  auto chunks = chunk_document(doc, ChunkerOptions{100, 10, 200}, count_words);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].heading_path, "Guide > Returns");
  EXPECT_EQ(chunks[1].heading_path, "Guide > Shipping");
  EXPECT_EQ(chunks[1].text, "short two");  // no overlap carried across a heading
  EXPECT_EQ(chunks[2].heading_path, "FAQ");
}

TEST(Chunker, SplitsALongParagraphAtSentencesWithOverlap) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += "Sentence number " + std::to_string(i) + " has six words. ";
  Document doc;
  doc.blocks = {paragraph(text, 3)};
  auto chunks = chunk_document(doc, ChunkerOptions{20, 4, 40}, count_words);
  ASSERT_GE(chunks.size(), 3u);
  for (const auto& chunk : chunks) {
    EXPECT_LE(chunk.tokens, 20 + 4) << chunk.text;
    EXPECT_EQ(chunk.page, 3);
  }
  // The start of each later chunk repeats the end of the one before it.
  std::string tail = chunks[0].text.substr(chunks[0].text.size() - 10);
  EXPECT_NE(chunks[1].text.find(tail), std::string::npos);
  EXPECT_NE(chunks.back().text.find("Sentence number 11"), std::string::npos);
}

TEST(Chunker, ASentenceLongerThanTheTargetIsCutAtWords) {
  Document doc;
  doc.blocks = {paragraph(words(50, "w"))};
  auto chunks = chunk_document(doc, ChunkerOptions{20, 0, 40}, count_words);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].tokens, 20);
  EXPECT_EQ(chunks[2].tokens, 10);
}

TEST(Chunker, KeepsATableWholeWhenItFitsTheMaximum) {
  std::string rows = "| item | price |\n| --- | --- |";
  for (int i = 0; i < 8; ++i) rows += "\n| thing" + std::to_string(i) + " | " + std::to_string(i) + " |";
  Document doc;
  doc.blocks = {paragraph(words(5, "p")), table(rows)};
  auto chunks = chunk_document(doc, ChunkerOptions{20, 0, 60}, count_words);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].text, rows);
}

TEST(Chunker, SplitsAnOversizedTableByRowsRepeatingItsHeader) {
  std::string rows = "| item | price |\n| --- | --- |";
  for (int i = 0; i < 30; ++i) rows += "\n| thing" + std::to_string(i) + " | " + std::to_string(i) + " |";
  Document doc;
  doc.blocks = {table(rows)};
  auto chunks = chunk_document(doc, ChunkerOptions{30, 0, 40}, count_words);
  ASSERT_GE(chunks.size(), 3u);
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk.text.rfind("| item | price |\n| --- | --- |\n", 0), 0u) << chunk.text;
    EXPECT_LE(chunk.tokens, 30);
  }
  EXPECT_NE(chunks.back().text.find("thing29"), std::string::npos);
}

TEST(Chunker, EmptyDocumentGivesNoChunks) {
  Document doc;
  doc.blocks = {heading(1, "Only a title"), paragraph("")};
  EXPECT_TRUE(chunk_document(doc, ChunkerOptions{}, count_words).empty());
}

TEST(Chunker, ANewPageStartsANewChunk) {
  Document doc;
  doc.blocks = {paragraph(words(4, "a"), 1), paragraph(words(8, "b"), 2), paragraph(words(8, "c"), 2)};
  auto chunks = chunk_document(doc, ChunkerOptions{16, 4, 32}, count_words);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].page, 1);
  EXPECT_EQ(chunks[1].page, 2);
  EXPECT_EQ(chunks[1].text.find("a3"), std::string::npos);  // no overlap across pages
}

}  // namespace
