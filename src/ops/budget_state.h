// Where a tenant's daily cost budget stands, as every response's X-Budget-State tells it.
#pragma once

namespace brainstem::ops {

// ok; warn past warn_pct; throttle past throttle_pct (the router keeps to the cheapest
// models); block once spent (generations answer 402).
enum class BudgetState { kOk, kWarn, kThrottle, kBlock };
const char* budget_state_name(BudgetState state);  // ok | warn | throttle | block

}  // namespace brainstem::ops
