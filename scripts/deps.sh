#!/usr/bin/env bash
# Makes sure the Debian packages a target needs are installed.
# Usage: scripts/deps.sh PACKAGE...
# As root it installs what is missing (apt-get); otherwise it stops with the
# exact apt-get line to run. Exit 0 when everything is present.
set -u
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "weft: missing packages: ${missing[*]}" >&2
  echo "weft: run as root:  $line" >&2
  exit 1
fi
echo "weft: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
  apt-get update -qq || { echo "weft: apt-get update failed" >&2; exit 1; }
  apt-get install -y -qq "${missing[@]}" || { echo "weft: failed: $line" >&2; exit 1; }
fi
