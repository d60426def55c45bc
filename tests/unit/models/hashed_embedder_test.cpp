#include "models/hashed_embedder.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

namespace brainstem::models {
namespace {

double norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  return std::sqrt(sum);
}

float similarity(const HashedEmbedder& e, std::string_view a, std::string_view b) {
  return cosine(e.embed_one(a), e.embed_one(b));
}

TEST(HashedEmbedder, IsDeterministic) {
  HashedEmbedder a, b;
  EXPECT_EQ(a.embed_one("What are your business hours?"), a.embed_one("What are your business hours?"));
  EXPECT_EQ(a.embed_one("What are your business hours?"), b.embed_one("What are your business hours?"));
}

// Pins the hash and the features: stored vectors must stay valid across runs, machines and
// builds. If this fails on purpose, bump the version in id().
TEST(HashedEmbedder, OutputIsPinned) {
  HashedEmbedder e;
  std::vector<float> v = e.embed_one("hello");
  ASSERT_EQ(v.size(), 384u);
  EXPECT_EQ(e.id(), "hashed-v1-384");
  const std::map<size_t, float> expected = {
      {39, -0.196116f}, {91, -0.392232f}, {113, -0.196116f}, {158, 0.196116f},
      {220, -0.196116f}, {236, 0.196116f}, {283, 0.196116f}, {308, -0.196116f},
      {316, -0.196116f}, {319, -0.196116f}, {330, 0.196116f}, {335, -0.679366f}};
  for (size_t i = 0; i < v.size(); ++i) {
    auto it = expected.find(i);
    EXPECT_NEAR(v[i], it == expected.end() ? 0.0f : it->second, 1e-5) << "bucket " << i;
  }
}

TEST(HashedEmbedder, HasTheConfiguredDimension) {
  EXPECT_EQ(HashedEmbedder().dimension(), 384);
  EXPECT_EQ(HashedEmbedder().embed_one("hello world").size(), 384u);
  HashedEmbedder small(64);
  EXPECT_EQ(small.dimension(), 64);
  EXPECT_EQ(small.embed_one("hello world").size(), 64u);
  EXPECT_EQ(small.id(), "hashed-v1-64");
  EXPECT_THROW(HashedEmbedder(0), std::invalid_argument);
}

TEST(HashedEmbedder, VectorsHaveUnitNorm) {
  HashedEmbedder e;
  for (const char* text : {"hi", "What are your business hours?", "Ünïcödé straße 東京", "a b c d e f g"}) {
    EXPECT_NEAR(norm(e.embed_one(text)), 1.0, 1e-5) << text;
  }
}

TEST(HashedEmbedder, TextWithoutWordsIsTheZeroVector) {
  HashedEmbedder e;
  for (const char* text : {"", "   ", "?!. ,;"}) {
    std::vector<float> v = e.embed_one(text);
    ASSERT_EQ(v.size(), 384u);
    EXPECT_EQ(norm(v), 0.0) << text;
    EXPECT_EQ(cosine(v, e.embed_one("hello")), 0.0f);
  }
}

TEST(HashedEmbedder, IgnoresCaseAndPunctuation) {
  HashedEmbedder e;
  EXPECT_NEAR(similarity(e, "What are your business hours?", "what are your business hours"), 1.0, 1e-5);
}

TEST(HashedEmbedder, ParaphraseScoresWellAboveUnrelatedText) {
  HashedEmbedder e;
  const char* question = "What are your business hours?";
  float paraphrase = similarity(e, question, "When are you open? business hours");
  float unrelated = similarity(e, question, "Where is my order #1234?");
  EXPECT_GT(paraphrase, 0.4f);
  EXPECT_LT(unrelated, 0.2f);
  EXPECT_GT(paraphrase - unrelated, 0.3f);
}

TEST(HashedEmbedder, CharacterNgramsMakeTyposCloseMatches) {
  HashedEmbedder e;
  EXPECT_GT(similarity(e, "What are your business hours?", "What are your busness hours?"), 0.7f);
  // A lone misspelt word shares no word feature, only its n-grams.
  float typo = similarity(e, "business", "busines");
  EXPECT_GT(typo, 0.3f);
  EXPECT_GT(typo - similarity(e, "business", "refund"), 0.25f);
}

TEST(HashedEmbedder, MultibyteCharactersAreWordCharacters) {
  HashedEmbedder e;
  EXPECT_GT(similarity(e, "Öffnungszeiten der Filiale", "öffnungszeiten filiale"), 0.5f);
  EXPECT_LT(similarity(e, "東京の天気", "注文番号"), 0.3f);
}

TEST(HashedEmbedder, EmbedReturnsOneVectorPerTextInOrder) {
  HashedEmbedder e;
  boost::asio::io_context ioc;
  std::vector<std::string> texts = {"first text", "", "third"};
  std::optional<Result<std::vector<std::vector<float>>>> result;
  boost::asio::co_spawn(
      ioc, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await e.embed(texts)); }, boost::asio::detached);
  ioc.run();
  ASSERT_TRUE(result && result->ok());
  ASSERT_EQ((*result)->size(), 3u);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ((**result)[i], e.embed_one(texts[i])) << i;
}

TEST(Cosine, HandlesZeroAndMismatchedVectors) {
  EXPECT_EQ(cosine({0, 0}, {1, 0}), 0.0f);
  EXPECT_EQ(cosine({1, 0}, {1, 0, 0}), 0.0f);
  EXPECT_EQ(cosine({}, {}), 0.0f);
  EXPECT_NEAR(cosine({1, 0}, {1, 0}), 1.0f, 1e-6);
  EXPECT_NEAR(cosine({1, 0}, {-1, 0}), -1.0f, 1e-6);
  EXPECT_NEAR(cosine({3, 4}, {0.6f, 0.8f}), 1.0f, 1e-6);
}

}  // namespace
}  // namespace brainstem::models
