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
  int replaces = -1;  // a model's judgement: the known fact (0-based) this one updates or contradicts
};

std::vector<ExtractedFact> extract_facts(std::string_view message);

// The instructions that ask a model for the facts of a message, as a JSON array, each naming
// the known fact it updates or contradicts, if any.
const char* fact_extraction_prompt();
// What the model is shown: the customer's known facts, numbered from 1, and the message.
std::string fact_extraction_input(std::string_view message, const std::vector<std::string>& known_facts);
// Reads a model's answer: a JSON array of {fact, category, confidence, replaces}, possibly
// inside a ``` fence. Unknown categories become "general", confidence defaults to 0.8,
// `replaces` (a known fact's number) becomes a 0-based index when it is one, at most 10 facts
// of at most 300 bytes are kept. nullopt when the answer is not such an array.
std::optional<std::vector<ExtractedFact>> parse_extracted_facts(std::string_view answer);

}  // namespace brainstem::pipeline
