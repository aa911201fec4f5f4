#!/usr/bin/env bash
# The whole test suite, as CI runs it: types, lint, build, unit tests, then integration tests against the real
# kernel, runc, conmon and overlayfs (root required).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint"; npx eslint .
echo "== build"; npm run build --silent
echo "== tests"
# one runner over unit and integration files; files run one at a time (they share the kernel)
mapfile -t files < <(find src test -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
