// local_cluster.hpp manages the project's private PostgreSQL 15 cluster ("embedded
// default") under .nightjar/: data directory, socket directory, log and port.
#pragma once

#include <optional>
#include <string>

namespace nightjar::runner {

// ClusterPaths names every file and directory the local cluster uses.
struct ClusterPaths {
    std::string home;        // .nightjar (or $NIGHTJAR_HOME)
    std::string data_dir;    // home/data (or a root-owned fallback when postgres cannot reach home)
    std::string socket_dir;  // home/run
    std::string log_file;    // home/postgres.log
    std::string port_file;   // home/port
};

// ClusterStatus is what `nightjar db status` reports.
struct ClusterStatus {
    bool initialised = false;
    bool running = false;
    long pid = 0;
    int port = 0;
};

// ResolveClusterPaths finds the cluster home: $NIGHTJAR_HOME, else ./.nightjar.
ClusterPaths ResolveClusterPaths();

// ClusterUp creates (if needed) and starts the cluster, creates the warehouse and webapp
// databases and installs the extensions; running it twice is harmless.
void ClusterUp(const ClusterPaths& paths, bool verbose);

// ClusterDown stops the server by the PID in postmaster.pid; harmless when stopped.
void ClusterDown(const ClusterPaths& paths);

// ClusterStatusOf reads the state of the cluster without changing it.
ClusterStatus ClusterStatusOf(const ClusterPaths& paths);

// ClusterUrl returns the libpq URL of database `db` on the local cluster.
std::string ClusterUrl(const ClusterPaths& paths, const std::string& db = "warehouse");

// DefaultDatabaseUrl returns $NIGHTJAR_DATABASE_URL if set, else the local cluster's URL;
// configuration (database.url) takes precedence over both and is handled by the caller.
std::string DefaultDatabaseUrl();

}  // namespace nightjar::runner
