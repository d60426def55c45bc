#include "models/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace brainstem::models {
namespace {

std::string vocab(const std::string& name) { return std::string(BRAINSTEM_VOCAB_DIR) + "/ggml-vocab-" + name + ".gguf"; }

TEST(Tokenizer, CountsWithTheLlama3Vocabulary) {
  auto tok = Tokenizer::load(vocab("llama-bpe"));
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ((*tok)->vocabulary_size(), 128256);
  EXPECT_EQ((*tok)->count("What are your business hours?"), 6u);
  // With the special tokens the model adds (BOS for Llama 3).
  EXPECT_EQ((*tok)->tokenize("What are your business hours?", true).size(), 7u);
  EXPECT_EQ((*tok)->count(""), 0u);
}

TEST(Tokenizer, DifferentVocabulariesCountDifferently) {
  auto qwen = Tokenizer::load(vocab("qwen2"));
  ASSERT_TRUE(qwen.ok()) << qwen.status().message();
  EXPECT_EQ((*qwen)->vocabulary_size(), 151936);
  EXPECT_EQ((*qwen)->count("What are your business hours?"), 6u);
}

TEST(Tokenizer, LongTextNeedsMoreThanTheFirstGuess) {
  auto tok = Tokenizer::load(vocab("llama-bpe"));
  ASSERT_TRUE(tok.ok());
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "hello world ";
  size_t n = (*tok)->count(text);
  EXPECT_GE(n, 4000u);
  EXPECT_LE(n, 4001u);
}

TEST(Tokenizer, MissingFileIsNotFound) {
  auto tok = Tokenizer::load("/nonexistent/vocab.gguf");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound);
}

TEST(Tokenizer, NonGgufFileIsInvalid) {
  auto path = std::filesystem::temp_directory_path() / "brainstem-not-a-gguf.bin";
  std::ofstream(path) << "this is not a GGUF file";
  auto tok = Tokenizer::load(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace brainstem::models
