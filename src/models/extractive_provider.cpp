#include "models/extractive_provider.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace brainstem::models {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kLabel = "extractive answer: quoted from the sources, no language model";

std::set<std::string> words_of(std::string_view text) {
  static const std::set<std::string, std::less<>> kStopwords = {
      "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "in", "is", "it",
      "my", "of", "on", "or", "the", "to", "was", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your"};
  std::set<std::string> words;
  std::string word;
  auto flush = [&] {
    if (word.size() > 1 && !kStopwords.contains(word)) words.insert(word);
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else flush();
  }
  flush();
  return words;
}

std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    current += text[i];
    bool end = text[i] == '\n' || ((text[i] == '.' || text[i] == '?' || text[i] == '!') &&
                                   (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))));
    if (end || i + 1 == text.size()) {
      auto first = current.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) out.push_back(current.substr(first, current.find_last_not_of(" \t\r\n") - first + 1));
      current.clear();
    }
  }
  return out;
}

const Message* last_user_message(const ChatRequest& request) {
  for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
    if (it->role == "user") return &*it;
  }
  return nullptr;
}

// The earlier messages' sentence that shares the most words with the question.
std::optional<ContextPassage> best_sentence(const ChatRequest& request, const Message* question) {
  const std::set<std::string> asked = question ? words_of(question->content) : std::set<std::string>{};
  std::optional<ContextPassage> best;
  size_t best_shared = 0;
  for (const auto& m : request.messages) {
    if (&m == question || m.role == "assistant") continue;
    for (auto& sentence : sentences_of(m.content)) {
      size_t shared = 0;
      for (const auto& w : words_of(sentence)) shared += asked.count(w);
      if (shared > best_shared) {
        best_shared = shared;
        best = ContextPassage{std::move(sentence), m.role == "system" ? "the instructions" : "the conversation"};
      }
    }
  }
  return best;
}

int64_t count_words(std::string_view text) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = std::isspace(static_cast<unsigned char>(c));
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

}  // namespace

std::string ExtractiveProvider::answer(const ChatRequest& request) {
  const Message* question = last_user_message(request);
  std::optional<ContextPassage> passage;
  if (!request.passages.empty()) passage = request.passages.front();
  else passage = best_sentence(request, question);
  if (!passage || passage->text.empty()) {
    return "I don't have an answer to that in my knowledge base yet. (" + std::string(kLabel) + ")";
  }
  return passage->text + "\n\n(Source: " + passage->source + "; " + std::string(kLabel) + ")";
}

ModelInfo ExtractiveProvider::info() const {
  ModelInfo i;
  i.id = spec_.id;
  i.provider = "extractive";
  return i;
}

asio::awaitable<Result<ChatResponse>> ExtractiveProvider::chat(const ChatRequest& request, const DeltaSink& on_delta) {
  ChatResponse r;
  r.model = spec_.id;
  r.content = answer(request);
  r.finish_reason = "stop";
  for (const auto& m : request.messages) r.usage.prompt_tokens += count_words(m.content);
  r.usage.completion_tokens = count_words(r.content);
  if (on_delta) {
    // Word by word, each piece carrying the spaces that follow it, as a model would stream.
    size_t start = 0;
    while (start < r.content.size()) {
      size_t end = r.content.find_first_of(" \n", start);
      end = end == std::string::npos ? r.content.size() : r.content.find_first_not_of(" \n", end);
      if (end == std::string::npos) end = r.content.size();
      ChatDelta delta;
      delta.content = r.content.substr(start, end - start);
      if (!co_await on_delta(delta)) co_return Status(StatusCode::kCancelled, "generation stopped: the client went away");
      start = end;
    }
  }
  co_return r;
}

asio::awaitable<Result<EmbeddingResult>> ExtractiveProvider::embed(const std::vector<std::string>&) {
  co_return Status::invalid("model '" + spec_.id + "' (extractive) does not serve embeddings");
}

}  // namespace brainstem::models
