// local_cluster.cpp: the private PostgreSQL 15 cluster every nightjar command uses by
// default. Layout under the cluster home (.nightjar/ or $NIGHTJAR_HOME):
//   data/          the data directory (owned by postgres when we run as root)
//   run/           the Unix socket directory; the server listens on no TCP address
//   postgres.log   the server log;  setup.log  initdb/pg_ctl output;  port  the chosen port
// (data/, run/ and postgres.log are the server's: they move together when relocated)
// When nightjar runs as root, the server runs as the `postgres` user. If that user cannot
// reach the project directory (a clone under a 0700 directory), data/ and run/ move to
// /var/lib/nightjar/<hash of home>/ and home/location records where they went.
#include "runner/cluster/local_cluster.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "runner/cluster/process.hpp"

namespace fs = std::filesystem;

namespace nightjar::runner {

namespace {

// PgBin returns PostgreSQL 15's program directory with a trailing slash: Debian's, unless
// NIGHTJAR_PG_BINDIR names another (a relocated copy, see scripts/dev/private_pg.sh).
std::string PgBin() {
    const char* dir = std::getenv("NIGHTJAR_PG_BINDIR");
    if (dir == nullptr || *dir == '\0') return "/usr/lib/postgresql/15/bin/";
    std::string bin = dir;
    if (bin.back() != '/') bin += '/';
    return bin;
}
constexpr int kFirstPort = 54330;

// ReadFirstLine returns the first line of a file, or "" when it does not exist.
std::string ReadFirstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (in) std::getline(in, line);
    return line;
}

// WriteFile replaces a small file's content.
void WriteFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

// PortIsFree tells whether nothing listens on TCP 127.0.0.1:port and no socket file of
// that port exists in our socket directory.
bool PortIsFree(int port, const std::string& socket_dir) {
    if (fs::exists(socket_dir + "/.s.PGSQL." + std::to_string(port))) return false;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return free;
}

// ChoosePort returns the recorded port, or records the first free one from kFirstPort.
int ChoosePort(const ClusterPaths& paths) {
    std::string recorded = ReadFirstLine(paths.port_file);
    if (!recorded.empty()) return std::stoi(recorded);
    for (int port = kFirstPort; port < kFirstPort + 500; ++port) {
        if (port == 5432) continue;
        if (PortIsFree(port, paths.socket_dir)) {
            WriteFile(paths.port_file, std::to_string(port) + "\n");
            return port;
        }
    }
    throw std::runtime_error("no free port between 54330 and 54829");
}

// PostmasterPid reads the PID of a running server from postmaster.pid, or 0.
long PostmasterPid(const ClusterPaths& paths) {
    std::string line = ReadFirstLine(paths.data_dir + "/postmaster.pid");
    if (line.empty()) return 0;
    long pid = std::stol(line);
    return (pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0) ? pid : 0;
}

// MakeDir creates a directory owned by the server's user.
void MakeServerDir(const std::string& dir) {
    fs::create_directories(dir);
    ChownToPostgres(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
}

// TailOf returns the last lines of a log, to show with a failure.
std::string TailOf(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::ostringstream out;
    for (size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i)
        out << "  " << lines[i] << "\n";
    return out.str();
}

// InitDataDir runs initdb and writes our settings into postgresql.auto.conf.
void InitDataDir(const ClusterPaths& paths, int port) {
    std::string setup_log = paths.home + "/setup.log";
    int rc = RunProgram({PgBin() + "initdb", "-D", paths.data_dir, "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8"},
                        true, setup_log);
    if (rc != 0)
        throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + "):\n" +
                                 TailOf(setup_log));
    std::ofstream conf(paths.data_dir + "/postgresql.conf", std::ios::app);
    conf << "\n# nightjar local cluster\n"
         << "port = " << port << "\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = '" << paths.socket_dir << "'\n"
         << "shared_preload_libraries = 'pg_cron'\n"
         << "cron.database_name = 'warehouse'\n"
         << "cron.host = '" << paths.socket_dir << "'\n"
         << "max_worker_processes = 16\n"
         << "max_parallel_workers_per_gather = 2\n"
         // A nightly batch rewrites tables of millions of rows: PostgreSQL's defaults
         // (128 MB of buffers, a checkpoint every 1 GB of WAL) made a 1M-record
         // incremental resolve after a consolidate evict dirty pages itself while
         // checkpoints ran every 20-30 s (docs/development.md).
         << "shared_buffers = '512MB'\n"
         << "max_wal_size = '4GB'\n";
    if (!conf) throw std::runtime_error("cannot write postgresql.conf in " + paths.data_dir);
}

// Provision creates the databases and extensions; each statement is idempotent.
void Provision(const ClusterPaths& paths) {
    {
        pqxx::connection admin(ClusterUrl(paths, "postgres"));
        pqxx::nontransaction tx(admin);
        for (const char* db : {"warehouse", "webapp"}) {
            if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", db).empty())
                tx.exec0(std::string("CREATE DATABASE ") + tx.quote_name(db));
        }
    }
    pqxx::connection wh(ClusterUrl(paths, "warehouse"));
    pqxx::nontransaction tx(wh);
    if (tx.exec("SELECT 1 FROM pg_available_extensions WHERE name = 'nightjar'").empty())
        throw std::runtime_error(
            "the nightjar extension is not installed on this server: run `make install` (as root)");
    tx.exec0("CREATE EXTENSION IF NOT EXISTS pg_cron");
    tx.exec0("CREATE EXTENSION IF NOT EXISTS nightjar");
    // The engine's default schedules (dispatch every minute, daily prune) exist once the
    // engine is part of the extension; they are idempotent.
    if (!tx.exec("SELECT 1 FROM pg_proc WHERE proname = 'install_default_schedules' "
                 "AND pronamespace = 'nightjar'::regnamespace")
             .empty())
        tx.exec("SELECT nightjar.install_default_schedules()");
}

}  // namespace

ClusterPaths ResolveClusterPaths() {
    ClusterPaths p;
    const char* env = std::getenv("NIGHTJAR_HOME");
    p.home = fs::absolute(env && *env ? fs::path(env) : fs::current_path() / ".nightjar")
                 .lexically_normal()
                 .string();
    if (!p.home.empty() && p.home.back() == '/') p.home.pop_back();
    std::string base = p.home;
    std::string location = ReadFirstLine(p.home + "/location");
    if (!location.empty()) base = location;
    p.data_dir = base + "/data";
    p.socket_dir = base + "/run";
    p.log_file = base + "/postgres.log";  // written by the server, so next to its data
    p.port_file = p.home + "/port";
    return p;
}

void ClusterUp(const ClusterPaths& in_paths, bool verbose) {
    ClusterPaths paths = in_paths;
    fs::create_directories(paths.home);
    if (RunningAsRoot() && !fs::exists(paths.home + "/location") &&
        !PostgresCanAccess(paths.home)) {
        // The postgres user cannot reach the project directory: keep the server's files
        // in a root-managed place and remember where.
        std::string moved =
            "/var/lib/nightjar/" + std::to_string(std::hash<std::string>{}(paths.home));
        fs::create_directories(moved);
        fs::permissions(moved,
                        fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                        fs::perm_options::replace);
        ChownToPostgres(moved);
        WriteFile(paths.home + "/location", moved + "\n");
        paths = ResolveClusterPaths();
        if (verbose)
            std::cerr << "nightjar: postgres cannot reach " << in_paths.home << "; server files in "
                      << moved << "\n";
    }
    MakeServerDir(paths.socket_dir);
    // Clients of any local user may connect through the socket (auth is still checked).
    fs::permissions(paths.socket_dir,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    fs::perm_options::replace);
    int port = ChoosePort(paths);
    if (!fs::exists(paths.data_dir + "/PG_VERSION")) {
        if (verbose) std::cerr << "nightjar: creating cluster in " << paths.data_dir << "\n";
        MakeServerDir(paths.data_dir);
        InitDataDir(paths, port);
    }
    if (PostmasterPid(paths) == 0) {
        // The log file must be writable by the server's user.
        int fd = open(paths.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) close(fd);
        ChownToPostgres(paths.log_file);
        std::string setup_log = paths.home + "/setup.log";
        int rc = RunProgram({PgBin() + "pg_ctl", "-D", paths.data_dir, "-l", paths.log_file, "-w",
                             "-t", "120", "start"},
                            true, setup_log);
        if (rc != 0)
            throw std::runtime_error("the server did not start; last lines of " + paths.log_file +
                                     ":\n" + TailOf(paths.log_file));
    }
    Provision(paths);
    if (verbose) std::cerr << "nightjar: cluster up, " << ClusterUrl(paths) << "\n";
}

void ClusterDown(const ClusterPaths& paths) {
    long pid = PostmasterPid(paths);
    if (pid == 0) return;
    // SIGINT is PostgreSQL's "fast" shutdown: sessions are ended, data is checkpointed.
    kill(static_cast<pid_t>(pid), SIGINT);
    for (int i = 0; i < 1200 && kill(static_cast<pid_t>(pid), 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (kill(static_cast<pid_t>(pid), 0) == 0)
        throw std::runtime_error("the server (pid " + std::to_string(pid) +
                                 ") did not stop within 60 s");
}

ClusterStatus ClusterStatusOf(const ClusterPaths& paths) {
    ClusterStatus s;
    s.initialised = fs::exists(paths.data_dir + "/PG_VERSION");
    s.pid = s.initialised ? PostmasterPid(paths) : 0;
    s.running = s.pid != 0;
    std::string port = ReadFirstLine(paths.port_file);
    s.port = port.empty() ? 0 : std::stoi(port);
    return s;
}

std::string ClusterUrl(const ClusterPaths& paths, const std::string& db) {
    std::string port = ReadFirstLine(paths.port_file);
    if (port.empty())
        throw std::runtime_error("no local cluster in " + paths.home +
                                 ": run `nightjar db up` (or `make db-up`)");
    return "postgresql:///" + db + "?host=" + paths.socket_dir + "&port=" + port + "&user=postgres";
}

std::string DefaultDatabaseUrl() {
    const char* env = std::getenv("NIGHTJAR_DATABASE_URL");
    if (env && *env) return env;
    return ClusterUrl(ResolveClusterPaths());
}

}  // namespace nightjar::runner
