#!/usr/bin/env bash
# Fails when a C++ file of the repository is not formatted with the repository's .clang-format
# (clang-format 14, Debian 12's) or has a line over 100 columns (what clang-format cannot break:
# long string literals, comments it leaves alone). Lists every offending file; fix with
#   clang-format -i <file>
# The test command (scripts/test.sh) runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "memprobe: clang-format is not installed (scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
# The tracked files when this is a git checkout; otherwise every source file outside build trees.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h' | grep -v '^fuzz/corpus/')
else
  mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.cpp' -o -name '*.h' \) -print |
                       grep -v '/fuzz/corpus/' | sed 's|^\./||')
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the work tree, not yet in the index
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not clang-formatted: $f" >&2
    bad=1
  fi
  if awk 'length > 100 { printf "%s:%d: line over 100 columns\n", FILENAME, FNR; found = 1 }
          END { exit found ? 1 : 0 }' "$f" >&2; then :; else bad=1; fi
done
if [ "$bad" != 0 ]; then
  echo "memprobe: formatting check failed (${#files[@]} files checked)" >&2
  exit 1
fi
echo "memprobe: ${#files[@]} C++ files formatted (clang-format $(clang-format --version |
  sed -n 's/.*version \([0-9.]*\).*/\1/p'), <= 100 columns)"
