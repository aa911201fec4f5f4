#!/usr/bin/env bash
# Install everything Pure needs on a Debian 12 machine, as root: Debian packages, npm dependencies, the build,
# and the `pure` command on PATH. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(runc conmon containernetworking-plugins catatonit tini busybox-static iproute2 iptables socat attr
      skopeo docker-registry uidmap util-linux coreutils tar procps debootstrap zstd openssl
      python3 make g++)  # the last three: native npm addons (better-sqlite3, zstd-napi) compile when no prebuilt binary can be fetched
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# docker-registry's own service is not wanted: the tests start their own registry on 127.0.0.1
command -v systemctl >/dev/null 2>&1 && systemctl disable --now docker-registry >/dev/null 2>&1 || true

if ! command -v node >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
node -e 'const [M]=process.versions.node.split(".");if(+M<20){console.error("pure needs Node.js 20, found "+process.version);process.exit(1)}'

# npm 11 asks before running install scripts: package.json's allowScripts approves better-sqlite3 and esbuild
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
ln -sf "$PWD/bin/pure" /usr/local/bin/pure
echo "pure installed: $(command -v pure)"
