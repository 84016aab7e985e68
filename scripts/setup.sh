#!/usr/bin/env bash
# Install what building and testing needs, only what is missing: Debian
# packages via apt-get (non-interactive) and Go modules. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
      libxi-dev libxxf86vm-dev sqlite3 zbar-tools xvfb xauth x11-apps imagemagick chromium
      postgresql)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then export PATH=$PATH:/usr/local/go/bin; else
    echo "setup: Go 1.26 is needed (https://go.dev/dl); not found" >&2; exit 1; fi
fi
go mod download
