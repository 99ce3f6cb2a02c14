// apply.hpp: `nightjar apply` — record the configured sources and pipelines in the
// catalog through its SQL functions (define_source, define_pipeline, define_step).
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// ApplyChange is one line of `nightjar apply` output.
struct ApplyChange {
    std::string object;  // "source acme", "pipeline nightly", "step nightly.validate"
    std::string
        action;  // created | updated | unchanged | dropped | kept (not in the configuration)
};

// ApplySources records every configured source with nightjar.define_source (idempotent)
// and reports the recorded sources the file no longer has (kept: their batches and files
// reference them).
std::vector<ApplyChange> ApplySources(pqxx::work& tx, const Config& config);

// ApplyPipelines defines every configured pipeline and its steps with
// nightjar.define_pipeline / define_step, drops the steps the file no longer has, and
// reports each change. A value the database refuses becomes a ConfigError naming the line.
std::vector<ApplyChange> ApplyPipelines(pqxx::work& tx, const Config& config);

}  // namespace nightjar::runner
