#include "knowledge/index/bm25_index.h"

#include "knowledge/index/terms.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace brainstem::knowledge {

void Bm25Index::add(uint64_t id, std::string_view text) {
  std::vector<std::string> terms = index_terms(text);
  std::sort(terms.begin(), terms.end());

  std::unique_lock lock(mutex_);
  remove_locked(id);
  const auto doc = static_cast<uint32_t>(docs_.size());
  Doc& info = docs_.emplace_back(Doc{id, true, {}});
  for (size_t i = 0; i < terms.size();) {
    size_t j = i;
    while (j < terms.size() && terms[j] == terms[i]) ++j;
    auto [it, inserted] = term_ids_.try_emplace(terms[i], static_cast<uint32_t>(postings_.size()));
    if (inserted) postings_.emplace_back();
    postings_[it->second].push_back({doc, static_cast<uint32_t>(j - i)});
    info.terms.push_back(it->second);
    i = j;
  }
  doc_lengths_.push_back(static_cast<uint32_t>(terms.size()));
  doc_index_.emplace(id, doc);
  total_length_ += terms.size();
}

void Bm25Index::remove(uint64_t id) {
  std::unique_lock lock(mutex_);
  remove_locked(id);
}

void Bm25Index::remove_locked(uint64_t id) {
  auto found = doc_index_.find(id);
  if (found == doc_index_.end()) return;
  const uint32_t doc = found->second;
  doc_index_.erase(found);
  for (uint32_t term : docs_[doc].terms) {
    auto& list = postings_[term];
    auto at = std::lower_bound(list.begin(), list.end(), doc,
                               [](const Posting& p, uint32_t d) { return p.doc < d; });
    list.erase(at);
  }
  docs_[doc].live = false;
  docs_[doc].terms = {};
  total_length_ -= doc_lengths_[doc];
  doc_lengths_[doc] = 0;

  const size_t holes = docs_.size() - doc_index_.size();
  if (holes > 1024 && holes > doc_index_.size()) compact_locked();
}

void Bm25Index::compact_locked() {
  std::vector<uint32_t> renumbered(docs_.size());
  size_t next = 0;
  for (size_t doc = 0; doc < docs_.size(); ++doc) {
    if (!docs_[doc].live) continue;
    renumbered[doc] = static_cast<uint32_t>(next);
    doc_index_[docs_[doc].id] = static_cast<uint32_t>(next);
    if (next != doc) {
      docs_[next] = std::move(docs_[doc]);
      doc_lengths_[next] = doc_lengths_[doc];
    }
    ++next;
  }
  docs_.resize(next);
  doc_lengths_.resize(next);
  for (auto& list : postings_) {
    for (auto& p : list) p.doc = renumbered[p.doc];
  }
}

namespace {

std::vector<std::string> distinct_terms(std::string_view query) {
  std::vector<std::string> terms = index_terms(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

}  // namespace

Bm25Index::Scoring Bm25Index::scoring_locked(std::string_view query) const {
  Scoring scoring;
  const size_t n = doc_index_.size();
  if (n == 0) return scoring;
  const double avg_length = std::max(1.0, double(total_length_) / double(n));
  scoring.norm_base = float(kK1 * (1 - kB));
  scoring.norm_per_term = float(kK1 * kB / avg_length);
  for (const auto& term : distinct_terms(query)) {
    auto found = term_ids_.find(term);
    if (found == term_ids_.end()) continue;
    const auto& list = postings_[found->second];
    if (list.empty()) continue;
    const double df = double(list.size());
    const auto weight = float(std::log(1.0 + (double(n) - df + 0.5) / (df + 0.5)) * (kK1 + 1));
    scoring.terms.push_back({&list, weight});
  }
  return scoring;
}

std::vector<ScoredId> Bm25Index::search(std::string_view query, size_t k,
                                        const std::function<bool(uint64_t)>& accept) const {
  std::shared_lock lock(mutex_);
  if (doc_index_.empty() || k == 0) return {};
  const Scoring scoring = scoring_locked(query);

  // Score accumulator by doc index; every match adds > 0, so 0 means not touched yet.
  std::vector<float> scores(docs_.size());
  std::vector<uint32_t> touched;
  for (const auto& term : scoring.terms) {
    for (const Posting& p : *term.postings) {
      if (scores[p.doc] == 0) touched.push_back(p.doc);
      scores[p.doc] += scoring.term_score(term.weight, p.tf, doc_lengths_[p.doc]);
    }
  }

  TopK top(k);
  for (uint32_t doc : touched) {
    if (scores[doc] < top.min_score()) continue;
    ScoredId hit{docs_[doc].id, scores[doc]};
    if (top.would_keep(hit) && (!accept || accept(hit.id))) top.offer(hit);
  }
  return std::move(top).take();
}

std::vector<ScoredId> Bm25Index::search_among(std::string_view query, std::span<const uint64_t> ids, size_t k) const {
  std::shared_lock lock(mutex_);
  if (doc_index_.empty() || k == 0) return {};
  const Scoring scoring = scoring_locked(query);
  TopK top(k);
  for (uint64_t id : ids) {
    auto found = doc_index_.find(id);
    if (found == doc_index_.end()) continue;
    const uint32_t doc = found->second;
    float score = 0;
    for (const auto& term : scoring.terms) {
      auto at = std::lower_bound(term.postings->begin(), term.postings->end(), doc,
                                 [](const Posting& p, uint32_t d) { return p.doc < d; });
      if (at != term.postings->end() && at->doc == doc) score += scoring.term_score(term.weight, at->tf, doc_lengths_[doc]);
    }
    if (score > 0) top.offer({id, score});
  }
  return std::move(top).take();
}

size_t Bm25Index::size() const {
  std::shared_lock lock(mutex_);
  return doc_index_.size();
}

}  // namespace brainstem::knowledge
