// guarded.hpp: every subcommand maps the runner's errors to exit codes the same way, in
// one place: a configuration error prints "nightjar: configuration error: <cause>" (2), a
// critical error "nightjar: critical: <cause>" with its own code (10..14), a connection
// lost outside any run "nightjar: critical: database unreachable: <cause>" (11).
#pragma once

#include <functional>

namespace nightjar::runner {

// Guarded runs body and raises CLI::RuntimeError(code) when it failed or returned non-zero.
void Guarded(const std::function<int()>& body);

}  // namespace nightjar::runner
