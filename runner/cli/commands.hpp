// commands.hpp: registers the catalog subcommands (`apply`, `run`, `plan`, `dispatch`) on the CLI.
#pragma once

namespace CLI {
class App;
}

namespace nightjar::runner {

// RegisterIngestCommands adds `apply`, `run` and `plan` to the app. Exit codes are raised
// as CLI::RuntimeError(code): 0 ok, 1 some files failed, 2 configuration error,
// 10 authentication refused, 11 database unreachable, 12 disk full, 13 source listing
// failed, 14 stopped by the operator.
void RegisterIngestCommands(CLI::App& app);

}  // namespace nightjar::runner
