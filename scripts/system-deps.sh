#!/usr/bin/env bash
# Install missing Debian packages when we can (root or passwordless sudo); otherwise say exactly
# what to install. Usage: system-deps.sh [--required] PACKAGE...
# Without --required a missing package is a warning; with it, the caller stops.
set -euo pipefail

required=0
if [ "${1:-}" = "--required" ]; then required=1; shift; fi

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "daservice needs these Debian packages (or your system's equivalents): ${missing[*]}" >&2
  [ $required -eq 1 ] && exit 1 || exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  [ $required -eq 1 ] && exit 1 || exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
