#include "pipeline/fact_consolidation.h"

#include "common/text.h"

#include <array>
#include <utility>

namespace brainstem::pipeline {

std::string fact_subject(std::string_view fact) {
  // Leading words (lower case) of the facts the extractor writes and people save by hand.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kSubjects = {{
      {"name is ", "name"},
      {"prefers to be called ", "nickname"},
      {"lives in ", "residence"},
      {"moved to ", "residence"},
      {"is based in ", "residence"},
      {"address is ", "address"},
      {"email is ", "email"},
      {"phone is ", "phone"},
      {"phone number is ", "phone"},
      {"is a ", "occupation"},
      {"is an ", "occupation"},
      {"works as ", "occupation"},
      {"works at ", "employer"},
      {"works for ", "employer"},
      {"plan is ", "plan"},
      {"is on the ", "plan"},
      {"birthday is ", "birthday"},
  }};
  std::string lower = ascii_lower(fact);
  for (const auto& [prefix, subject] : kSubjects) {
    if (lower.starts_with(prefix) && lower.size() > prefix.size()) return std::string(subject);
  }
  return {};
}

void consolidate_fact(store::MemoryFact& fresh, const std::vector<store::MemoryFact>& current,
                      const models::HashedEmbedder& embedder) {
  fresh.subject = fact_subject(fresh.fact);
  const auto meaning = embedder.embed_one(fresh.fact);
  double best = kSameMeaning;
  for (const auto& stored : current) {
    if (stored.agent_id != fresh.agent_id || stored.customer_id != fresh.customer_id) continue;
    double similarity = models::cosine(meaning, embedder.embed_one(stored.fact));
    if (similarity >= best) {
      best = similarity;
      fresh.fact = stored.fact;
      fresh.subject = stored.subject;
    }
  }
}

}  // namespace brainstem::pipeline
