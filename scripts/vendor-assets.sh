#!/usr/bin/env bash
# Re-vendors the front-end files from npm into assets/vendor, pinned by assets/vendor/package-lock.json
# (npm checks each tarball's integrity hash). Run only when changing a version; the result is committed,
# so neither building nor running Tongxin ever touches the network.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
vendor="$here/assets/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$vendor/package.json" "$work/"
[ -f "$vendor/package-lock.json" ] && cp "$vendor/package-lock.json" "$work/"
(cd "$work" && if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; else npm install --ignore-scripts --no-audit --no-fund; fi)
cp "$work/package-lock.json" "$vendor/package-lock.json"
cp "$work/node_modules/htmx.org/dist/htmx.min.js" "$vendor/htmx.min.js"
cp "$work/node_modules/echarts/dist/echarts.min.js" "$vendor/echarts.min.js"
cp "$work/node_modules/axe-core/axe.min.js" "$vendor/axe.min.js"
(cd "$vendor" && sha256sum htmx.min.js echarts.min.js axe.min.js > SHA256SUMS)
echo "vendored into $vendor:"; cat "$vendor/SHA256SUMS"
