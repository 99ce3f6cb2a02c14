// link.cpp: the webapp link, in two connections. In the warehouse: the login role
// (CREATE ROLE ... LOGIN IN ROLE nightjar_webapp_reader, or ALTER ROLE to reset its
// password), with the password sent only as a SCRAM verifier computed here by libpq
// (PQencryptPasswordConn), so the plain password never reaches the warehouse's
// pg_stat_activity or logs. In the webapp database, in one transaction: postgres_fdw,
// the server (options set, not appended, so a re-link with another host works), one user
// mapping per local role, and the foreign tables re-imported from scratch (IMPORT FOREIGN
// SCHEMA refuses a table that exists). The user mapping must hold the password: it is
// passed to a temporary function as a bind parameter, so the statement text (what
// pg_stat_activity and log_statement show) never contains it. Every identifier goes
// through format('%I') / quote_ident; every value through format('%L') or a parameter.
#include "runner/webapp/link.hpp"

#include <libpq-fe.h>

#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <stdexcept>

#include "runner/cluster/local_cluster.hpp"
#include "runner/notify/signature.hpp"

namespace nightjar::runner {
namespace {

// ConnInfo holds the host, port and dbname of a libpq URL or keyword string.
struct ConnInfo {
    std::string host, port, dbname;
};

// ParseConnInfo extracts host, port and dbname; throws std::invalid_argument.
ConnInfo ParseConnInfo(const std::string& url) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
    if (!opts) {
        std::string e = err ? err : "invalid connection string";
        PQfreemem(err);
        throw std::invalid_argument("warehouse url: " + e);
    }
    ConnInfo info;
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
        if (!o->val) continue;
        std::string k = o->keyword;
        if (k == "host")
            info.host = o->val;
        else if (k == "port")
            info.port = o->val;
        else if (k == "dbname")
            info.dbname = o->val;
    }
    PQconninfoFree(opts);
    return info;
}

// RandomPassword returns 32 random bytes in base64 (used when no password is given).
std::string RandomPassword() {
    std::random_device rd;
    std::string bytes;
    for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(rd() & 0xff));
    return Base64Encode(bytes);
}

// ScramVerifier returns the SCRAM-SHA-256 verifier of password for role, computed by
// libpq on this side (libpqxx 6 does not expose its PGconn: a short libpq connection
// to the same database provides the one libpq wants).
std::string ScramVerifier(const std::string& url, const std::string& role,
                          const std::string& password) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw pqxx::broken_connection(PQerrorMessage(conn.get()));
    char* v = PQencryptPasswordConn(conn.get(), password.c_str(), role.c_str(), "scram-sha-256");
    if (!v) throw std::runtime_error("could not compute the SCRAM verifier of role " + role);
    std::string out = v;
    PQfreemem(v);
    return out;
}

// EnsureRemoteRole creates or updates the warehouse login role.
void EnsureRemoteRole(const LinkOptions& o, const std::string& password) {
    std::string url = o.warehouse_url.empty() ? DefaultDatabaseUrl() : o.warehouse_url;
    std::string verifier = ScramVerifier(url, o.remote_role, password);
    pqxx::connection wh(url);
    pqxx::work tx(wh);
    if (tx.exec_params1("SELECT count(*) FROM pg_roles WHERE rolname = 'nightjar_webapp_reader'")[0]
            .as<int>() == 0)
        throw std::runtime_error(
            "role nightjar_webapp_reader is missing: is the nightjar extension installed in the "
            "warehouse?");
    bool exists =
        tx.exec_params1("SELECT count(*) FROM pg_roles WHERE rolname = $1", o.remote_role)[0]
            .as<int>() > 0;
    std::string role = tx.quote_name(o.remote_role);
    if (!exists) {
        tx.exec0("CREATE ROLE " + role + " LOGIN NOINHERIT PASSWORD " + tx.quote(verifier));
    } else {
        tx.exec0("ALTER ROLE " + role + " LOGIN PASSWORD " + tx.quote(verifier));
    }
    // NOINHERIT plus a session default would complicate postgres_fdw: keep it simple and
    // make the role inherit exactly one membership.
    tx.exec0("ALTER ROLE " + role + " INHERIT");
    tx.exec0("GRANT nightjar_webapp_reader TO " + role);
    tx.exec_params("SELECT nightjar.apply_grants()");
    tx.commit();
}

// kTempMapping creates or replaces one user mapping from bind parameters.
const char* kTempMapping = R"SQL(
CREATE FUNCTION pg_temp.nj_user_mapping(p_local text, p_server text, p_user text, p_password text)
RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE format('DROP USER MAPPING IF EXISTS FOR %I SERVER %I', p_local, p_server);
    EXECUTE format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (user %L, password %L)',
                   p_local, p_server, p_user, p_password);
EXCEPTION WHEN OTHERS THEN
    -- Re-raised without the failed statement, whose text (in the error's context and the
    -- server log) would hold the password.
    RAISE EXCEPTION 'could not create the user mapping of % on server %: %', p_local, p_server, SQLERRM
        USING ERRCODE = SQLSTATE;
END $f$)SQL";

// RefreshCopy copies every foreign table of o.schema into a new schema and swaps it in
// place of o.copy_schema. It runs inside the link's transaction: the swap (DROP SCHEMA,
// ALTER SCHEMA RENAME) commits with everything else, and a reader blocked on the old
// tables re-resolves the names after the commit and reads the new ones.
void RefreshCopy(pqxx::work& tx, const LinkOptions& o) {
    std::string next = o.copy_schema + "_next";
    std::string q_next = tx.quote_name(next), q_copy = tx.quote_name(o.copy_schema);
    tx.exec0("DROP SCHEMA IF EXISTS " + q_next + " CASCADE");
    tx.exec0("CREATE SCHEMA " + q_next);
    for (const auto& row : tx.exec_params(
             "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = $1 AND c.relkind = 'f' ORDER BY 1",
             o.schema)) {
        std::string t = tx.quote_name(row[0].c_str());
        tx.exec0("CREATE TABLE " + q_next + "." + t + " AS SELECT * FROM " +
                 tx.quote_name(o.schema) + "." + t);
    }
    tx.exec0("DROP SCHEMA IF EXISTS " + q_copy + " CASCADE");
    tx.exec0("ALTER SCHEMA " + q_next + " RENAME TO " + q_copy);
    for (const auto& local : o.local_roles) {
        std::string r = tx.quote_name(local);
        tx.exec0("GRANT USAGE ON SCHEMA " + q_copy + " TO " + r);
        tx.exec0("GRANT SELECT ON ALL TABLES IN SCHEMA " + q_copy + " TO " + r);
    }
    tx.exec0("COMMENT ON SCHEMA " + q_copy + " IS " +
             tx.quote("copy of the warehouse's nightjar_api (nightjar webapp link --copy-schema), "
                      "taken at " +
                      tx.exec1("SELECT now()::text")[0].as<std::string>()));
}

}  // namespace

// ValidIdentifier says whether name is a plain lower-case SQL identifier (a-z, 0-9, _).
bool ValidIdentifier(const std::string& name) {
    return std::regex_match(name, std::regex("^[a-z_][a-z0-9_]{0,62}$"));
}

// LinkWebapp creates or updates the role, server, user mappings and foreign tables.
int LinkWebapp(const LinkOptions& o) {
    for (const std::string* id : {&o.server, &o.schema, &o.remote_role})
        if (!ValidIdentifier(*id))
            throw std::invalid_argument("not a plain identifier: " + id->substr(0, 64));
    if (!o.copy_schema.empty() &&
        (!ValidIdentifier(o.copy_schema) || o.copy_schema.size() > 57 || o.copy_schema == o.schema))
        throw std::invalid_argument(
            "--copy-schema must be a plain identifier of at most 57 "
            "characters other than --schema: " +
            o.copy_schema.substr(0, 64));
    if (o.local_roles.empty()) throw std::invalid_argument("no --local-role given");
    std::string password = o.password.empty() ? RandomPassword() : o.password;
    ConnInfo wh = ParseConnInfo(o.warehouse_url.empty() ? DefaultDatabaseUrl() : o.warehouse_url);
    if (wh.dbname.empty()) throw std::invalid_argument("the warehouse url names no database");
    pqxx::connection app(o.webapp_url);
    {
        // Check the local roles before the warehouse role's password changes: a link that
        // fails half-way would leave the mappings with the old password.
        pqxx::work check(app);
        for (const auto& local : o.local_roles)
            if (check.exec_params1("SELECT count(*) FROM pg_roles WHERE rolname = $1", local)[0]
                    .as<int>() == 0)
                throw std::invalid_argument("role " + local.substr(0, 64) +
                                            " does not exist in the webapp database");
    }
    EnsureRemoteRole(o, password);

    pqxx::work tx(app);
    tx.exec0("CREATE EXTENSION IF NOT EXISTS postgres_fdw");
    bool server_exists =
        tx.exec_params1("SELECT count(*) FROM pg_foreign_server WHERE srvname = $1", o.server)[0]
            .as<int>() > 0;
    std::string server = tx.quote_name(o.server);
    if (!server_exists) tx.exec0("CREATE SERVER " + server + " FOREIGN DATA WRAPPER postgres_fdw");
    // Set each option (ADD when absent, SET when present), so a re-link moves the server.
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"host", wh.host},
             {"port", wh.port},
             {"dbname", wh.dbname},
             {"application_name", "nightjar_webapp_link"}}) {
        if (value.empty()) continue;
        bool has = tx.exec_params1(
                         "SELECT count(*) FROM pg_foreign_server s, unnest(s.srvoptions) o "
                         "WHERE s.srvname = $1 AND o LIKE $2 || '=%'",
                         o.server, key)[0]
                       .as<int>() > 0;
        tx.exec0("ALTER SERVER " + server + " OPTIONS (" + (has ? "SET " : "ADD ") + key + " " +
                 tx.quote(value) + ")");
    }
    tx.exec0(kTempMapping);
    for (const auto& local : o.local_roles) {
        tx.exec_params("SELECT pg_temp.nj_user_mapping($1, $2, $3, $4)", local, o.server,
                       o.remote_role, password);
        // No USAGE on the server: the local roles read the imported tables, they cannot
        // define foreign tables of their own against the warehouse.
    }
    std::string schema = tx.quote_name(o.schema);
    tx.exec0("CREATE SCHEMA IF NOT EXISTS " + schema);
    // Foreign tables are re-imported from scratch: a view added or changed upstream shows up.
    for (const auto& row : tx.exec_params(
             "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = $1 AND c.relkind = 'f'",
             o.schema))
        tx.exec0("DROP FOREIGN TABLE " + schema + "." + tx.quote_name(row[0].c_str()));
    // IMPORT FOREIGN SCHEMA connects as the user running it: give this session a mapping
    // for the import only (dropped in the same transaction) unless it is a local role.
    bool own_mapping = tx.exec_params1(
                             "SELECT count(*) FROM pg_user_mappings WHERE srvname = $1 "
                             "AND usename = current_user",
                             o.server)[0]
                           .as<int>() > 0;
    if (!own_mapping)
        tx.exec_params("SELECT pg_temp.nj_user_mapping(current_user, $1, $2, $3)", o.server,
                       o.remote_role, password);
    tx.exec0("IMPORT FOREIGN SCHEMA nightjar_api FROM SERVER " + server + " INTO " + schema);
    if (!o.copy_schema.empty()) RefreshCopy(tx, o);
    if (!own_mapping) tx.exec0("DROP USER MAPPING FOR CURRENT_USER SERVER " + server);
    int tables = tx.exec_params1(
                       "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'f'",
                       o.schema)[0]
                     .as<int>();
    for (const auto& local : o.local_roles) {
        std::string r = tx.quote_name(local);
        tx.exec0("GRANT USAGE ON SCHEMA " + schema + " TO " + r);
        tx.exec0("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + r);
    }
    tx.exec0("COMMENT ON SCHEMA " + schema + " IS " +
             tx.quote("nightjar_api of the warehouse through postgres_fdw (nightjar webapp link)"));
    tx.commit();
    return tables;
}

// UnlinkWebapp drops the foreign tables, user mappings and server (idempotent).
void UnlinkWebapp(const LinkOptions& o, bool drop_role) {
    for (const std::string* id : {&o.server, &o.schema, &o.remote_role})
        if (!ValidIdentifier(*id))
            throw std::invalid_argument("not a plain identifier: " + id->substr(0, 64));
    {
        pqxx::connection app(o.webapp_url);
        pqxx::work tx(app);
        std::string schema = tx.quote_name(o.schema);
        for (const auto& row : tx.exec_params(
                 "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = $1 AND c.relkind = 'f'",
                 o.schema))
            tx.exec0("DROP FOREIGN TABLE " + schema + "." + tx.quote_name(row[0].c_str()));
        // The schema goes only when nothing else lives in it.
        bool empty = !tx.exec_params(
                            "SELECT 1 FROM pg_namespace n WHERE n.nspname = $1 AND NOT EXISTS "
                            "(SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid)",
                            o.schema)
                          .empty();
        if (empty) tx.exec0("DROP SCHEMA IF EXISTS " + schema);
        // DROP SERVER ... CASCADE drops its user mappings.
        tx.exec0("DROP SERVER IF EXISTS " + tx.quote_name(o.server) + " CASCADE");
        tx.commit();
    }
    if (drop_role) {
        pqxx::connection wh(o.warehouse_url.empty() ? DefaultDatabaseUrl() : o.warehouse_url);
        pqxx::work tx(wh);
        tx.exec0("DROP ROLE IF EXISTS " + tx.quote_name(o.remote_role));
        tx.commit();
    }
}

}  // namespace nightjar::runner
