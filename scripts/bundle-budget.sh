#!/usr/bin/env bash
# Fails when what a browser downloads for the page (the hydrate WASM, its JS glue and the
# CSS of a release build, gzip -9) exceeds the budget: 250 KB, as promised in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${SIGNEDIN_BUNDLE_BUDGET_BYTES:-250000}"
pkg="target/site/pkg"
total=0
for file in "$pkg/signedin.wasm" "$pkg/signedin.js" "$pkg/signedin.css"; do
  if [ ! -f "$file" ]; then
    echo "bundle-budget: $file is missing (run a release build first)" >&2
    exit 1
  fi
  size="$(gzip -9 -c "$file" | wc -c)"
  printf '  %-24s %8d B gzipped\n' "$(basename "$file")" "$size"
  total=$((total + size))
done
printf '  %-24s %8d B gzipped (budget %d B)\n' "total" "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "bundle-budget: the page's bundle is over budget by $((total - budget)) B" >&2
  exit 1
fi
