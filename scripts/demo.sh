#!/usr/bin/env bash
# The main job: start the daemon, import a busybox base image made from the host's busybox-static, and run
# containers from it (limits, a detached web server, exec, ps, stats).
set -euo pipefail
cd "$(dirname "$0")/.."
show() { printf '\n\033[1m$ %s\033[0m\n' "$1"; eval "$1"; }

if ! pure version >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup pure daemon >/var/log/pure-daemon.log 2>&1 &
  for _ in $(seq 100); do pure version >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! pure image inspect busybox:latest >/dev/null 2>&1; then
  npx tsx -e "import('./test/fixtures/busybox.ts').then(m => m.makeBusyboxTar('/tmp/pure-busybox.tar'))"
  show "pure import --change 'CMD [\"sh\"]' /tmp/pure-busybox.tar busybox:latest"
fi
pure rm -f demo-web >/dev/null 2>&1 || true
show "pure images"
show "pure run --rm busybox echo hello from a Pure container"
show "pure run --rm --memory 64m --pids-limit 32 -u 1000 busybox sh -c 'echo \"pid \$\$, uid \$(id -u), host \$(hostname)\"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'"
show "pure run -d --name demo-web busybox httpd -f -p 8080 -h /var/www"
show "pure exec demo-web wget -qO- http://127.0.0.1:8080/"
show "pure ps"
show "pure stats --no-stream demo-web"
show "pure logs demo-web"
show "pure rm -f demo-web"
