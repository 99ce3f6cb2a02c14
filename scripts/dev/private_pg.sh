#!/usr/bin/env bash
# private_pg.sh DIR copies Debian's PostgreSQL 15 (programs, libraries, share, server
# headers) into DIR, keeping the relative layout so that the copy is relocatable. Several
# developers on one machine can then each install their own build of the extension
# without overwriting each other's nightjar.so:
#   scripts/dev/private_pg.sh /tmp/pg-me
#   cmake -S . -B build-me -DPG_CONFIG=/tmp/pg-me/usr/lib/postgresql/15/bin/pg_config
#   cmake --build build-me -j1 && cmake --install build-me --prefix /tmp/pg-me/local
#   NIGHTJAR_HOME=/tmp/nj-me NIGHTJAR_PG_BINDIR=/tmp/pg-me/usr/lib/postgresql/15/bin \
#     build-me/bin/nightjar db up
set -euo pipefail
dir=${1:?usage: private_pg.sh DIR}
mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql" "$dir/usr/include/postgresql"
cp -a /usr/lib/postgresql/15 "$dir/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$dir/usr/share/postgresql/"
cp -a /usr/include/postgresql/15 "$dir/usr/include/postgresql/"
# The server runs as postgres when we are root; it must be able to read the copy.
chmod -R a+rX "$dir"
echo "private PostgreSQL 15 in $dir (pg_config: $dir/usr/lib/postgresql/15/bin/pg_config)"
