// Keeping a customer's facts true as they change, without a model:
//  - A fact that says again what a stored one says, in other words (hashed-embedding cosine
//    at least kSameMeaning), takes the stored fact's text, so saving it refreshes that fact
//    instead of adding a copy (the store folds facts whose text is equal, ignoring case).
//  - A fact about something a customer has one of at a time — a name, where they live, an
//    email, a phone, a job, an employer, a plan, a birthday — carries that `subject`; saving it
//    supersedes the customer's current fact of the same subject, which stays as history with
//    `superseded_by` and is never recalled as current (the store does this in the same write).
#pragma once

#include "models/hashed_embedder.h"
#include "store/conversation_store.h"

#include <string>
#include <string_view>
#include <vector>

namespace brainstem::pipeline {

inline constexpr double kSameMeaning = 0.9;

// The subject a fact states the one current value of ("residence" for "Lives in Porto"), or
// "" when a customer may have many such facts ("Likes jazz").
std::string fact_subject(std::string_view fact);

// Prepares `fresh` for saving beside `current` (the customer's current facts): its subject,
// and the text of a current fact of the same agent scope that means the same.
void consolidate_fact(store::MemoryFact& fresh, const std::vector<store::MemoryFact>& current,
                      const models::HashedEmbedder& embedder);

}  // namespace brainstem::pipeline
