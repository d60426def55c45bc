// Rule-based extraction of customer facts from a message ("my name is Jane", "I prefer
// email", "I live in Cairo"): the fallback when no model is asked to extract them. English
// patterns only; each fact comes with its Cortex category and a confidence.
#pragma once

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

}  // namespace brainstem::pipeline
