// A summary made without a model: the sentences that best cover the texts' most frequent
// words, in their original order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace brainstem::memory {

// At most `max_sentences` sentences of `texts`, joined by spaces; empty when they have none.
std::string extractive_summary(const std::vector<std::string>& texts, size_t max_sentences = 5);

}  // namespace brainstem::memory
