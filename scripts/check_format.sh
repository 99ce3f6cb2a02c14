#!/usr/bin/env bash
# check_format.sh fails when a tracked C++ file differs from what clang-format makes of it
# with the checked-in .clang-format, and names each such file. Fix with
#   git ls-files '*.cpp' '*.hpp' '*.h' | xargs clang-format -i
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
bad=0
while IFS= read -r f; do
  [[ -f "$f" ]] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "check_format: $f is not formatted (clang-format -i $f)" >&2
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find extension runner tests bench -name '*.[ch]pp')
((bad == 0)) && echo "check_format: ok ($(clang-format --version | grep -o 'version [0-9.]*'))"
((bad == 0))
