// dispatch.hpp: `nightjar dispatch` — run the in-database pipelines' due steps now (the
// same CALL nightjar.dispatch() pg_cron makes every minute) and print what the runs did.
#pragma once

#include <iosfwd>
#include <string>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// DispatchOptions mirrors nightjar.dispatch's arguments (0 / "" = no limit).
struct DispatchOptions {
    int max_steps = 0;
    int max_seconds = 0;
    std::string pipeline;
};

// DispatchAndReport calls nightjar.dispatch, prints one line per run it touched and
// returns 0 when none of them failed, 1 otherwise.
int DispatchAndReport(const Config& config, const DispatchOptions& options, std::ostream& out);

}  // namespace nightjar::runner
