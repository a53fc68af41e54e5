#!/usr/bin/env bash
# Installs flopmeter's build and test dependencies from Debian's packages, then the Python
# packages of the plotting scripts and the PyTorch comparisons from PyPI. Idempotent and quiet
# when everything is already installed. CUDA (nvcc) is optional and not installed here: the
# build detects it. The test suite checks that every package the build used is named here or
# pulled in by one named here (tests/check_deps.py).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3 python3-pip
  libhwloc-dev hwloc
  libopenblas-dev libdnnl-dev
  # oneDNN's CMake config calls find_package(OpenCL); Debian's libdnnl-dev only recommends these.
  ocl-icd-opencl-dev opencl-headers
  libbenchmark-dev libbenchmark-tools catch2
  nlohmann-json3-dev libcli11-dev
  libsqlite3-dev
  libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages for the plotting scripts, Google Benchmark's compare.py and the PyTorch
# comparisons (the costmodel_torch_flops test checks exact FLOPs against PyTorch's counter), for
# the python3 on PATH (which may not be Debian's): from PyPI, only when missing. torch from PyPI
# brings its CUDA libraries too (~5 GB, about 2 minutes here); it runs on the CPU without a GPU.
py_missing=()
for m in matplotlib numpy scipy torch; do
  python3 -c "import $m" 2>/dev/null || py_missing+=("$m")
done
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "install-deps: pip installing ${py_missing[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${py_missing[@]}" >/dev/null 2>&1 ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${py_missing[@]}" >/dev/null
fi
