#!/bin/sh
# ExecStopPost of roomguard.service: kill whatever of the unit still runs once the launcher is
# gone (services it adopted after a restart are not its children, and KillMode=process spares
# them). Runs in the unit's own cgroup, so it leaves itself alone.
set -u
cgroup=$(sed -n 's/^0:://p' /proc/self/cgroup)
procs="/sys/fs/cgroup${cgroup}/cgroup.procs"
[ -r "$procs" ] || exit 0
while read -r pid; do
  [ "$pid" = "$$" ] && continue
  what=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
  kill -KILL "$pid" 2>/dev/null && echo "roomguard: killed leftover process $pid ($what)"
done <"$procs"
exit 0
