// link.hpp: `nightjar webapp link|unlink`: the webapp database reads the warehouse's
// nightjar_api views through postgres_fdw, as a password-authenticated login role that
// is a member of nightjar_webapp_reader and nothing else (docs/webapp.md; fdw/ has the
// same steps as plain SQL for DBAs).
#pragma once

#include <string>
#include <vector>

namespace nightjar::runner {

// LinkOptions says what to link and how.
struct LinkOptions {
    std::string webapp_url;     // the webapp database (connect as a superuser or its owner)
    std::string warehouse_url;  // empty: DefaultDatabaseUrl()
    std::string server = "nightjar_warehouse";    // foreign server name in the webapp database
    std::string schema = "nightjar_api";          // local schema of the foreign tables
    std::string remote_role = "nightjar_webapp";  // login role in the warehouse
    std::string password;  // its password (resolved; generated when empty) -- never printed
    std::vector<std::string> local_roles;  // webapp roles that read (user mappings + grants)
    std::string copy_schema;  // non-empty: also a local copy of every view, swapped atomically
};

// LinkWebapp creates or updates the role, server, user mappings and foreign tables
// (idempotent); with copy_schema, also refreshes a local copy of every view in that schema
// (built beside it, swapped in by renaming, in the same transaction: readers see the old
// copy or the new one, never a mix). Returns the number of foreign tables imported.
int LinkWebapp(const LinkOptions& options);

// UnlinkWebapp drops the foreign tables, user mappings and server from the webapp database
// (idempotent); with drop_role, also the warehouse login role.
void UnlinkWebapp(const LinkOptions& options, bool drop_role);

// ValidIdentifier says whether name is a plain lower-case SQL identifier (a-z, 0-9, _).
bool ValidIdentifier(const std::string& name);

}  // namespace nightjar::runner
