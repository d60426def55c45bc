// Classifies how demanding a message is, for routing by tier (Cortex: speed, nano, sonnet,
// complex). A cheap heuristic over the text, not a model call: greetings and one-line
// questions need little, long multi-part or reasoning requests need most.
#pragma once

#include <string>
#include <string_view>

namespace brainstem::models {

struct ComplexityInput {
  std::string_view message;
  int history_turns = 0;
  bool has_tools = false;
};

// "speed" | "nano" | "sonnet" | "complex"
std::string classify_complexity(const ComplexityInput& input);

}  // namespace brainstem::models
