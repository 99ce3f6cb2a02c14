// pipeline_config.hpp: the [[pipeline]] tables of nightjar.toml. The runner only checks
// their shape here (keys, types, names); the values themselves (intervals, times, the
// step's function) are checked by nightjar.define_pipeline / define_step when applied.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// ReadPipelines reads every [[pipeline]] table with its [[pipeline.step]] tables.
std::vector<PipelineConfig> ReadPipelines(const toml::array& tables, const std::string& origin);

}  // namespace nightjar::runner
