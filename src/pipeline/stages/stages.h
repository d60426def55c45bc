// The eight stages of the pipeline, in order, and the recall of earlier sessions that runs
// after the cache check (5b). Each factory returns a stage that uses only the dependencies it
// names.
#pragma once

#include "pipeline/pipeline.h"

#include <memory>

namespace brainstem::pipeline {

std::unique_ptr<Stage> make_config_stage(PipelineDeps& deps);    // 1 config_load
std::unique_ptr<Stage> make_memory_stage(PipelineDeps& deps);    // 2 memory_recall
std::unique_ptr<Stage> make_context_stage(PipelineDeps& deps);   // 3 context_engine
std::unique_ptr<Stage> make_optimize_stage(PipelineDeps& deps);  // 4 token_optimizer
std::unique_ptr<Stage> make_cache_stage(PipelineDeps& deps);     // 5 cache_check
std::unique_ptr<Stage> make_recall_stage(PipelineDeps& deps);    // 5b turn_recall
std::unique_ptr<Stage> make_route_stage(PipelineDeps& deps);     // 6 model_router
std::unique_ptr<Stage> make_compile_stage(PipelineDeps& deps);   // 7 agent_compiler
std::unique_ptr<Stage> make_actions_stage(PipelineDeps& deps);   // 8 post_actions

}  // namespace brainstem::pipeline
