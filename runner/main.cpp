// main.cpp: the nightjar command line. It only parses arguments and dispatches to the
// runner library; every subcommand's logic lives in its own file.
#include <CLI/CLI.hpp>
#include <iostream>

#include "runner/cli/commands.hpp"
#include "runner/cli/file_commands.hpp"
#include "runner/cluster/local_cluster.hpp"
#include "runner/notify/commands.hpp"
#include "runner/webapp/commands.hpp"

namespace {

// AddDbCommands registers `nightjar db up|down|status|url`.
void AddDbCommands(CLI::App& app) {
    using namespace nightjar::runner;
    auto* db = app.add_subcommand(
        "db", "manage the local PostgreSQL cluster under .nightjar/ (or $NIGHTJAR_HOME)");
    db->require_subcommand(1);
    db->add_subcommand("up",
                       "create and start the cluster, create databases and extensions (idempotent)")
        ->callback([] { ClusterUp(ResolveClusterPaths(), true); });
    db->add_subcommand("down", "stop the cluster by its PID")->callback([] {
        ClusterDown(ResolveClusterPaths());
        std::cerr << "nightjar: cluster stopped\n";
    });
    db->add_subcommand("status", "print whether the cluster exists and runs")->callback([] {
        auto paths = ResolveClusterPaths();
        auto s = ClusterStatusOf(paths);
        std::cout << "home: " << paths.home << "\ndata: " << paths.data_dir
                  << "\ninitialised: " << (s.initialised ? "yes" : "no") << "\nrunning: "
                  << (s.running ? "yes (pid " + std::to_string(s.pid) + ")" : std::string("no"))
                  << "\nport: " << s.port << "\n";
        if (!s.running) throw CLI::RuntimeError(3);
    });
    auto* url = db->add_subcommand("url", "print the libpq URL of a database on the cluster");
    static std::string name_value = "warehouse";
    auto* name = &name_value;
    url->add_option("database", *name, "database name")->capture_default_str();
    url->callback([name] { std::cout << ClusterUrl(ResolveClusterPaths(), *name) << "\n"; });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"nightjar: database-centric ETL for PostgreSQL"};
    app.require_subcommand(1);
    AddDbCommands(app);
    nightjar::runner::RegisterIngestCommands(app);
    nightjar::runner::RegisterFileCommands(app);
    nightjar::runner::RegisterNotifyCommands(app);
    nightjar::runner::RegisterWebappCommands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "nightjar: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
