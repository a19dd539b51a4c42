#!/usr/bin/env bash
# Installs the Debian packages Specula's tests and tools need, if missing:
#   chromium (web-mode e2e and `specula latency`), xvfb (headed runs), python3-numpy/scipy (golden
#   data and the NumPy peer in bench:cascade), g++/make/python3 (native build).
# Runs apt-get only when something is missing, and only as root (otherwise prints what to install).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1 || need+=(python3-numpy python3-scipy)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-system: missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "ensure-system: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
