#!/usr/bin/env bash
# From a laptop: copies this checkout to a Pi over ssh and installs it there.
#   deploy/push.sh pi@raspberrypi.local [DIR]     (DIR on the Pi: default ~/roomguard)
# Needs ssh access to the Pi and sudo there (Raspberry Pi OS's first user has it). Extra ssh
# options (a port, a key) go in RG_SSH_OPTIONS, e.g. RG_SSH_OPTIONS="-p 2222 -i ~/.ssh/pi".
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
host=${1:?usage: deploy/push.sh user@host [DIR]}
dir=${2:-roomguard}
quoted=$(printf %q "$dir")
read -r -a ssh_options <<<"${RG_SSH_OPTIONS:-}"
echo "roomguard: copying $SRC to $host:$dir"
# What git tracks (no node_modules, no build output), as one tar stream. The directory is
# expanded here on purpose, quoted for the remote shell.
# shellcheck disable=SC2029
git -C "$SRC" ls-files -z --cached --others --exclude-standard | (cd "$SRC" && tar --null -T - -czf -) |
  ssh ${ssh_options[@]+"${ssh_options[@]}"} "$host" "mkdir -p $quoted && tar -xzf - -C $quoted"
echo "roomguard: installing on $host"
# A terminal for sudo's password prompt when there is one here. (The ${a[@]+…} form keeps an
# empty array from tripping set -u in the bash 3 of a Mac.)
tty=()
[ -t 0 ] && tty=(-t)
# shellcheck disable=SC2029
ssh ${tty[@]+"${tty[@]}"} ${ssh_options[@]+"${ssh_options[@]}"} "$host" "sudo $quoted/deploy/install.sh"
