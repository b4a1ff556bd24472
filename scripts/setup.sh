#!/usr/bin/env bash
# Installs what glassbox and its tests need, then builds glassbox. Idempotent: packages already installed are
# skipped (apt-get update runs only when something is missing), node_modules is reinstalled only when it does not
# match package-lock.json. Runs unattended (no stdin, CI=true). Needs root for apt-get (sudo is used when present).
set -euo pipefail

cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*"; }

# util-linux: unshare, nsenter, setpriv, flock, mount; iproute2: ip; busybox-static: the base image's programs;
# gcc + libc6-dev: the static probe the integration tests run inside containers; tmux: tests of interactive mode;
# tini: its tini-static is the init of --init; cgroup-tools: cgexec makes the cgroup namespace from inside the
# container's groups; mawk: the monitor's awk stamps each log line with its time.
PACKAGES=(util-linux mount iproute2 iptables procps tar coreutils busybox-static tmux gcc libc6-dev strace tini cgroup-tools mawk)
PACKAGES+=(attr zstd podman skopeo docker-registry apache2-utils buildah)   # images: whiteout xattrs, zstd layers, test clients, a reference builder
PACKAGES+=(curl jq)   # lesson 8: plain HTTP to a registry, JSON read by hand
PACKAGES+=(qemu-system-x86 linux-image-amd64)   # npm run test:v2: a cgroup v2 kernel booted by QEMU (test/vm)
PACKAGES+=(runc crun golang-github-opencontainers-specs-dev python3-jsonschema)   # glassbox bundle and lesson 10: OCI runtimes and the runtime-spec schema the tests validate against
PACKAGES+=(catatonit)   # kube tests: podman kube play builds its infra (pause) image from catatonit, offline

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ]; then
    say "apt: $p is installed"
  else
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo -n)
    else
      echo "setup.sh: installing ${missing[*]} needs root, and sudo is not available" >&2
      exit 1
    fi
  fi
  say "apt-get update"
  "${SUDO[@]}" apt-get update </dev/null
  say "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi

# node_modules: npm ci from the lock file (or npm install without one). Skipped when npm's own record of the
# installed tree (node_modules/.package-lock.json) lists the same packages as package-lock.json and `npm ls` finds
# every dependency of package.json installed.
up_to_date() {
  [ -f package-lock.json ] && [ -f node_modules/.package-lock.json ] || return 1
  node -e '
    const fs = require("fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
    const pick = (p) => Object.keys(p).filter((k) => k && !p[k].extraneous && !(p[k].optional && !have[k])).sort()
      .map((k) => k + "@" + p[k].version).join("\n");
    process.exit(pick(lock) === pick(have) ? 0 : 1);
  ' || return 1
  npm ls --all >/dev/null 2>&1
}

if up_to_date; then
  say "node_modules matches package-lock.json: skipping npm ci"
elif [ -f package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund </dev/null
else
  say "npm install (no package-lock.json)"
  npm install --no-audit --no-fund </dev/null
fi

say "npm run build"
npm run build </dev/null

say "setup done"
