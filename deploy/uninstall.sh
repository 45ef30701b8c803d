#!/usr/bin/env bash
# Removes roomguard: stops and removes the unit, the roomguard command, the system user,
# /opt/roomguard and the block it wrote in /boot/firmware/config.txt. Keeps the config
# (/etc/roomguard) and the state (/var/lib/roomguard: journal, logs) unless --purge.
set -euo pipefail
BOOT_CONFIG=${RG_BOOT_CONFIG:-/boot/firmware/config.txt}
purge=0
case "${1:-}" in
  --purge) purge=1 ;;
  "") ;;
  *)
    echo "usage: sudo $0 [--purge]" >&2
    exit 64
    ;;
esac
[ "$(id -u)" = 0 ] || {
  echo "roomguard: error: run me as root: sudo $0" >&2
  exit 1
}
say() { printf 'roomguard: %s\n' "$*"; }

if [ -d /run/systemd/system ] && systemctl list-unit-files roomguard.service >/dev/null 2>&1; then
  systemctl disable --now roomguard.service >/dev/null 2>&1 || true
fi
if [ -e /etc/systemd/system/roomguard.service ]; then
  rm -f /etc/systemd/system/roomguard.service /etc/systemd/system/multi-user.target.wants/roomguard.service
  [ -d /run/systemd/system ] && systemctl daemon-reload
  say "removed roomguard.service"
fi
rm -f /usr/local/bin/roomguard /etc/modules-load.d/roomguard.conf
if [ -f "$BOOT_CONFIG" ] && grep -q '^# >>> roomguard' "$BOOT_CONFIG"; then
  sed -i '/^# >>> roomguard/,/^# <<< roomguard <<</d' "$BOOT_CONFIG"
  say "removed roomguard's block from $BOOT_CONFIG (a reboot releases the pull-ups)"
fi
if id roomguard >/dev/null 2>&1; then
  userdel roomguard
  say "removed the user roomguard"
fi
# userdel leaves the group while the admin install.sh added is still in it.
if getent group roomguard >/dev/null; then
  groupdel roomguard
  say "removed the group roomguard"
fi
rm -rf /opt/roomguard /var/cache/roomguard
say "removed /opt/roomguard"
if [ "$purge" = 1 ]; then
  rm -rf /etc/roomguard /var/lib/roomguard
  say "removed /etc/roomguard and /var/lib/roomguard"
else
  say "kept /etc/roomguard (config) and /var/lib/roomguard (journal, logs); --purge removes them"
fi
