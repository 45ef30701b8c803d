#!/usr/bin/env bash
# Brings an installed roomguard up to date: pulls this checkout (when it is a git clone; --no-pull
# skips that), then runs install.sh, which builds the new release beside the running one and
# switches to it only once it built and its native addons load. The config and state are kept;
# a failed build leaves the running version as it was.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$(id -u)" = 0 ] || {
  echo "roomguard: error: run me as root: sudo $0" >&2
  exit 1
}
[ -e /opt/roomguard/current ] || {
  echo "roomguard: error: roomguard is not installed here; run deploy/install.sh first" >&2
  exit 1
}
if [ "${1:-}" != --no-pull ] && git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  echo "roomguard: pulling $SRC"
  # The checkout usually belongs to the user who cloned it, not to root.
  sudo -u "$(stat -c %U "$SRC")" git -C "$SRC" pull --ff-only
else
  echo "roomguard: updating from $SRC as it is"
fi
exec "$SRC/deploy/install.sh"
