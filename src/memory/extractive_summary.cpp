#include "memory/extractive_summary.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace brainstem::memory {

namespace {

std::vector<std::string> sentences_of(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    size_t start = current.find_first_not_of(" \t\r\n");
    if (start != std::string::npos) out.push_back(current.substr(start, current.find_last_not_of(" \t\r\n") - start + 1));
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      flush();
      continue;
    }
    current += c;
    bool end = c == '.' || c == '!' || c == '?';
    if (end && (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1])))) flush();
  }
  flush();
  return out;
}

// Lower-cased words of three letters or more: shorter ones are mostly function words.
std::vector<std::string> words_of(const std::string& sentence) {
  std::vector<std::string> out;
  std::string word;
  for (char c : sentence + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80)) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      if (word.size() >= 3) out.push_back(word);
      word.clear();
    }
  }
  return out;
}

}  // namespace

std::string extractive_summary(const std::vector<std::string>& texts, size_t max_sentences) {
  std::vector<std::string> sentences;
  for (const auto& text : texts) {
    for (auto& s : sentences_of(text)) sentences.push_back(std::move(s));
  }
  std::unordered_map<std::string, double> frequency;
  std::vector<std::vector<std::string>> words(sentences.size());
  for (size_t i = 0; i < sentences.size(); ++i) {
    words[i] = words_of(sentences[i]);
    for (const auto& w : words[i]) frequency[w] += 1;
  }
  struct Scored {
    size_t index;
    double score;
  };
  std::vector<Scored> scored;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (words[i].empty() || !seen.insert(sentences[i]).second) continue;
    double sum = 0;
    for (const auto& w : words[i]) sum += frequency[w];
    scored.push_back({i, sum / static_cast<double>(words[i].size())});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  if (scored.size() > max_sentences) scored.resize(max_sentences);
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) { return a.index < b.index; });
  std::string out;
  for (const auto& s : scored) {
    if (!out.empty()) out += ' ';
    out += sentences[s.index];
  }
  return out;
}

}  // namespace brainstem::memory
