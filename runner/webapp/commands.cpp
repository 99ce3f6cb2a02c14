// commands.cpp: the CLI surface of the webapp link. The password of the warehouse login
// role comes from an environment variable or a file (never a flag: flags show in `ps`);
// without one, a random password is generated, which only the user mapping needs.
#include "runner/webapp/commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "runner/webapp/link.hpp"

namespace nightjar::runner {
namespace {

// ResolvePassword reads the password from the environment variable or the file named.
std::string ResolvePassword(const std::string& env, const std::string& file) {
    if (!env.empty()) {
        const char* v = std::getenv(env.c_str());
        if (!v) throw std::invalid_argument("environment variable " + env + " is not set");
        return v;
    }
    if (!file.empty()) {
        std::ifstream in(file);
        if (!in) throw std::invalid_argument("cannot read " + file);
        std::string line;
        std::getline(in, line);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        return line;
    }
    return "";
}

// Guarded runs body and maps errors to exit codes.
void Guarded(const std::function<void()>& body) {
    int code = 0;
    try {
        body();
    } catch (const std::invalid_argument& e) {
        std::cerr << "nightjar: webapp: " << e.what() << "\n";
        code = 2;
    } catch (const pqxx::broken_connection& e) {
        std::cerr << "nightjar: critical: database unreachable: " << e.what() << "\n";
        code = 11;
    } catch (const pqxx::sql_error& e) {
        std::cerr << "nightjar: webapp: " << e.what();  // the statement never holds a password
        code = 1;
    }
    if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

// RegisterWebappCommands adds `webapp link` and `webapp unlink`.
void RegisterWebappCommands(CLI::App& app) {
    static LinkOptions opts;
    static std::string password_env = "NIGHTJAR_WEBAPP_PASSWORD", password_file;
    static bool drop_role = false;
    auto* webapp = app.add_subcommand(
        "webapp", "link the webapp database to the warehouse's nightjar_api (postgres_fdw)");
    webapp->require_subcommand(1);
    auto add_common = [](CLI::App* c) {
        c->add_option("--webapp-url", opts.webapp_url, "libpq URL of the webapp database")
            ->required();
        c->add_option("--warehouse-url", opts.warehouse_url,
                      "libpq URL of the warehouse (default: NIGHTJAR_DATABASE_URL or the local "
                      "cluster)");
        c->add_option("--server", opts.server, "foreign server name")->capture_default_str();
        c->add_option("--schema", opts.schema, "webapp schema of the foreign tables")
            ->capture_default_str();
        c->add_option("--role", opts.remote_role, "warehouse login role used by the link")
            ->capture_default_str();
    };
    auto* link = webapp->add_subcommand(
        "link", "create or refresh the link: role, server, user mappings, foreign tables");
    add_common(link);
    link->add_option("--local-role", opts.local_roles,
                     "webapp role that reads through the link (repeatable)")
        ->required();
    link->add_option("--password-env", password_env,
                     "environment variable holding the link role's password (unset: generated)")
        ->capture_default_str();
    link->add_option("--password-file", password_file, "file holding the link role's password");
    link->add_option("--copy-schema", opts.copy_schema,
                     "also refresh a local copy of every view in this schema (swapped atomically), "
                     "for webapps that must not depend on the warehouse being up");
    link->callback([] {
        Guarded([] {
            const char* has_env = std::getenv(password_env.c_str());
            opts.password = ResolvePassword(has_env ? password_env : "", password_file);
            int n = LinkWebapp(opts);
            std::cout << "linked: " << n << " foreign tables in schema " << opts.schema
                      << " (server " << opts.server << ", role " << opts.remote_role << ")";
            if (!opts.copy_schema.empty()) std::cout << "; copied into " << opts.copy_schema;
            std::cout << "\n";
        });
    });
    auto* unlink = webapp->add_subcommand("unlink", "drop the foreign tables, mappings and server");
    add_common(unlink);
    unlink->add_flag("--drop-role", drop_role, "also drop the warehouse login role");
    unlink->callback([] {
        Guarded([] {
            UnlinkWebapp(opts, drop_role);
            std::cout << "unlinked: schema " << opts.schema << ", server " << opts.server << "\n";
        });
    });
}

}  // namespace nightjar::runner
