// Extraction of customer facts from a message ("my name is Jane", "I prefer email", "I live
// in Cairo"), each with its Cortex category and a confidence: by rules (English patterns), or
// by asking a model with fact_extraction_prompt() and reading its answer with
// parse_extracted_facts().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brainstem::pipeline {

struct ExtractedFact {
  std::string fact;
  std::string category;  // preference | context | general
  double confidence = 0;
};

std::vector<ExtractedFact> extract_facts(std::string_view message);

// The instructions that ask a model for the facts of a message, as a JSON array.
const char* fact_extraction_prompt();
// Reads a model's answer: a JSON array of {fact, category, confidence}, possibly inside a
// ``` fence. Unknown categories become "general", confidence defaults to 0.8, at most 10 facts
// of at most 300 bytes are kept. nullopt when the answer is not such an array.
std::optional<std::vector<ExtractedFact>> parse_extracted_facts(std::string_view answer);

}  // namespace brainstem::pipeline
