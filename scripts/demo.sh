#!/usr/bin/env bash
# The main job: start the daemon, import a busybox base image made from the host's busybox-static, and run
# containers from it.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
if ! pure version >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup pure daemon >/var/log/pure-daemon.log 2>&1 &
  for _ in $(seq 100); do [ -S /run/pure/pure.sock ] && break; sleep 0.1; done
fi
if ! pure image inspect busybox:latest >/dev/null 2>&1; then
  npx tsx -e "import('./test/fixtures/busybox.ts').then(m => m.makeBusyboxTar('/tmp/pure-busybox.tar'))"
  say pure import --change 'CMD ["sh"]' /tmp/pure-busybox.tar busybox:latest
  pure import --change 'CMD ["sh"]' /tmp/pure-busybox.tar busybox:latest
fi
say pure images;                        pure images
say pure run --rm busybox echo hello from a Pure container
pure run --rm busybox echo hello from a Pure container
say pure run --rm --memory 64m --pids-limit 32 busybox sh -c 'echo "pid $$ as $(id -u) on $(hostname)"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
pure run --rm --memory 64m --pids-limit 32 busybox sh -c 'echo "pid $$ as $(id -u) on $(hostname)"; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
say pure run -d --name demo-web busybox httpd -f -p 8080 -h /var/www
pure rm -f demo-web >/dev/null 2>&1 || true
pure run -d --name demo-web busybox httpd -f -p 8080 -h /var/www
say pure exec demo-web wget -qO- http://127.0.0.1:8080/
pure exec demo-web wget -qO- http://127.0.0.1:8080/
say pure ps;                            pure ps
say pure stats --no-stream demo-web;    pure stats --no-stream demo-web
say pure rm -f demo-web;                pure rm -f demo-web
