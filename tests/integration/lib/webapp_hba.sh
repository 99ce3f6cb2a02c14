# webapp_hba.sh: makes the local cluster ask the link role for its password (sourced).
# postgres_fdw lets a non-superuser connect only when the server really asks for a
# password (TOOLCHAIN.md): one "local warehouse <role> scram-sha-256" line above the trust
# lines, then a reload. Idempotent; the file keeps its owner (rewritten in place).
require_password_for() {  # require_password_for ROLE
  local hba
  hba=$(psql -qAtX -c "SHOW hba_file")
  if ! grep -q "^local warehouse $1 scram-sha-256" "$hba"; then
    python3 - "$hba" "$1" <<'PY'
import sys
path, role = sys.argv[1], sys.argv[2]
with open(path, "r+") as f:
    text = f.read()
    f.seek(0)
    f.write("local warehouse %s scram-sha-256\n" % role + text)
    f.truncate()
PY
    psql -qAtX -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.3
  fi
}
