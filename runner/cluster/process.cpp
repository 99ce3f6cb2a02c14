// process.cpp: fork/exec without a shell. Arguments are passed as a vector so paths
// with spaces or quotes cannot be reinterpreted by /bin/sh.
#include "runner/cluster/process.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace nightjar::runner {

namespace {

// PostgresUser looks up the postgres system account.
const passwd* PostgresUser() {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr)
        throw std::runtime_error(
            "the postgres system user does not exist (is postgresql-15 installed?)");
    return pw;
}

}  // namespace

bool RunningAsRoot() { return geteuid() == 0; }

int RunProgram(const std::vector<std::string>& argv, bool as_postgres,
               const std::string& log_path) {
    std::vector<std::string> full;
    if (as_postgres && RunningAsRoot()) {
        PostgresUser();
        full = {"runuser", "-u", "postgres", "--"};
    }
    full.insert(full.end(), argv.begin(), argv.end());
    std::vector<char*> cargv;
    for (auto& a : full) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // "/" is readable by everyone: avoids "could not change directory" warnings
        // when the postgres user cannot read the caller's working directory.
        if (as_postgres && RunningAsRoot() && chdir("/") != 0) _exit(126);
        if (!log_path.empty()) {
            int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        execvp(cargv[0], cargv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool PostgresCanAccess(const std::string& dir) {
    if (!RunningAsRoot()) return access(dir.c_str(), X_OK) == 0;
    return RunProgram({"test", "-x", dir}, true, "") == 0;
}

void ChownToPostgres(const std::string& path) {
    if (!RunningAsRoot()) return;
    const passwd* pw = PostgresUser();
    if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot give " + path + " to the postgres user");
}

}  // namespace nightjar::runner
