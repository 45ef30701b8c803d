#!/usr/bin/env bash
# Installs roomguard from this checkout, or brings an installation up to it. Run as root on the
# Pi: `sudo deploy/install.sh [--admin USER]`. Safe to run again: what is already in place is
# left alone, and a second run with nothing new changes nothing. docs/deploy.md says what it
# does, step by step.
#
# Where things go: the program in /opt/roomguard (releases/<id>, `current` → the running one,
# node/ its Node.js), state in /var/lib/roomguard, the config in /etc/roomguard/config.yaml
# (never overwritten), the bus's CURVE keys in /etc/roomguard/keys, the unit in
# /etc/systemd/system/roomguard.service.
#
# The admin who ran it with sudo ($SUDO_USER), or USER of --admin (for a root login, where sudo
# names nobody), joins the roomguard group: the bus, `roomguard status` and `roomguard ctl` are
# that group's.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/opt/roomguard
ETC=/etc/roomguard
STATE=/var/lib/roomguard
CACHE=${RG_CACHE:-/var/cache/roomguard} # downloads and the pnpm store
KEYS=$ETC/keys
UNIT=/etc/systemd/system/roomguard.service
BOOT_CONFIG=${RG_BOOT_CONFIG:-/boot/firmware/config.txt}
MODEL_FILE=${RG_MODEL_FILE:-/proc/device-tree/model}
OS_RELEASE=/etc/os-release
REGISTRY=${npm_config_registry:-https://registry.npmjs.org}
REGISTRY=${REGISTRY%/}
# Node.js for the appliance, from the npm registry's node-linux-<arch> packages (the official
# builds, with the headers node-gyp needs for the GPIO and I2C addons). Pinned, with checksums.
NODE_VERSION=22.23.5
declare -A NODE_SHA512=(
  [x64]=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233
  [arm64]=7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce
)
DEBIAN_PACKAGES=(ca-certificates curl mpd python3 make g++)

changed=0
say() { printf 'roomguard: %s\n' "$*"; }
did() {
  changed=1
  say "$*"
}
die() {
  printf 'roomguard: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  printf 'usage: sudo %s [--admin USER]\n  --admin USER  USER joins the roomguard group (the bus, roomguard status and ctl); default: the user who ran sudo\n' "$0"
}

parse_args() {
  admin=${SUDO_USER:-}
  while [ $# -gt 0 ]; do
    case "$1" in
      --admin)
        if [ $# -lt 2 ] || [ -z "$2" ]; then
          usage >&2
          exit 64
        fi
        id "$2" >/dev/null 2>&1 || die "--admin $2: no such user on this machine"
        admin=$2
        shift 2
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        exit 64
        ;;
    esac
  done
}

check_platform() {
  case "$(uname -m)" in
    aarch64 | arm64) node_arch=arm64 ;;
    x86_64 | amd64) node_arch=x64 ;;
    armv6l | armv7l | armhf | arm*)
      die "this is a 32-bit ARM system ($(uname -m)). roomguard needs a 64-bit OS: its message bus (zeromq.js) ships no 32-bit ARM build.
  Way out: write 'Raspberry Pi OS (64-bit)' to the SD card with Raspberry Pi Imager (Pi 3, 4, 5, Zero 2 W, 400 run it), then run this again." ;;
    *) die "unsupported processor $(uname -m): roomguard installs on 64-bit ARM (aarch64) and x86_64" ;;
  esac
  [ "$(id -u)" = 0 ] || die "run me as root: sudo $0"
  # shellcheck source=/dev/null # the OS's own file
  . "$OS_RELEASE"
  case "${ID:-}:${VERSION_ID:-}" in
    debian:12 | debian:13 | raspbian:12 | raspbian:13) ;;
    *)
      [ "${RG_ANY_OS:-}" = 1 ] || die "supported: Raspberry Pi OS or Debian 12 (bookworm) or 13 (trixie); this is ${PRETTY_NAME:-unknown}. RG_ANY_OS=1 tries anyway."
      ;;
  esac
  model=$({ tr -d '\0' <"$MODEL_FILE"; } 2>/dev/null || true)
  if [[ "$model" == *"Raspberry Pi"* ]]; then
    is_pi=1
    say "platform: $model, ${PRETTY_NAME:-}, $(uname -m)"
  else
    is_pi=0
    say "platform: not a Raspberry Pi (${PRETTY_NAME:-}, $(uname -m)): installing with simulated hardware (hardware.backend: auto picks it)"
  fi
}

ensure_debian_packages() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  did "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Downloads the npm registry's package $1 at version $2, checks it against a sha512 (the hex in $4,
# else the registry's own integrity) and unpacks it into $3. Downloads are kept in $CACHE.
fetch_package() {
  local name=$1 version=$2 dest=$3 expected=${4:-} meta
  local file="$CACHE/downloads/${name//\//_}-$version.tgz"
  mkdir -p "$CACHE/downloads"
  # A download verified once keeps its checksum beside it, so a reinstall works offline.
  [ -z "$expected" ] && [ -s "$file.sha512" ] && expected=$(cat "$file.sha512")
  if [ -z "$expected" ]; then
    meta=$(curl -fsSL --retry 3 "$REGISTRY/${name/\//%2f}/$version") || die "cannot reach $REGISTRY for $name $version: is this machine online?"
    expected=$(sed -n 's/.*"integrity": *"sha512-\([^"]*\)".*/\1/p' <<<"$meta" | base64 -d | od -An -tx1 -v | tr -d ' \n')
    [ -n "$expected" ] || die "$REGISTRY gives no sha512 for $name $version"
  fi
  if ! echo "$expected  $file" | sha512sum --quiet -c - >/dev/null 2>&1; then
    did "downloading $name $version from $REGISTRY"
    curl -fsSL --retry 3 -o "$file.part" "$REGISTRY/$name/-/${name##*/}-$version.tgz" ||
      die "cannot download $name $version from $REGISTRY: is this machine online?"
    echo "$expected  $file.part" | sha512sum --quiet -c - >/dev/null 2>&1 || die "$name $version: the download does not match its checksum"
    mv "$file.part" "$file"
  fi
  [ -s "$file.sha512" ] || echo "$expected" >"$file.sha512"
  did "installing $name $version into $dest"
  rm -rf "$dest.new"
  mkdir -p "$dest.new"
  tar -xzf "$file" -C "$dest.new" --strip-components=1 --no-same-owner
  rm -rf "$dest"
  mv "$dest.new" "$dest"
}

ensure_node() {
  NODE="$PREFIX/node/bin/node"
  [ -x "$NODE" ] && [ "$("$NODE" --version)" = "v$NODE_VERSION" ] && return
  fetch_package "node-linux-$node_arch" "$NODE_VERSION" "$PREFIX/node" "${NODE_SHA512[$node_arch]}"
}

ensure_pnpm() {
  local version
  version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$SRC/package.json")
  [ -n "$version" ] || die "no pnpm version in $SRC/package.json (packageManager)"
  PNPM="$PREFIX/pnpm/pnpm"
  [ -x "$PNPM" ] && [ -d "$PREFIX/pnpm/dist" ] && [ "$("$PNPM" --version 2>/dev/null)" = "$version" ] && return
  # What `npm install -g pnpm` makes: the pnpm package (with the node-gyp it runs addon builds
  # with) and, in place of its `pnpm` launcher, pnpm's native build for this processor.
  fetch_package pnpm "$version" "$PREFIX/pnpm"
  fetch_package "@pnpm/exe.linux-$node_arch" "$version" "$PREFIX/pnpm-exe"
  install -m 0755 "$PREFIX/pnpm-exe/pnpm" "$PNPM"
  rm -rf "$PREFIX/pnpm-exe"
}

# The checkout's files (what git tracks, or everything but build output), as one id: a release
# is built once per id, so running this again with nothing new rebuilds nothing.
source_files() {
  if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$SRC" ls-files -z --cached --others --exclude-standard
  else
    (cd "$SRC" && find . -path ./node_modules -prune -o -path ./.tools -prune -o -path ./var -prune -o -path ./music -prune \
      -o -name node_modules -prune -o -name dist -prune -o -name '*.tsbuildinfo' -prune -o -type f -print0 | sed -z 's|^\./||')
  fi
}

build_release() {
  local id
  id=$(source_files | sort -z | (cd "$SRC" && xargs -0 sha256sum) | sha256sum | cut -c1-12)
  release="$PREFIX/releases/$id"
  if [ -e "$release/.complete" ]; then return; fi
  did "building release $id in $release"
  rm -rf "$release.new"
  mkdir -p "$release.new"
  source_files | (cd "$SRC" && tar --null -T - -cf -) | tar -xf - -C "$release.new" --no-same-owner
  (
    cd "$release.new"
    export PATH="$PREFIX/node/bin:$PATH" npm_config_nodedir="$PREFIX/node" CI=true
    "$PNPM" install --frozen-lockfile --store-dir "$CACHE/pnpm-store" --reporter=append-only >"$release.new.log" 2>&1 ||
      die "installing the dependencies failed (the running version is untouched); see $release.new.log"
    "$PNPM" build >>"$release.new.log" 2>&1 || die "the build failed (the running version is untouched); see $release.new.log"
    # An optional native addon whose build failed is skipped silently by the package manager: load each one now.
    (cd packages/hal && "$NODE" -e 'for (const m of ["onoff", "i2c-bus", "rpio"]) require(m)') >>"$release.new.log" 2>&1 ||
      die "a GPIO/I2C addon does not load (see $release.new.log); the running version is untouched"
    (cd packages/bus && "$NODE" -e 'require("zeromq")') >>"$release.new.log" 2>&1 || die "zeromq does not load (see $release.new.log)"
  )
  mv "$release.new.log" "$release.new/build.log"
  touch "$release.new/.complete"
  mv "$release.new" "$release"
}

switch_release() {
  if [ "$(readlink "$PREFIX/current" 2>/dev/null)" = "$release" ]; then return; fi
  ln -sfn "$release" "$PREFIX/current.new"
  mv -T "$PREFIX/current.new" "$PREFIX/current"
  did "switched $PREFIX/current to $release"
  # Keep the running release and the one before it; older ones go.
  local keep
  keep=$(readlink "$PREFIX/previous" 2>/dev/null || true)
  [ -n "${old_release:-}" ] && [ "$old_release" != "$release" ] && ln -sfn "$old_release" "$PREFIX/previous" && keep=$old_release
  for dir in "$PREFIX"/releases/*/; do
    dir=${dir%/}
    [ "$dir" = "$release" ] || [ "$dir" = "$keep" ] || rm -rf "$dir"
  done
  rm -f "$PREFIX"/releases/*.new.log # the logs of builds that failed before this one
}

# True when user $1 is in group $2.
in_group() {
  id -nG "$1" | tr ' ' '\n' | grep -qx "$2"
}

ensure_user() {
  if ! id roomguard >/dev/null 2>&1; then
    useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin roomguard
    did "created the system user roomguard"
  fi
  for group in gpio i2c audio; do
    if ! getent group "$group" >/dev/null; then
      [ "$is_pi" = 0 ] || say "warning: no '$group' group on this Pi: is this Raspberry Pi OS?"
    elif ! in_group roomguard "$group"; then
      usermod -aG "$group" roomguard
      did "added roomguard to the $group group"
    fi
  done
  install -d -m 0750 -o roomguard -g roomguard "$STATE"
}

# Groups the config's hardware needs beyond ensure_user's: input for a USB keypad (keypad.mode:
# usb reads /dev/input/event*, root:input 0660). Asked of the config after ensure_config checked it.
ensure_config_groups() {
  local groups group
  groups=$("$NODE" "$release/deploy/boot-config.mjs" --release "$release" --config "$ETC/config.yaml" --groups) ||
    die "cannot tell which groups $ETC/config.yaml needs"
  for group in $groups; do
    if ! getent group "$group" >/dev/null; then
      say "warning: no '$group' group on this system: the keypad cannot read its device (hardware/keypad.md)"
    elif ! in_group roomguard "$group"; then
      usermod -aG "$group" roomguard
      did "added roomguard to the $group group (the config's USB keypad)"
    fi
  done
}

# The admin who ran `sudo install.sh` (or --admin USER) joins the roomguard group: the bus's
# sockets (roomguard tap, send), the launcher's control socket (roomguard status, ctl), the
# alarm's and the config are for the roomguard user and group alone.
ensure_admin_in_group() {
  if [ -z "${admin:-}" ] || [ "$admin" = root ] || ! id "$admin" >/dev/null 2>&1; then return 0; fi
  if in_group "$admin" roomguard; then return 0; fi
  usermod -aG roomguard "$admin"
  did "added $admin to the roomguard group, for the bus (roomguard tap, send), roomguard status and roomguard ctl"
  joined_group=$admin
}

# Copies $1 to $2 when it differs; true when it did.
put() {
  if cmp -s "$1" "$2"; then return 1; fi
  install -D -m "${3:-0644}" "$1" "$2"
  did "wrote $2"
}

ensure_config() {
  local template="$release/deploy/config.template.yaml"
  install -d -m 0755 "$ETC"
  if [ ! -e "$ETC/config.yaml" ]; then
    install -m 0640 -g roomguard "$template" "$ETC/config.yaml"
    cp "$template" "$ETC/.template.yaml"
    did "wrote $ETC/config.yaml from the template: edit it for your wiring (docs/configuration.md)"
  elif ! cmp -s "$template" "$ETC/.template.yaml"; then
    # The user's config stays; the new template goes beside it with what changed.
    cp "$template" "$ETC/config.yaml.new"
    did "the config template changed; yours is kept. The new one is $ETC/config.yaml.new; what changed:"
    diff -u --label "old template" --label "new template" "$ETC/.template.yaml" "$template" || true
    cp "$template" "$ETC/.template.yaml"
  fi
  # The whole config as every service will check it at start, with the pin plan: a wrong value
  # or a pin used twice is named now, before anything is started or written to config.txt.
  local report
  if ! report=$("$NODE" "$release/packages/cli/dist/src/main.js" check --config "$ETC/config.yaml" 2>&1); then
    printf '%s\n' "$report" >&2
    die "$ETC/config.yaml has problems (above). Fix them, then run this again."
  fi
  # Shown when something changed (a first install, a new release); a run that changes nothing stays quiet.
  if [ "$changed" = 1 ]; then printf '%s\n' "$report"; fi
}

# The bus's CURVE keys (the template's bus.keys): the router's pair and this host's, made by
# `roomguard keys init` as the roomguard user, the only one that reads them. Only a bus endpoint
# other machines reach uses them (the installed bus is ipc). keys init keeps keys that exist;
# ROOMGUARD_BUS_KEYS puts them here also for a config from before bus.keys.
ensure_keys() {
  if [ -d "$KEYS" ] && [ "$(stat -c %U:%G "$KEYS")" != roomguard:roomguard ]; then
    # uninstall.sh without --purge keeps them; a roomguard user made again may have another uid.
    chown -R roomguard:roomguard "$KEYS"
    did "gave $KEYS back to the roomguard user"
  fi
  install -d -m 0700 -o roomguard -g roomguard "$KEYS"
  if [ -e "$KEYS/router.key_secret" ] && [ -e "$KEYS/host.key_secret" ]; then return 0; fi
  local out
  if ! out=$(cd / && runuser -u roomguard -- env ROOMGUARD_BUS_KEYS="$KEYS" "$NODE" "$release/packages/cli/dist/src/main.js" keys init --config "$ETC/config.yaml" 2>&1); then
    printf '%s\n' "$out" >&2
    die "roomguard keys init failed (above)"
  fi
  did "made the bus's CURVE keys in $KEYS (roomguard keys init, as the roomguard user):"
  printf '%s\n' "$out"
}

ensure_boot_config() {
  [ "$is_pi" = 1 ] || return 0
  if [ ! -e "$BOOT_CONFIG" ]; then
    say "warning: no $BOOT_CONFIG: set pull-ups and I2C yourself (docs/deploy.md)"
    return
  fi
  local out
  out=$("$NODE" "$release/deploy/boot-config.mjs" --release "$release" --config "$ETC/config.yaml" --boot-config "$BOOT_CONFIG") ||
    die "cannot write $BOOT_CONFIG"
  if [ "$(tail -n1 <<<"$out")" = changed ]; then
    did "wrote the roomguard block of $BOOT_CONFIG:"
    sed '$d' <<<"$out"
    say "REBOOT NEEDED for the pull-ups, I2C and 1-Wire settings to apply: sudo reboot"
  fi
  if grep -q '^dtparam=i2c_arm=on' "$BOOT_CONFIG" && ! grep -qx i2c-dev /etc/modules-load.d/roomguard.conf 2>/dev/null; then
    echo i2c-dev >/etc/modules-load.d/roomguard.conf
    did "load the i2c-dev module at boot (/etc/modules-load.d/roomguard.conf)"
  fi
}

ensure_unit() {
  put "$release/deploy/roomguard.service" "$UNIT" && unit_changed=1
  local wrapper
  wrapper=$(mktemp)
  printf '#!/bin/sh\n# roomguard'"'"'s command, installed by deploy/install.sh\nexec %s %s "$@"\n' "$PREFIX/node/bin/node" "$PREFIX/current/packages/cli/dist/src/main.js" >"$wrapper"
  put "$wrapper" /usr/local/bin/roomguard 0755 || true
  rm -f "$wrapper"
}

start_service() {
  if [ ! -d /run/systemd/system ]; then
    systemctl enable roomguard.service >/dev/null 2>&1 || true
    say "systemd is not running here (a chroot?): roomguard.service is enabled and starts at the next boot"
    return
  fi
  [ "${unit_changed:-0}" = 1 ] && systemctl daemon-reload
  systemctl is-enabled --quiet roomguard.service 2>/dev/null || {
    systemctl enable --quiet roomguard.service
    did "enabled roomguard.service"
  }
  if [ "$changed" = 1 ] || ! systemctl is-active --quiet roomguard.service; then
    systemctl restart roomguard.service
    say "(re)started roomguard.service"
    sleep 3
  fi
  systemctl --no-pager --lines=0 status roomguard.service || true
  /usr/local/bin/roomguard status --timeout 5000 || say "the launcher does not answer yet: journalctl -u roomguard -e"
  say "logs: journalctl -u roomguard -f    status: roomguard status    config: $ETC/config.yaml"
}

main() {
  parse_args "$@"
  check_platform
  ensure_debian_packages
  ensure_node
  ensure_pnpm
  old_release=$(readlink "$PREFIX/current" 2>/dev/null || true)
  build_release
  ensure_user
  ensure_admin_in_group
  ensure_config
  ensure_config_groups
  ensure_keys
  switch_release
  ensure_boot_config
  ensure_unit
  start_service
  if [ "$changed" = 0 ]; then say "nothing to change: roomguard is installed and up to date"; fi
  # Hashes (scrypt$…) are the alarm users' codes (pin:) and the dashboard users' passwords
  # (password:): none of a kind means nobody can arm or disarm, or log in to the dashboard, yet.
  if ! grep -Eq 'pin: *"?scrypt\$' "$ETC/config.yaml" 2>/dev/null; then
    say "the alarm has no users yet: sudo roomguard alarm add-user NAME --role admin, then sudo systemctl restart roomguard (docs/alarm.md)"
  fi
  if ! grep -Eq 'password: *"?scrypt\$' "$ETC/config.yaml" 2>/dev/null; then
    say "the dashboard has no users yet: sudo roomguard web add-user NAME --role admin, then sudo systemctl restart roomguard (docs/web.md)"
  fi
  if [ -n "${joined_group:-}" ]; then
    say "$joined_group: log out and back in for the group to apply (a new ssh login will do; in this shell: newgrp roomguard), then roomguard status, tap and send work without sudo"
  fi
}

# Sourced (by the tests), it only defines its functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
