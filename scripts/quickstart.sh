#!/usr/bin/env bash
# The README's first command: install dependencies, build, fetch MNIST (11 MB, pinned by
# sha256) and run the quick study: `memprobe reproduce --preset quick`. Ends with the summary
# table and the path of the report. Extra arguments go to `memprobe reproduce`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/memprobe data fetch mnist
./build/memprobe reproduce --preset quick "$@"
