// file_commands.hpp: registers `archive`, `scrub` and `orphans`, the runner's part of the
// database's verdicts on files (issue 16).
#pragma once

namespace CLI {
class App;
}

namespace nightjar::runner {

// RegisterFileCommands adds `archive` (move files whose verdict is known), `scrub` (delete
// the stored copies an erasure listed) and `orphans` (an S3 prefix's unreferenced objects,
// dry run unless --delete) to the app.
void RegisterFileCommands(CLI::App& app);

}  // namespace nightjar::runner
