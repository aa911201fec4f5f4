#!/usr/bin/env bash
# The main job: start the daemon, build a busybox base image from the host's busybox-static, and run
# containers from it (limits, a web server on a published port, exec, ps, stats, a sandboxed job), then a
# compose stack (examples/hello-stack: a one-shot init, a health-checked web server, two workers).
set -euo pipefail
cd "$(dirname "$0")/.."
show() { printf '\n\033[1m$ %s\033[0m\n' "$1"; eval "$1"; }

if ! pure version >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup pure daemon >/var/log/pure-daemon.log 2>&1 &
  for _ in $(seq 100); do pure version >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! pure image inspect busybox:latest >/dev/null 2>&1; then
  show "pure image bootstrap busybox"
fi
pure rm -f demo-web >/dev/null 2>&1 || true
pure down -v -p hello >/dev/null 2>&1 || true
show "pure images"
show "pure run --rm busybox echo hello from a Pure container"
show "pure run --rm --memory 64m --pids-limit 32 -u 1000 busybox sh -c 'echo \"pid \$\$, uid \$(id -u), host \$(hostname)\"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'"
show "pure run -d --name demo-web -p 8080:80 busybox httpd -f -p 80 -h /var/www"
sleep 0.3
show "busybox wget -qO- http://127.0.0.1:8080/"
show "pure exec demo-web wget -qO- http://127.0.0.1:80/"
show "pure ps"
show "pure stats --no-stream demo-web"
show "pure rm -f demo-web"
show "pure sandbox run --memory 32m --wall-time 2s -- sh -c 'head -c 100m /dev/zero | tail'"
cd examples/hello-stack
show "pure up -d"
show "pure stack ps"
show "busybox wget -qO- http://127.0.0.1:8088/"
show "pure down -v"
