#!/usr/bin/env bash
# deps.sh installs nightjar's build, run and test dependencies on Debian 12 (as root), or,
# when not root, names the apt line to run. It is quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-pgtap pgtap
  postgresql-contrib libpqxx-dev libtomlplusplus-dev libgtest-dev libbenchmark-dev
  libcurl4-openssl-dev libssl-dev libsimdjson-dev libpugixml-dev libzip-dev libcli11-dev
  libfmt-dev libre2-dev libicu-dev cmake g++ make pkg-config python3 time clang-format)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "nightjar: missing packages: ${missing[*]}" >&2
    echo "nightjar: install them as root with:" >&2
    echo "  apt-get update && apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "nightjar: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# Test-only servers (s3rver, smtp-server) and the Standard Webhooks reference library
# (standardwebhooks) come from the npm registry, pinned by the lock file in
# tests/integration/ (re-run when a package added to the lock file is missing).
if [[ -f tests/integration/package-lock.json && ! -d tests/integration/node_modules/standardwebhooks ]]; then
  echo "nightjar: installing test servers from npm (tests/integration/package-lock.json)" >&2
  (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
