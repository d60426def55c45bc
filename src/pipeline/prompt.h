// Builds what the model reads from a PipelineState: the variables of the agent's prompt
// template and the system message (rendered template, then the scenario, customer facts,
// retrieved knowledge and the summary of earlier turns, each only when present).
#pragma once

#include "pipeline/stage.h"
#include "pipeline/template.h"

#include <boost/json/object.hpp>

#include <string>

namespace brainstem::pipeline {

// The variables of `tmpl` among {agent:{name, personality, dialect, language},
// customer:{id, ...identity}, memory:{facts}, facts, knowledge:[{title, text, source, citation}],
// channel, metadata, message}: only those it reads are built.
boost::json::object template_variables(const PipelineState& state, const CompiledTemplate& tmpl);

// The system message. Throws StatusError if the template fails to render.
std::string system_message(const PipelineState& state);

}  // namespace brainstem::pipeline
