// The built-in workflow templates.
#include "orchestration/orchestrator.h"

namespace brainstem::orchestration {

namespace json = boost::json;

namespace {

WorkflowTemplate make(const char* id, const char* slug, const char* name, const char* description, const char* definition) {
  return {id, slug, name, description, json::parse(definition).as_object()};
}

}  // namespace

const std::vector<WorkflowTemplate>& workflow_templates() {
  static const std::vector<WorkflowTemplate> templates = {
      make("tpl_ticket", "ticket-resolution", "Ticket resolution",
           "Understand a ticket, propose a resolution, wait for a person's approval, then deliver it.",
           R"({"nodes":[
             {"id":"understand","type":"model_call","name":"Understand the ticket","config":{"prompt":"Summarise the problem in this ticket.\nTitle: {{input.title}}\n{{input.body}}","taskType":"summarisation"}},
             {"id":"propose","type":"model_call","name":"Propose a resolution","config":{"prompt":"Propose a resolution for: {{nodes.understand.output.text}}","taskType":"reasoning"}},
             {"id":"review","type":"approval_gate","name":"Review the proposal","config":{"message":"Approve the proposed resolution"}},
             {"id":"deliver","type":"noop","name":"Deliver","config":{"output":{"resolution":"{{nodes.propose.output.text}}"}}}],
            "edges":[{"from":"understand","to":"propose"},{"from":"propose","to":"review"},{"from":"review","to":"deliver"}]})"),
      make("tpl_triage", "support-ticket-triage", "Support ticket triage",
           "Route urgent tickets to a person and answer routine ones at once.",
           R"({"nodes":[
             {"id":"classify","type":"condition","name":"Urgent?","config":{"path":"input.priority","equals":"urgent"}},
             {"id":"escalate","type":"approval_gate","name":"A person takes the ticket","config":{"message":"Urgent ticket: {{input.title}}"}},
             {"id":"acknowledge","type":"noop","name":"Acknowledge","config":{"output":{"status":"escalated"}}},
             {"id":"answer","type":"model_call","name":"Answer","config":{"prompt":"Answer this support ticket politely.\n{{input.title}}\n{{input.body}}","taskType":"general"}}],
            "edges":[{"from":"classify","to":"escalate","when":true},{"from":"escalate","to":"acknowledge"},{"from":"classify","to":"answer","when":false}]})"),
      make("tpl_doc_qa", "document-qa-review", "Document Q&A with review",
           "Answer a question about a document; a reviewer approves the answer before it is published.",
           R"({"nodes":[
             {"id":"answer","type":"model_call","name":"Answer from the document","config":{"prompt":"Document:\n{{input.document}}\n\nQuestion: {{input.question}}","taskType":"reasoning"}},
             {"id":"review","type":"approval_gate","name":"Review the answer","config":{"message":"Check the answer against the document"}},
             {"id":"publish","type":"noop","name":"Publish","config":{"output":{"answer":"{{nodes.answer.output.text}}"}}}],
            "edges":[{"from":"answer","to":"review"},{"from":"review","to":"publish"}]})"),
      make("tpl_code_change", "code-change-approval", "Code change with approval",
           "Plan a change, write it, and merge it only after approval.",
           R"({"nodes":[
             {"id":"plan","type":"model_call","name":"Plan the change","config":{"prompt":"Plan the code change: {{input.title}}\n{{input.body}}","taskType":"reasoning"}},
             {"id":"implement","type":"model_call","name":"Write the change","config":{"prompt":"Write the code for this plan:\n{{nodes.plan.output.text}}","taskType":"code_generation"}},
             {"id":"approve","type":"approval_gate","name":"Approve the merge","config":{"message":"Merge this change?"}},
             {"id":"merge","type":"tool_call","name":"Merge","config":{"tool":"noop"}}],
            "edges":[{"from":"plan","to":"implement"},{"from":"implement","to":"approve"},{"from":"approve","to":"merge"}]})"),
      make("tpl_digest", "nightly-digest", "Nightly digest",
           "Summarise the day's items into one digest.",
           R"({"nodes":[
             {"id":"collect","type":"noop","name":"Collect the items","config":{"output":{"items":"{{input.items}}"}}},
             {"id":"summarise","type":"model_call","name":"Write the digest","config":{"prompt":"Write a short digest of these items: {{nodes.collect.output.items}}","taskType":"summarisation"}},
             {"id":"deliver","type":"noop","name":"Deliver","config":{"output":{"digest":"{{nodes.summarise.output.text}}"}}}],
            "edges":[{"from":"collect","to":"summarise"},{"from":"summarise","to":"deliver"}]})"),
      make("tpl_research", "research-and-summarise", "Research and summarise",
           "Research a topic from two angles at once, then summarise both.",
           R"({"nodes":[
             {"id":"pros","type":"model_call","name":"Arguments for","config":{"prompt":"List the strongest arguments for: {{input.topic}}","taskType":"reasoning"}},
             {"id":"cons","type":"model_call","name":"Arguments against","config":{"prompt":"List the strongest arguments against: {{input.topic}}","taskType":"reasoning"}},
             {"id":"summary","type":"model_call","name":"Summarise","config":{"prompt":"Summarise both sides.\nFor: {{nodes.pros.output.text}}\nAgainst: {{nodes.cons.output.text}}","taskType":"summarisation"}}],
            "edges":[{"from":"pros","to":"summary"},{"from":"cons","to":"summary"}]})"),
  };
  return templates;
}

}  // namespace brainstem::orchestration
