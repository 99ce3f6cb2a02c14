// process.hpp runs external programs (initdb, pg_ctl) without a shell, optionally as
// the `postgres` system user when nightjar itself runs as root.
#pragma once

#include <string>
#include <vector>

namespace nightjar::runner {

// RunProgram runs argv[0] with argv (no shell, so no quoting bugs) and returns its exit
// status; output goes to log_path when it is not empty. When as_postgres is true and we
// are root, the program runs as the `postgres` user through runuser(1).
int RunProgram(const std::vector<std::string>& argv, bool as_postgres, const std::string& log_path);

// RunningAsRoot tells whether the effective user is root.
bool RunningAsRoot();

// PostgresCanAccess tells whether the `postgres` user can reach (traverse) `dir`; the
// directories it must write are created for it and given to it.
bool PostgresCanAccess(const std::string& dir);

// ChownToPostgres gives `path` to the postgres user (root only; no-op otherwise).
void ChownToPostgres(const std::string& path);

}  // namespace nightjar::runner
