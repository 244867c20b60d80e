# shellcheck shell=bash
# Installs the Debian 12 packages Strata builds, tests, demos and benchmarks with.
# Source this file and call strata_ensure_deps; it is idempotent and only touches apt when a
# package is actually missing, so every script can call it on every run.

STRATA_DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format
  libuv1-dev libnghttp2-dev libssl-dev libhiredis-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev node-llhttp libexpected-dev
  libyaml-cpp-dev nlohmann-json3-dev libxxhash-dev libcli11-dev libfmt-dev libspdlog-dev
  redis-server redis-tools nginx wrk nghttp2-client haproxy nutcracker curl procps
)

# Packages that ship a system service. Installing them must not leave a daemon holding ports
# behind our back; our scripts always run their own instances on their own ports.
STRATA_SERVICE_PACKAGES=(redis-server nginx haproxy nutcracker)

strata_missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# strata_ensure_deps [extra-package...]
# Set STRATA_SKIP_DEPS=1 to skip the check (e.g. on a machine provisioned another way).
strata_ensure_deps() {
  if [[ "${STRATA_SKIP_DEPS:-0}" == "1" ]]; then
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: dpkg-query not found; this script supports Debian 12 only" >&2
    echo "deps: install the packages listed in scripts/lib/deps.sh, then set STRATA_SKIP_DEPS=1" >&2
    return 1
  fi
  local -a missing
  mapfile -t missing < <(strata_missing_packages "${STRATA_DEBIAN_PACKAGES[@]}" "$@")
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  local -a sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: missing packages (${missing[*]}) and not root, and sudo is not available" >&2
      return 1
    fi
    sudo=(sudo)
  fi

  echo "deps: installing ${missing[*]}"
  # A policy-rc.d that answers 101 tells invoke-rc.d not to start services during this
  # install. We only add one when none exists, and only for the duration of the install, so a
  # machine's own policy and the services its owner already runs stay untouched.
  local policy=/usr/sbin/policy-rc.d added_policy=0 pkg svc
  for pkg in "${missing[@]}"; do
    for svc in "${STRATA_SERVICE_PACKAGES[@]}"; do
      if [[ "$pkg" == "$svc" && ! -e "$policy" && "$added_policy" == 0 ]]; then
        printf '#!/bin/sh\n# Temporary: strata deps install, do not start services.\nexit 101\n' |
          "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        added_policy=1
      fi
    done
  done

  local rc=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
  if ((rc == 0)); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends "${missing[@]}" || rc=$?
  fi
  if ((added_policy)); then
    "${sudo[@]}" rm -f "$policy"
  fi
  if ((rc != 0)); then
    echo "deps: apt-get failed (exit $rc)" >&2
    return "$rc"
  fi

  mapfile -t missing < <(strata_missing_packages "${STRATA_DEBIAN_PACKAGES[@]}" "$@")
  if ((${#missing[@]} != 0)); then
    echo "deps: still missing after install: ${missing[*]}" >&2
    return 1
  fi
  echo "deps: all packages present (services of newly installed packages were not started;" \
    "Strata scripts run their own instances on free loopback ports)"
}
