// commands.hpp: registers `nightjar webapp link|unlink` on the CLI.
#pragma once

namespace CLI {
class App;
}

namespace nightjar::runner {

// RegisterWebappCommands adds `webapp link` and `webapp unlink`. Exit codes: 0 ok,
// 2 invalid arguments, 11 a database unreachable, 1 any other error.
void RegisterWebappCommands(CLI::App& app);

}  // namespace nightjar::runner
