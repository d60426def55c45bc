// Builds what the model reads from a PipelineState: the variables of the agent's prompt
// template and the system message (rendered template, then the scenario, customer facts,
// retrieved knowledge and the summary of earlier turns, each only when present).
#pragma once

#include "pipeline/stage.h"

#include <boost/json/object.hpp>

#include <string>

namespace brainstem::pipeline {

// {agent:{name, personality, dialect, language}, customer:{id, ...identity}, memory:{facts},
//  knowledge:[{title, text, source}], channel, metadata, message}
boost::json::object template_variables(const PipelineState& state);

// The system message. Throws StatusError if the template fails to render.
std::string system_message(const PipelineState& state);

}  // namespace brainstem::pipeline
