// Escalation: a customer asking for a person ("can I talk to a human?", "transfer me to an
// agent", "I want to escalate this"). The pipeline publishes `escalation.created` for such a
// message, so the tenant's helpdesk can take the conversation over.
#pragma once

#include <string>
#include <string_view>

namespace brainstem::pipeline {

// "customer_requested_human" when the message asks for a person, else "". Rules, in English:
// a request (talk/speak to|with, chat with, connect/transfer me, put me through to, get me,
// want/need a) followed within three words by a person (human, person, agent, representative,
// manager, supervisor, operator, someone from support ...), or a phrase that needs no verb
// ("real person", "live agent", "escalate").
std::string escalation_reason(std::string_view message);

}  // namespace brainstem::pipeline
