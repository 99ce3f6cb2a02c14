// commands.hpp: registers `nightjar notify` and `nightjar worker` on the CLI.
#pragma once

namespace CLI {
class App;
}

namespace nightjar::runner {

// RegisterNotifyCommands adds `notify` (deliver what is due, then exit) and `worker`
// (deliver as messages arrive until SIGTERM/SIGINT, then exit 0). Exit codes: 0 ok,
// 1 some messages failed this pass (they are retried or dead-lettered), 2 configuration
// error, 11 database unreachable.
void RegisterNotifyCommands(CLI::App& app);

}  // namespace nightjar::runner
