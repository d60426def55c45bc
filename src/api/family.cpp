#include "api/family.h"

namespace brainstem::api {

std::string_view family_name(Family f) {
  switch (f) {
    case Family::kCerebral: return "cerebral";
    case Family::kCerebrum: return "cerebrum";
    case Family::kCendriix: return "cendriix";
    case Family::kCellstate: return "cellstate";
    case Family::kCortex: return "cortex";
    case Family::kOpenai: return "openai";
    case Family::kAnthropic: return "anthropic";
    case Family::kSystem: return "system";
  }
  return "system";
}

std::string_view family_seed(Family f) {
  switch (f) {
    case Family::kCerebral: return "000";
    case Family::kCerebrum: return "001";
    case Family::kCendriix: return "002";
    case Family::kCellstate: return "003";
    case Family::kCortex: return "004";
    default: return "";
  }
}

Family family_for_unrouted_path(std::string_view path) {
  if (path.starts_with("/api/v1/")) return Family::kCellstate;
  if (path.starts_with("/portal/")) return Family::kCortex;
  if (path.starts_with("/v1/messages")) return Family::kAnthropic;
  if (path.starts_with("/v1/chat/completions") || path.starts_with("/v1/embeddings")) return Family::kOpenai;
  if (path.starts_with("/v1/cerebrals") || path.starts_with("/v1/auth") || path.starts_with("/v1/api-keys") ||
      path.starts_with("/v1/customers") || path.starts_with("/v1/webhooks")) {
    return Family::kCerebral;
  }
  return Family::kSystem;
}

}  // namespace brainstem::api
