#!/usr/bin/env bash
# install.sh copies the extension (nightjar.so, control, SQL) into PostgreSQL 15's
# directories. Those belong to root; an ordinary user is told what to run.
set -euo pipefail
build=${1:-build}
if [[ $(id -u) -ne 0 ]]; then
  pkglib=$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)
  if [[ -w "$pkglib" ]]; then
    cmake --install "$build" >/dev/null
  elif cmp -s "$build/ext/nightjar.so" "$pkglib/nightjar.so"; then
    exit 0  # already installed, nothing to do
  else
    echo "nightjar: installing the extension needs root: sudo cmake --install $build" >&2
    exit 1
  fi
else
  cmake --install "$build" >/dev/null
fi
