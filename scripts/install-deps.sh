#!/usr/bin/env bash
# Installs flopmeter's build and test dependencies from Debian's packages. Idempotent and quiet
# when everything is already installed. CUDA (nvcc) is optional and not installed here: the
# build detects it.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3
  libhwloc-dev hwloc
  libopenblas-dev libdnnl-dev
  libbenchmark-dev catch2
  nlohmann-json3-dev libcli11-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
