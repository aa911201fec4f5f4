#!/usr/bin/env bash
# Install and start the peers that bench/ compares Pure against: Docker (Debian's docker.io 20.10, engine
# started by hand because this host has no systemd) and Podman 4.3. Idempotent: safe to run again; it only
# installs what is missing and only starts dockerd when it is not answering.
#
# It never fails its caller hard: every step that cannot work prints "UNAVAILABLE: <peer>: <why>" and the
# script goes on, exiting 0. The benchmarks then list that peer as skipped with its reason.
#
# Recipe found on this host (Debian 12, kernel 6.18, cgroups hybrid v1+v2, no systemd, no CAP_SYS_RESOURCE):
#  - dockerd needs `--exec-opt native.cgroupdriver=cgroupfs` (no systemd) and runs on cgroup v1 controllers.
#    It keeps its default bridge (docker0) so the network benchmark can compare bridges; traffic stays local.
#  - podman picks cgroupfs and the file events backend by itself here, but its default rlimits
#    (RLIMIT_NOFILE/RLIMIT_NPROC above the inherited hard limit) fail in runc with
#    "error setting rlimit type 7: operation not permitted", because this sandbox lacks CAP_SYS_RESOURCE.
#    A containers.conf.d drop-in with default_ulimits at 1024 fixes it.
#  - Images are imported from the busybox rootfs tarball of test/fixtures/busybox.ts as pure-bench/busybox.
set -u

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="pure-bench/busybox"
TARBALL="${PURE_BENCH_TARBALL:-/tmp/pure-bench-busybox.tar}"
LOG_DIR="${PURE_BENCH_LOG_DIR:-/var/log/pure-bench}"
DOCKERD_LOG="$LOG_DIR/dockerd.log"

note() { printf 'install-peers: %s\n' "$*"; }
unavailable() { printf 'UNAVAILABLE: %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  note "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >"$LOG_DIR/apt.log" 2>&1 && return 0
  # A stale package index is the usual reason; refresh once and retry.
  apt-get update >>"$LOG_DIR/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1
}

docker_up() { timeout 10 docker info >/dev/null 2>&1; }

start_dockerd() {
  docker_up && { note "dockerd already answering"; return 0; }
  command -v dockerd >/dev/null || { unavailable "docker: dockerd not installed"; return 1; }
  note "starting dockerd (log: $DOCKERD_LOG)"
  # docker's default bridge (docker0, 172.17.0.0/16) with its iptables rules: the network benchmark compares
  # Pure's bridge with Docker's; Pure's default network is 10.89.0.0/16, so the two never overlap
  nohup dockerd --exec-opt native.cgroupdriver=cgroupfs >>"$DOCKERD_LOG" 2>&1 </dev/null &
  echo $! >"$LOG_DIR/dockerd.pid"
  for _ in $(seq 1 30); do docker_up && return 0; sleep 1; done
  unavailable "docker: dockerd did not answer within 30s; last log lines:"
  tail -5 "$DOCKERD_LOG"
  return 1
}

make_tarball() {
  [ -s "$TARBALL" ] && return 0
  note "making busybox rootfs tarball $TARBALL"
  (cd "$REPO_ROOT" && npx tsx -e "import('./test/fixtures/busybox.ts').then(m=>m.makeBusyboxTar('$TARBALL'))")
}

setup_docker() {
  apt_install docker.io || { unavailable "docker: apt-get install docker.io failed (see $LOG_DIR/apt.log)"; return; }
  start_dockerd || return
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    docker import "$TARBALL" "$IMAGE" >/dev/null || { unavailable "docker: docker import failed"; return; }
  fi
  if docker run --rm --network none "$IMAGE" true; then
    note "docker OK: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
  else
    unavailable "docker: 'docker run --rm --network none $IMAGE true' failed"
  fi
}

setup_podman() {
  apt_install podman || { unavailable "podman: apt-get install podman failed (see $LOG_DIR/apt.log)"; return; }
  mkdir -p /etc/containers/containers.conf.d
  cat >/etc/containers/containers.conf.d/50-pure-bench.conf <<'EOF'
# Written by pure scripts/install-peers.sh: this host lacks CAP_SYS_RESOURCE, so podman's default rlimits
# (above the inherited hard limits) make runc fail with EPERM ("error setting rlimit type 7").
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
EOF
  if ! podman image exists "$IMAGE" 2>/dev/null; then
    podman import "$TARBALL" "$IMAGE" >/dev/null 2>&1 || { unavailable "podman: podman import failed"; return; }
  fi
  if podman run --rm --network none "$IMAGE" true; then
    note "podman OK: $(podman --version)"
  else
    unavailable "podman: 'podman run --rm --network none $IMAGE true' failed"
  fi
}

mkdir -p "$LOG_DIR"
make_tarball || { unavailable "all peers: cannot make $TARBALL"; exit 0; }
setup_docker
setup_podman
# TODO(lead): once `pure` exists, also `pure import "$TARBALL" pure-bench/busybox` here.
if command -v pure >/dev/null; then
  pure import "$TARBALL" "$IMAGE" >/dev/null 2>&1 || unavailable "pure: pure import failed"
else
  unavailable "pure: 'pure' is not on PATH yet"
fi
exit 0
